import pytest
from django.core.exceptions import ValidationError

from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.validators import (
    mask_id_number,
    normalize_resident_id,
    validate_resident_id,
    validate_uscc,
)


@pytest.mark.parametrize("value", ["91110000600037341L", "91440300MA0000001L", sample_uscc(42)])
def test_validate_uscc_accepts_valid_codes(value):
    validate_uscc(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91110000600037341M", "uscc_checksum"),  # last character altered
        ("9111000060003734", "uscc_length"),
        ("", "uscc_length"),
        ("91110000600037341Ｌ", "uscc_invalid"),  # a full-width letter is not a code character
    ],
)
def test_validate_uscc_refuses_invalid_codes(value, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(value)
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    "value", [sample_resident_id(1), sample_resident_id(77), "11010519491231002X"]
)
def test_validate_resident_id_accepts_valid_numbers(value):
    validate_resident_id(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "ric_checksum"),
        ("11010519491231002", "ric_length"),
        ("110105194913310026", "ric_component"),  # month 13
    ],
)
def test_validate_resident_id_refuses_invalid_numbers(value, code):
    if code == "ric_component":
        # Give the wrong date a correct check digit so that only the component is wrong.
        from stdnum.cn import ric

        value = value[:17] + ric.calc_check_digit(value[:17] + "0")
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id(value)
    assert excinfo.value.code == code


def test_normalize_resident_id_uppercases_x():
    assert normalize_resident_id(" 11010519491231002x ") == "11010519491231002X"


def test_mask_id_number_keeps_region_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("") == ""
