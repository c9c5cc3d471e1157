"""The clocks of an application's carrier filings (``portal.helpers
.filing_clocks_attach``) are worked out with a fixed number of queries, whatever the number of
filings: the calendar's version once when a due time needs it, the carriers' pauses once when a
filing is queued, nothing else."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carriers.models import CarrierFiling, CarrierPause
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
    return list(CarrierFiling.objects.of(item).order_by("carrier__sort_order"))


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


def test_each_filing_gets_its_own_clock_whatever_comes_before_it(quiet_carriers, approved):
    # In the page's order: a queued filing of a paused carrier, one the carrier rejected, one
    # submitted. Neither of the first two keeps the last from its due time.
    paused, rejected, submitted = _filings(approved)
    today = timezone.now().astimezone(business_tz()).date()
    CarrierPause.objects.create(
        carrier=paused.carrier, starts_on=today, ends_on=today + dt.timedelta(days=2)
    )
    CarrierFiling.objects.filter(pk=rejected.pk).update(state="rejected")
    assert filing_submit(filing_id=submitted.pk).state == "submitted"
    filings = _filings(approved)

    filing_clocks_attach(filings)

    due = filings[2].due_at.astimezone(business_tz())
    assert [f.clock for f in filings] == [
        FilingClock(resumes_on=today + dt.timedelta(days=3)),
        None,
        FilingClock(due_text=f"{due:%Y-%m-%d %H:%M}"),
    ]


def test_a_filing_without_a_clock_or_past_the_calendar_keeps_none_from_the_next(
    quiet_carriers, approved
):
    """A submitted filing with no due time at all (nor a pending year), and one whose due time
    lies past the calendar's last configured day, have no clock; the filing after them still
    gets its own."""
    for filing in _filings(approved):
        assert filing_submit(filing_id=filing.pk).state == "submitted"
    without, uncovered, _last = _filings(approved)
    CarrierFiling.objects.filter(pk=without.pk).update(due_at=None, due_pending_year=None)
    CarrierFiling.objects.filter(pk=uncovered.pk).update(due_at=at("2039-06-01T10:00:00+08:00"))
    filings = _filings(approved)

    filing_clocks_attach(filings)

    due = filings[2].due_at.astimezone(business_tz())
    assert [f.clock for f in filings] == [None, None, FilingClock(due_text=f"{due:%Y-%m-%d %H:%M}")]


def test_due_times_are_in_beijing_time_when_the_server_runs_in_utc(
    quiet_carriers, approved, settings
):
    settings.TIME_ZONE = "UTC"
    for filing in _filings(approved):
        assert filing_submit(filing_id=filing.pk).state == "submitted"
    filings = _filings(approved)

    filing_clocks_attach(filings)

    for filing in filings:
        due = filing.due_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert filing.clock == FilingClock(due_text=f"{due:%Y-%m-%d %H:%M}")
