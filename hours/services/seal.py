"""The issuer's electronic seal (电子签章): a PAdES digital signature over a whole PDF, made with
pyHanko, that any PDF reader (and pyHanko's own validator) can check.

One function, `seal_pdf`, signs both documents the platform issues from a certificate (the
electronic certificate and the hours statement), so they carry the same seal.

The key and its X.509 certificate never enter the database: whoever can write the database must
not be able to seal. They come from the settings, in this order:

1. `CERTIFICATE_SEAL_KEY_FILE` and `CERTIFICATE_SEAL_CERT_FILE`: PEM (or DER) files of the
   issuing authority's private key (unencrypted) and its certificate;
2. with DEBUG on and neither set (the embedded default, `make run`, tests): a self-signed
   development key and certificate generated once under `CERTIFICATE_SEAL_DEVELOPMENT_DIR`, said so
   in a log line;
3. otherwise none: documents are refused with `seal_key_missing` (and system check hours.W001 warns).

An issuer may have its own key (a training institution issuing under its own seal, notice 003):
`CERTIFICATE_SEAL_ORGANISATION_KEYS` maps its unified social credit code (or its id) to a key and
certificate file; an issuer not listed is sealed with the key above, in its own name.
"""

import datetime
import io
import json
import logging
import os
from pathlib import Path

from django.conf import settings

from kernel.errors import DomainError

from ..errors import ERRORS

log = logging.getLogger(__name__)

FIELD_NAME = "KaoheSeal"
DEVELOPMENT_KEY_NAME = "kaohe-seal-key.dev.pem"
DEVELOPMENT_CERT_NAME = "kaohe-seal-cert.dev.pem"
DEVELOPMENT_SUBJECT = "Kaohe development seal (not for production)"


def configured() -> bool:
    """Whether a production key is configured (the development pair does not count)."""
    return bool(settings.CERTIFICATE_SEAL_KEY_FILE or settings.CERTIFICATE_SEAL_CERT_FILE)


def development_paths() -> tuple[Path, Path]:
    directory = Path(settings.CERTIFICATE_SEAL_DEVELOPMENT_DIR)
    return directory / DEVELOPMENT_KEY_NAME, directory / DEVELOPMENT_CERT_NAME


def _write_exclusive(path: Path, data: bytes, mode: int) -> bool:
    # O_EXCL: two processes starting at once keep one file, not the last one written.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return True


def create_development_pair(key_path: Path, cert_path: Path) -> None:
    """A self-signed key and certificate for one machine (make run, the test suite); a pair already
    there is kept."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kaohe"),
            x509.NameAttribute(NameOID.COMMON_NAME, DEVELOPMENT_SUBJECT),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # The key first: a certificate is written only beside the key it belongs to.
    if _write_exclusive(key_path, key_pem, 0o600):
        _write_exclusive(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
        log.warning(
            "Generated a development certificate seal key and self-signed certificate at %s. They are for "
            "this machine only: documents sealed with them prove nothing to a regulator. Set "
            "CERTIFICATE_SEAL_KEY_FILE and CERTIFICATE_SEAL_CERT_FILE in production.",
            key_path.parent,
        )


def key_files(*, create_development_key: bool = True) -> tuple[Path, Path] | None:
    """The (key, certificate) files that seal documents, or None when there are none."""
    if configured():
        if not (settings.CERTIFICATE_SEAL_KEY_FILE and settings.CERTIFICATE_SEAL_CERT_FILE):
            raise ERRORS.error("seal_key_invalid", error="set both CERTIFICATE_SEAL_KEY_FILE and CERTIFICATE_SEAL_CERT_FILE")
        return Path(settings.CERTIFICATE_SEAL_KEY_FILE), Path(settings.CERTIFICATE_SEAL_CERT_FILE)
    if not settings.DEBUG:
        return None
    key_path, cert_path = development_paths()
    if not key_path.exists():
        if not create_development_key:
            return None
        create_development_pair(key_path, cert_path)
    return key_path, cert_path


def organisation_keys() -> dict[str, tuple[Path, Path]]:
    """The issuers' own keys (CERTIFICATE_SEAL_ORGANISATION_KEYS): credit code or id -> (key, cert)."""
    raw = getattr(settings, "CERTIFICATE_SEAL_ORGANISATION_KEYS", None) or {}
    try:
        mapping = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(mapping, dict):
            raise ValueError("not an object")
        return {str(name): (Path(files["key"]), Path(files["cert"])) for name, files in mapping.items()}
    except (ValueError, TypeError, KeyError) as error:
        raise ERRORS.error("seal_key_invalid", error=f"CERTIFICATE_SEAL_ORGANISATION_KEYS: {error}") from error


def organisation_key_files(organisation) -> tuple[Path, Path] | None:
    """The issuer's own (key, certificate) files, or None when it has none configured."""
    if organisation is None:
        return None
    keys = organisation_keys()
    for name in (organisation.credit_code, str(organisation.pk)):
        if name and name in keys:
            return keys[name]
    return None


def organisation_key_problems() -> list[str]:
    """What is wrong with the issuers' own keys (system check hours.E002): each must load."""
    from pyhanko.sign import signers

    try:
        keys = organisation_keys()
    except DomainError as error:
        return [error.message]
    problems = []
    for name, (key_path, cert_path) in keys.items():
        try:
            loaded = signers.SimpleSigner.load(str(key_path), str(cert_path))
        except (OSError, ValueError) as error:
            loaded, reason = None, str(error)
        else:
            reason = "cannot be read"
        if loaded is None:
            problems.append(f"CERTIFICATE_SEAL_ORGANISATION_KEYS[{name}]: {key_path} / {cert_path} {reason}")
    return problems


def signer(*, create_development_key: bool = True, organisation=None):
    """The pyHanko signer of `organisation`'s own key if configured, else of the platform's key;
    DomainError `seal_key_missing` if none."""
    from pyhanko.sign import signers

    files = organisation_key_files(organisation) or key_files(create_development_key=create_development_key)
    if files is None:
        raise ERRORS.error("seal_key_missing")
    key_path, cert_path = files
    try:
        loaded = signers.SimpleSigner.load(str(key_path), str(cert_path))
    except (OSError, ValueError) as error:
        raise ERRORS.error("seal_key_invalid", error=error) from error
    if loaded is None:  # pyHanko logs the cause and returns None on an unreadable key
        raise ERRORS.error("seal_key_invalid", error=f"{key_path} / {cert_path} cannot be read")
    return loaded


def seal_pdf(data: bytes, *, signer_name: str, reason: str, location: str, organisation=None) -> bytes:
    """`data` (a complete PDF) with the issuer's seal: one signature covering the whole file, in
    the name of the issuer (`organisation`, whose own key seals it where one is configured).
    Raises DomainError `seal_key_missing`/`seal_key_invalid`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, name=signer_name, reason=reason, location=location
    )
    key = signer(organisation=organisation)  # before reading the document: no key, no work
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    output = signers.sign_pdf(writer, metadata, signer=key)
    return output.getvalue()
