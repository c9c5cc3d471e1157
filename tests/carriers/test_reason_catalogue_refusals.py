"""The words of the carrier-reason catalogue's refusals, as the console shows them: who may not
change it, and a code that is listed already (active or not), with the error's code
(``unique``) and its parameter (the code as the catalogue writes it)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from carriers.models import CarrierReason
from carriers.services import carrier_reason_create, carrier_reason_update
from reviewportal.errors import PermissionRefused
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

TEXTS = {
    "explanation_zh": "签名含有运营商禁用的字词。",
    "explanation_en": "The signature contains a word the carrier does not accept.",
    "next_step_zh": "请更换签名后重新提交。",
    "next_step_en": "Apply for another signature.",
}


def _entry_values(entry: CarrierReason, **changes) -> dict:
    return {
        **{name: getattr(entry, name) for name in TEXTS},
        "carrier": entry.carrier,
        "is_active": entry.is_active,
        "sort_order": entry.sort_order,
        **changes,
    }


def test_who_may_not_change_the_catalogue_is_told_so_in_words():
    reviewer = StaffFactory(role="Reviewer")
    with pytest.raises(PermissionRefused) as refused:
        carrier_reason_create(user=reviewer, code="CM-E205", **TEXTS)
    assert str(refused.value) == "Only senior reviewers may change the carrier reasons."
    assert refused.value.code == "permission_refused"
    entry = CarrierReason.objects.get(code="CU-4007")
    with pytest.raises(PermissionRefused) as refused:
        carrier_reason_update(reason=entry, user=reviewer, **_entry_values(entry, sort_order=1))
    assert str(refused.value) == "Only senior reviewers may change the carrier reasons."


@pytest.mark.parametrize(
    ("active", "message"),
    [
        (True, "“CU-4007” is already in the catalogue."),
        (False, "“CU-4007” is already in the catalogue, inactive; activate it there."),
    ],
)
def test_a_listed_code_is_refused_as_not_unique_naming_the_code(active, message):
    senior = StaffFactory(role="Senior reviewer")
    entry = CarrierReason.objects.get(code="CU-4007")
    carrier_reason_update(reason=entry, user=senior, **_entry_values(entry, is_active=active))
    with pytest.raises(ValidationError) as refused:
        carrier_reason_create(user=senior, code=" cu-4007 ", **TEXTS)
    (error,) = refused.value.error_dict["code"]
    assert error.code == "unique"
    assert error.params == {"code": "CU-4007"}
    assert refused.value.message_dict == {"code": [message]}
