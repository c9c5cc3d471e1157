"""The clocks of an application's carrier filings (``portal.helpers
.filing_clocks_attach``) are worked out with a fixed number of queries, whatever the number of
filings: the calendar's version once when a due time needs it, the carriers' pauses once when a
filing is queued, nothing else."""

from __future__ import annotations

import copy

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carriers.models import CarrierFiling
from carriers.services import filing_submit
from portal.helpers import FilingClock, filing_clocks_attach
from reviewportal.services.sla import business_tz, pending_text
from tests.factories import SignatureApplicationFactory
from tests.sla.conftest import at
from tests.states import walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_carriers(settings):
    """Stub carriers without transient faults."""
    policy = copy.deepcopy(settings.CARRIER_POLICY)
    policy["STUB"]["FAULT_RATE"] = 0.0
    settings.CARRIER_POLICY = policy


@pytest.fixture
def approved(approved_qualification, customer, reviewer, senior):
    """An approved signature; its three filings are queued."""
    item = SignatureApplicationFactory(qualification=approved_qualification)
    return walk_to(item, "approved", customer=customer, reviewer=reviewer, senior=senior)


def _filings(item) -> list:
    return list(CarrierFiling.objects.filter(signature=item).order_by("carrier__sort_order"))


def test_submitted_filings_read_the_calendar_once(quiet_carriers, approved):
    for filing in _filings(approved):
        assert filing_submit(filing_id=filing.pk).state == "submitted"
    filings = _filings(approved)
    assert len(filings) == 3 and all(f.due_at is not None for f in filings)

    with CaptureQueriesContext(connection) as captured:
        filing_clocks_attach(filings)

    assert len(captured.captured_queries) == 1
    assert [f.clock for f in filings] == [
        FilingClock(due_text=f"{f.due_at.astimezone(business_tz()):%Y-%m-%d %H:%M}")
        for f in filings
    ]


def test_filings_whose_due_time_is_pending_read_nothing(quiet_carriers, approved):
    with time_machine.travel(at("2026-12-28T10:00:00+08:00"), tick=False):
        for filing in _filings(approved):
            assert filing_submit(filing_id=filing.pk).due_pending_year == 2027
        filings = _filings(approved)

        with CaptureQueriesContext(connection) as captured:
            filing_clocks_attach(filings)

    assert captured.captured_queries == []
    assert [f.clock for f in filings] == [FilingClock(pending_text=pending_text(2027))] * 3
