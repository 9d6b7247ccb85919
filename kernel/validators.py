"""Validators for Chinese identifiers: the resident ID number, the unified social credit code, mobiles.

Each returns the normalised value or raises ValidationError with a stable code and a translated
message, so forms, services and the API give the same answer.
"""

import datetime
import re

from .errors import ERRORS

# GB 11643-1999: weights are 2^(17-i) mod 11; the remainder indexes the check characters.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
# GB/T 2260 province-level codes in use (including Taiwan, Hong Kong and Macao).
_PROVINCE_CODES = {
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
    41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
}

# GB 32100-2015: 31 characters (no I, O, Z, S, V); weights are 3^i mod 31.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def id_number_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def id_number_birth_date(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_number_sex(value: str) -> str:
    """'M' or 'F': the 17th digit is odd for men and even for women."""
    return "M" if int(value[16]) % 2 else "F"


def validate_id_number(value: str) -> str:
    value = normalise_id_number(value)
    if not _ID_PATTERN.match(value):
        raise ERRORS.validation_error("id_number_format")
    if int(value[:2]) not in _PROVINCE_CODES:
        raise ERRORS.validation_error("id_number_region")
    try:
        birth = id_number_birth_date(value)
    except ValueError:
        raise ERRORS.validation_error("id_number_birth_date")
    if birth.year < 1900 or birth > datetime.date.today():
        raise ERRORS.validation_error("id_number_birth_date")
    if id_number_check_char(value[:17]) != value[17]:
        raise ERRORS.validation_error("id_number_check")
    return value


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(char) * weight for char, weight in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_credit_code(value: str) -> str:
    value = normalise_credit_code(value)
    if not _USCC_PATTERN.match(value):
        raise ERRORS.validation_error("credit_code_format")
    if uscc_check_char(value[:17]) != value[17]:
        raise ERRORS.validation_error("credit_code_check")
    return value


def normalise_mobile(value: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    return value[3:] if value.startswith("+86") else value


def validate_mobile(value: str) -> str:
    value = normalise_mobile(value)
    if not _MOBILE_PATTERN.match(value):
        raise ERRORS.validation_error("mobile_format")
    return value
