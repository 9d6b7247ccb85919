"""Field validation shared by the people services: a validator's refusal lands on its field."""

from django.core.exceptions import ValidationError

from kernel.errors import ERRORS as KERNEL_ERRORS


def validated(field: str, validator, value: str) -> str:
    """The value as the validator normalises it, or a FieldError on `field`. The validators are the
    kernel's, so their codes and messages are the kernel's."""
    try:
        return validator(value)
    except ValidationError as error:
        raise KERNEL_ERRORS.error(error.code, field=field)
