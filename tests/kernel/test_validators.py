import datetime

import pytest
from django.core.exceptions import ValidationError

from kernel.masking import mask_id_number, mask_mobile
from kernel.validators import (
    id_number_birth_date,
    id_number_sex,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

# The GB 11643-1999 example number and numbers whose check characters were computed by hand.
VALID_ID_NUMBERS = ["11010519491231002X", "440106198512120033", "310115199003070017", "510107199202290044"]
# Real enterprises' codes, as printed on their business licences.
VALID_CREDIT_CODES = [
    "91330100716105852F",
    "9144030071526726XG",
    "914403001922038216",
    "91110000802100433B",
    "91350100M000100Y43",
]


def corruptions(value: str, alphabet: str):
    """Every one-character change of value within alphabet."""
    for index, original in enumerate(value):
        for replacement in alphabet:
            if replacement != original:
                yield value[:index] + replacement + value[index + 1 :]


@pytest.mark.parametrize("number", VALID_ID_NUMBERS)
def test_valid_id_numbers_are_accepted_and_normalised(number):
    assert validate_id_number(number.lower()) == number
    assert validate_id_number(f" {number} ") == number


@pytest.mark.parametrize("number", VALID_ID_NUMBERS)
def test_every_single_character_change_of_an_id_number_is_refused(number):
    # The check character catches every single substitution; so must we.
    for corrupted in corruptions(number, "0123456789X"):
        with pytest.raises(ValidationError):
            validate_id_number(corrupted)


@pytest.mark.parametrize(
    "number, code",
    [
        ("44052418800101001", "id_number_format"),
        ("4405241880010100145", "id_number_format"),
        ("44052418800101001A", "id_number_format"),
        ("990524198001010010", "id_number_region"),
        ("440524198002300010", "id_number_birth_date"),
        ("440524189912310010", "id_number_birth_date"),
        ("440106198512120034", "id_number_check"),
    ],
)
def test_id_number_errors_have_codes(number, code):
    with pytest.raises(ValidationError) as error:
        validate_id_number(number)
    assert error.value.code == code


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = datetime.date.today() + datetime.timedelta(days=400)
    from tests.factories import make_id_number

    with pytest.raises(ValidationError) as error:
        validate_id_number(make_id_number(birth=tomorrow))
    assert error.value.code == "id_number_birth_date"


def test_birth_date_and_sex_come_from_the_id_number():
    assert id_number_birth_date("11010519491231002X") == datetime.date(1949, 12, 31)
    assert id_number_sex("11010519491231002X") == "F"
    assert id_number_sex("440106198512120033") == "M"


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_real_credit_codes_are_accepted(code):
    assert validate_credit_code(code.lower()) == code


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_every_single_character_change_of_a_credit_code_is_refused(code):
    for corrupted in corruptions(code, "0123456789ABCDEFGHJKLMNPQRTUWXY"):
        with pytest.raises(ValidationError):
            validate_credit_code(corrupted)


@pytest.mark.parametrize(
    "code, error_code",
    [
        ("91330100716105852", "credit_code_format"),
        ("9133010071610585IF", "credit_code_format"),
        ("91330100716105852G", "credit_code_check"),
    ],
)
def test_credit_code_errors_have_codes(code, error_code):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == error_code


@pytest.mark.parametrize("raw, clean", [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000")])
def test_mobiles_are_normalised(raw, clean):
    assert validate_mobile(raw) == clean


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "23800138000", "138001380001", "abc"])
def test_bad_mobiles_are_refused(raw):
    with pytest.raises(ValidationError) as error:
        validate_mobile(raw)
    assert error.value.code == "mobile_format"


def test_masks_keep_only_the_ends():
    assert mask_id_number("44052418800101123X") == "440***********123X"
    assert mask_mobile("13800381234") == "138****1234"
