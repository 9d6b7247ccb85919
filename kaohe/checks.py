from django.conf import settings
from django.core.checks import Error, register


@register()
def secret_key_is_not_the_development_default(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the public development key while DEBUG is off.",
                hint="Set SECRET_KEY in the environment, or DEBUG=1 for local development.",
                id="kaohe.E001",
            )
        ]
    return []


def refuse_development_key() -> None:
    """Called by the server entry points: a production server must not start with the public key."""
    from django.core.exceptions import ImproperlyConfigured

    errors = secret_key_is_not_the_development_default(None)
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
