"""Adding to the carrier-reason catalogue, in the values and words a caller sees: an empty code
is refused in words, an entry keeps the order and the activity it was given (order 100 and
active when not given), and a code someone else adds at the same moment is refused as listed,
naming the code."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save

from carriers.models import CarrierReason
from carriers.services import carrier_reason_create
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

TEXTS = {
    "explanation_zh": "签名含有运营商禁用的字词。",
    "explanation_en": "The signature contains a word the carrier does not accept.",
    "next_step_zh": "请更换签名后重新提交。",
    "next_step_en": "Apply for another signature.",
}


@pytest.fixture
def senior(db):
    return StaffFactory(role="Senior reviewer")


@pytest.mark.parametrize("code", ["", "   ", "\u3000"])
def test_an_empty_code_is_refused_in_words(senior, code):
    with pytest.raises(ValidationError) as refused:
        carrier_reason_create(user=senior, code=code, **TEXTS)
    assert refused.value.message_dict == {"code": ["Enter the carrier's code, e.g. CU-4007."]}


def test_an_entry_added_without_order_or_activity_is_active_at_order_100(senior):
    entry = carrier_reason_create(user=senior, code="CM-E205", **TEXTS)
    stored = CarrierReason.objects.get(pk=entry.pk)
    assert (stored.is_active, stored.sort_order) == (True, 100)


def test_an_entry_keeps_the_order_and_the_activity_it_is_given(senior):
    entry = carrier_reason_create(
        user=senior, code="CM-E205", is_active=False, sort_order=7, **TEXTS
    )
    stored = CarrierReason.objects.get(pk=entry.pk)
    assert (stored.is_active, stored.sort_order) == (False, 7)


def test_a_code_added_by_someone_else_at_the_same_moment_is_refused_as_listed(senior):
    def someone_else_adds_it_first(sender, instance, **kwargs):
        # Another console session saves the same code between this one's checks and its save.
        if instance.pk is None:
            CarrierReason.objects.bulk_create([CarrierReason(code=instance.code, **TEXTS)])

    pre_save.connect(someone_else_adds_it_first, sender=CarrierReason)
    try:
        with pytest.raises(ValidationError) as refused:
            carrier_reason_create(user=senior, code=" cm-e205 ", is_active=False, **TEXTS)
    finally:
        pre_save.disconnect(someone_else_adds_it_first, sender=CarrierReason)
    (error,) = refused.value.error_dict["code"]
    assert (error.code, error.params) == ("unique", {"code": "CM-E205"})
    assert refused.value.message_dict == {"code": ["“CM-E205” is already in the catalogue."]}
