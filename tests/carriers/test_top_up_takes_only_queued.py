"""A batch's top-up takes only queued filings never tried in their generation: a filing that
failed before any attempt (the attempts limit was 0 at the time) is not submitted by a later
batch, even once the limit is raised."""

from __future__ import annotations

import pytest
from django.utils import timezone

from carriers.models import CarrierPause, FilingAttempt, StubFiling
from carriers.services import filings_submit
from reviewportal.services.sla import business_tz
from tests.carriers.conftest import fresh

pytestmark = pytest.mark.django_db


def test_a_filing_failed_without_an_attempt_is_not_taken_by_a_top_up(filings, carrier_policy):
    cmcc, cucc, ctcc = filings["cmcc"], filings["cucc"], filings["ctcc"]
    carrier_policy["MAX_ATTEMPTS"] = 0
    assert filings_submit(filing_ids=[cmcc.pk]).failed == [cmcc.pk]
    assert (fresh(cmcc).state, fresh(cmcc).attempts) == ("failed", 0)
    carrier_policy["MAX_ATTEMPTS"] = 8
    batch = filings_submit(filing_ids=[cucc.pk], top_up=True)
    assert (batch.submitted, batch.skipped, batch.failed) == ([cucc.pk, ctcc.pk], [], [])
    failed = fresh(cmcc)
    assert (failed.state, failed.attempts, failed.carrier_ticket_id) == ("failed", 0, "")
    assert not FilingAttempt.objects.filter(filing=cmcc).exists()
    assert StubFiling.objects.filter(carrier_code="cmcc").count() == 0


def test_a_top_up_leaves_the_filings_of_a_paused_carrier_queued(filings, carrier_policy):
    """A carrier's pause holds back its filings that a batch would take to fill itself, as it
    holds back those the message named."""
    cmcc, cucc, ctcc = filings["cmcc"], filings["cucc"], filings["ctcc"]
    today = timezone.localdate(timezone.now(), timezone=business_tz())
    CarrierPause.objects.create(carrier=cucc.carrier, starts_on=today, ends_on=today)
    batch = filings_submit(filing_ids=[cmcc.pk], top_up=True)
    assert sorted(batch.submitted) == sorted([cmcc.pk, ctcc.pk])
    held = fresh(cucc)
    assert (held.state, held.attempts) == ("queued", 0)
    assert StubFiling.objects.filter(carrier_code="cucc").count() == 0
