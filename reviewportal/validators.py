"""Check-digit validation of Chinese registration numbers, with messages people can act on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc


def normalize_uscc(value: str) -> str:
    return uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """Unified social credit code (GB 32100-2015): 18 characters with a check character."""
    try:
        uscc.validate(value)
    except stdnum_exceptions.InvalidLength as exc:
        raise ValidationError(
            _("A unified social credit code has 18 characters."), code="uscc_length"
        ) from exc
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(
            _(
                "The check character of this unified social credit code is wrong; "
                "please re-type it."
            ),
            code="uscc_checksum",
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("This is not a valid unified social credit code."), code="uscc_invalid"
        ) from exc


def normalize_resident_id(value: str) -> str:
    return ric.compact(value or "").upper()


def validate_resident_id(value: str) -> None:
    """Resident identity card number (GB 11643-1999): 18 characters, the last a check digit or X."""
    try:
        ric.validate(value)
    except stdnum_exceptions.InvalidLength as exc:
        raise ValidationError(
            _("A resident ID number has 18 characters."), code="ric_length"
        ) from exc
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(
            _("The check digit of this resident ID number is wrong; please re-type it."),
            code="ric_checksum",
        ) from exc
    except stdnum_exceptions.InvalidComponent as exc:
        raise ValidationError(
            _("The birth date or region in this resident ID number is not valid."),
            code="ric_component",
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("This is not a valid resident ID number."), code="ric_invalid"
        ) from exc


def mask_id_number(value: str) -> str:
    """``110105199001010021`` → ``110105********0021``: region code and last four stay visible."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 4, 0) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
