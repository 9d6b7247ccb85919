"""Field validation shared by the people services: a validator's refusal lands on its field."""

from django.core.exceptions import ValidationError

from kernel.errors import FieldError


def validated(field: str, validator, value: str) -> str:
    """The value as the validator normalises it, or a FieldError on `field`."""
    try:
        return validator(value)
    except ValidationError as error:
        raise FieldError(field=field, code=error.code or "invalid", message=error.messages[0])
