"""The capture log's Ed25519 signing key: where it comes from, and its public half.

The private key never enters the database: whoever can write the database must not be able to
sign. It comes from the settings, in this order:

1. `CAPTURELOG_SIGNING_KEY`: the key itself (PKCS#8 PEM, or the 32-byte seed in base64), from
   the environment;
2. `CAPTURELOG_SIGNING_KEY_FILE`: a file holding the same;
3. with DEBUG on and neither set (the embedded default, `make run`): a development key generated
   on first use at `CAPTURELOG_DEVELOPMENT_KEY_FILE` under var/, said so in a log line;
4. otherwise none: checkpoints are refused (and system check proctor.W001 warns).
"""

import base64
import binascii
import logging
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings

from kernel.errors import DomainError

from .errors import ERRORS
from .rules.capturelog import key_id

log = logging.getLogger(__name__)


def private_key_from_text(text: str | bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from PKCS#8 PEM (unencrypted) or its 32-byte seed in base64."""
    if isinstance(text, bytes):
        text = text.decode()
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (UnsupportedAlgorithm, TypeError) as error:  # TypeError: an encrypted PEM
            raise ValueError(str(error)) from error
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM holds a private key, but not an Ed25519 one")
        return key
    try:
        seed = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error) as error:
        raise ValueError("neither a PEM nor a base64 Ed25519 seed") from error
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed has 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def public_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(raw: bytes) -> str:
    key = Ed25519PublicKey.from_public_bytes(raw)
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _missing() -> DomainError:
    return ERRORS.error("capturelog_signing_key_missing")


def _invalid(source: str, error: Exception) -> DomainError:
    return ERRORS.error("capturelog_signing_key_invalid", source=source, error=error)


def _development_key(*, create: bool) -> Ed25519PrivateKey | None:
    path = Path(settings.CAPTURELOG_DEVELOPMENT_KEY_FILE)
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        try:
            # O_EXCL: two processes starting at once keep one key, not the last one written.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(private_key_pem(key))
            log.warning(
                "Generated a development capture-log signing key at %s (key id %s). It is for this "
                "machine only: checkpoints signed with it prove nothing to a regulator. Set "
                "CAPTURELOG_SIGNING_KEY or CAPTURELOG_SIGNING_KEY_FILE in production.",
                path,
                key_id(public_raw(key)),
            )
            return key
    try:
        return private_key_from_text(path.read_bytes())
    except (OSError, ValueError) as error:
        raise _invalid(str(path), error) from error


def configured() -> bool:
    """Whether a production key is configured (the development key does not count)."""
    return bool(settings.CAPTURELOG_SIGNING_KEY or settings.CAPTURELOG_SIGNING_KEY_FILE)


def signing_key(*, create_development_key: bool = True) -> Ed25519PrivateKey:
    """The key that signs checkpoints; DomainError `capturelog_signing_key_missing` if none."""
    key = _signing_key_or_none(create_development_key=create_development_key)
    if key is None:
        raise _missing()
    return key


def _signing_key_or_none(*, create_development_key: bool) -> Ed25519PrivateKey | None:
    if settings.CAPTURELOG_SIGNING_KEY:
        try:
            return private_key_from_text(settings.CAPTURELOG_SIGNING_KEY)
        except ValueError as error:
            raise _invalid("CAPTURELOG_SIGNING_KEY", error) from error
    if settings.CAPTURELOG_SIGNING_KEY_FILE:
        path = settings.CAPTURELOG_SIGNING_KEY_FILE
        try:
            return private_key_from_text(Path(path).read_bytes())
        except (OSError, ValueError) as error:
            raise _invalid(str(path), error) from error
    if settings.DEBUG:
        return _development_key(create=create_development_key)
    return None


def public_key(*, create_development_key: bool = False) -> bytes | None:
    """The configured key's 32-byte public half, or None when no key is configured (or, under
    DEBUG, the development key does not exist yet and is not to be made)."""
    key = _signing_key_or_none(create_development_key=create_development_key)
    return public_raw(key) if key else None
