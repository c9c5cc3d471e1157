"""A report of use whose time has no UTC offset is refused (400) in words that show the form
expected, and records nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from carriers.models import CarrierFiling, SignatureUsage
from carriers.services import (
    UsageRefused,
    filing_result_enter,
    filing_submit,
    signature_usage_record,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_use_without_an_offset_is_refused_showing_the_expected_form(approve):
    signature = approve()
    filing = CarrierFiling.objects.of(signature).get(carrier__code="cmcc")
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=StaffFactory(role="Support"), status="registered")
    with pytest.raises(UsageRefused) as refused:
        signature_usage_record(signature=signature, used_at=datetime(2026, 6, 17, 14, 0))
    assert (refused.value.status, str(refused.value)) == (
        400,
        "used_at needs an offset, e.g. 2026-11-23T10:00:00+08:00",
    )
    assert not SignatureUsage.objects.filter(signature=signature).exists()
