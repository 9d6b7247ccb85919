"""System checks of hours: the key that seals certificate PDFs and hours statements."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from kernel.errors import DomainError


@register()
def organisation_seal_keys(app_configs, **kwargs):
    """Every issuer's own key (CERTIFICATE_SEAL_ORGANISATION_KEYS) loads."""
    from .services import seal

    return [
        Error(problem, hint="Each entry is {\"key\": PEM file, \"cert\": PEM file}; see docs/certificates.md.", id="hours.E002")
        for problem in seal.organisation_key_problems()
    ]


@register()
def certificate_seal_key(app_configs, **kwargs):
    from .services import seal

    if not seal.configured():
        if settings.DEBUG:
            return []  # the development pair is generated on first use
        return [
            Warning(
                "No certificate seal key is configured while DEBUG is off: certificate PDFs and hours "
                "statements cannot be sealed, so they are refused.",
                hint="Set CERTIFICATE_SEAL_KEY_FILE and CERTIFICATE_SEAL_CERT_FILE (PEM); see docs/certificates.md.",
                id="hours.W001",
            )
        ]
    try:
        seal.signer(create_development_key=False)
    except DomainError as error:
        return [Error(error.message, hint="See docs/certificates.md for the key's formats.", id="hours.E001")]
    return []
