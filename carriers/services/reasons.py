"""Services of the carrier-reason catalogue (what each carrier code means and what the customer
does next, in Chinese and English): the only path to its rows, called by the console.

Kept like the rejection-reason catalogue (``ReasonCode``): every staff role reads it, senior
reviewers add entries and change them (``add_carrierreason``, ``change_carrierreason``). An entry
is never deleted: it is deactivated, so django-auditlog's history (every create and change of
the model) keeps which texts were shown when. Pages read the catalogue when they are built
(``carriers.selectors.carrier_reason_catalogue``): a change shows from the next page on.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carriers.models import Carrier, CarrierReason
from carriers.selectors import reason_code_form
from reviewportal.errors import PermissionRefused
from reviewportal.models import User
from reviewportal.permissions import is_staff_user

PERM_ADD = "carriers.add_carrierreason"
PERM_CHANGE = "carriers.change_carrierreason"
#: The texts every entry has, in both languages.
TEXT_FIELDS = ("explanation_zh", "explanation_en", "next_step_zh", "next_step_en")


def _require(user: User, perm: str) -> None:
    if not (is_staff_user(user) and user.has_perm(perm)):
        raise PermissionRefused(_("Only senior reviewers may change the carrier reasons."))


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {name: (values.get(name) or "").strip() for name in TEXT_FIELDS}


def carrier_reason_create(
    *,
    user: User,
    code: str,
    explanation_zh: str,
    explanation_en: str,
    next_step_zh: str,
    next_step_en: str,
    carrier: Carrier | None = None,
    is_active: bool = True,
    sort_order: int = 100,
) -> CarrierReason:
    """Add a carrier reason code to the catalogue.

    Effects, in order: ``user`` must be active staff with ``add_carrierreason``
    (PermissionRefused otherwise); the code is brought to the catalogue's form
    (``reason_code_form``: NFKC, trimmed, upper case) and must not be empty or in the catalogue
    already, active or not (ValidationError on ``code``); the four texts are trimmed and none
    may be empty (ValidationError on the field); the row is saved (django-auditlog records it).
    Pages show it from their next load."""
    with transaction.atomic():
        _require(user, PERM_ADD)
        form = reason_code_form(code)
        if not form:
            raise ValidationError({"code": _("Enter the carrier's code, e.g. CU-4007.")})
        existing = CarrierReason.objects.filter(code=form).first()
        if existing is not None:
            raise _already_listed(form, active=existing.is_active)
        reason = CarrierReason(
            code=form,
            carrier=carrier,
            is_active=bool(is_active),
            sort_order=sort_order,
            **_texts(
                {
                    "explanation_zh": explanation_zh,
                    "explanation_en": explanation_en,
                    "next_step_zh": next_step_zh,
                    "next_step_en": next_step_en,
                }
            ),
        )
        reason.full_clean()
        try:
            with transaction.atomic():
                reason.save()
        except IntegrityError:
            # Someone added the same code at the same moment: the unique constraint decides.
            raise _already_listed(form, active=True) from None
        return reason


def _already_listed(code: str, *, active: bool) -> ValidationError:
    message = (
        _("“%(code)s” is already in the catalogue.")
        if active
        else _("“%(code)s” is already in the catalogue, inactive; activate it there.")
    )
    return ValidationError({"code": ValidationError(message, code="unique", params={"code": code})})


def carrier_reason_update(
    *,
    reason: CarrierReason,
    user: User,
    explanation_zh: str,
    explanation_en: str,
    next_step_zh: str,
    next_step_en: str,
    carrier: Carrier | None,
    is_active: bool,
    sort_order: int,
) -> CarrierReason:
    """Change an entry's texts, carrier, order, or deactivate or activate it. The code itself is
    not edited (another code is another entry, so the history says which texts a code had).

    Effects, in order: ``user`` must be active staff with ``change_carrierreason``
    (PermissionRefused otherwise); the row is locked; the texts are trimmed and none may be
    empty (ValidationError); when nothing changes, nothing is written; otherwise the row is
    saved (django-auditlog records the change)."""
    with transaction.atomic():
        _require(user, PERM_CHANGE)
        reason = CarrierReason.objects.select_for_update().get(pk=reason.pk)
        wanted = {
            **_texts(
                {
                    "explanation_zh": explanation_zh,
                    "explanation_en": explanation_en,
                    "next_step_zh": next_step_zh,
                    "next_step_en": next_step_en,
                }
            ),
            "carrier_id": carrier.pk if carrier is not None else None,
            "is_active": bool(is_active),
            "sort_order": sort_order,
        }
        changed = [name for name, value in wanted.items() if getattr(reason, name) != value]
        if not changed:
            return reason
        for name in changed:
            setattr(reason, name, wanted[name])
        reason.full_clean()
        reason.save(update_fields=[name.removesuffix("_id") for name in changed])
        return reason
