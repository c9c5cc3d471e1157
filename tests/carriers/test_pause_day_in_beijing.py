"""Which day a carrier's filing pause is looked up for: the Beijing date of the instant the sweep
is given (not of the clock), whatever time zone the caller has activated, and the same for a
submission; what the sweep then sends (the ids of the others, in one message); and which
carriers are paused on a day and the day each resumes (a pause's first and last day included,
pauses that join or overlap it taken together, one a day apart not)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from carriers.models import Carrier
from carriers.services import filings_submit, filings_sweep
from carriers.services.pauses import carrier_pause_save, paused_carriers
from tests.carriers.conftest import fresh

pytestmark = pytest.mark.django_db

SUBMIT_TASK = "carriers.tasks.filings_submit_task"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def pause_cmcc(senior):
    def make(first: date, last: date):
        return carrier_pause_save(
            carrier=Carrier.objects.get(code="cmcc"), starts_on=first, ends_on=last, user=senior
        )

    return make


def test_the_sweep_leaves_the_filings_of_a_carrier_paused_on_the_day_it_is_given(
    filings, pause_cmcc, sent_tasks
):
    pause_cmcc(date(2026, 6, 25), date(2026, 6, 26))
    sent_tasks.clear()
    # The clock says 17 June; the sweep is asked about the 25th, a paused day at China Mobile.
    assert filings_sweep(now=at("2026-06-25T10:00:00+08:00")) == 2
    assert [(t.name, t.args) for t in sent_tasks] == [
        (SUBMIT_TASK, ([filings["cucc"].pk, filings["ctcc"].pk],))
    ]
    sent_tasks.clear()
    assert filings_sweep(now=at("2026-06-27T10:00:00+08:00")) == 3
    assert [t.args for t in sent_tasks] == [([f.pk for f in filings.values()],)]


def test_the_sweep_reads_the_day_in_beijing_whatever_time_zone_is_active(
    filings, pause_cmcc, sent_tasks
):
    pause_cmcc(date(2026, 6, 25), date(2026, 6, 25))
    sent_tasks.clear()
    # 01:00 on the 25th in Beijing is still the 24th in New York.
    with timezone.override("America/New_York"):
        assert filings_sweep(now=at("2026-06-25T01:00:00+08:00")) == 2
        assert filings_sweep(now=at("2026-06-24T23:00:00+08:00")) == 3


def test_a_submission_reads_the_day_in_beijing_whatever_time_zone_is_active(
    filings, pause_cmcc, time_machine
):
    pause_cmcc(date(2026, 6, 25), date(2026, 6, 25))
    time_machine.move_to(at("2026-06-25T01:00:00+08:00"), tick=False)
    cmcc, cucc = filings["cmcc"], filings["cucc"]
    with timezone.override("America/New_York"):
        batch = filings_submit(filing_ids=[cmcc.pk, cucc.pk])
    assert batch.paused == [cmcc.pk] and batch.submitted == [cucc.pk]
    assert fresh(cmcc).state == "queued" and fresh(cmcc).attempts == 0


def test_a_carrier_is_paused_from_the_first_to_the_last_day_of_its_pause(pause_cmcc):
    pause_cmcc(date(2026, 11, 25), date(2026, 11, 27))
    cmcc = Carrier.objects.get(code="cmcc").pk
    assert paused_carriers(on=date(2026, 11, 24)) == {}
    for day in (25, 26, 27):
        assert paused_carriers(on=date(2026, 11, day)) == {cmcc: date(2026, 11, 28)}
    assert paused_carriers(on=date(2026, 11, 28)) == {}


def test_pauses_that_join_or_overlap_resume_together_and_a_gap_of_a_day_separates(pause_cmcc):
    cmcc = Carrier.objects.get(code="cmcc").pk
    pause_cmcc(date(2026, 11, 25), date(2026, 11, 27))
    pause_cmcc(date(2026, 11, 28), date(2026, 11, 30))  # the next day: one pause
    pause_cmcc(date(2026, 11, 26), date(2026, 11, 27))  # within it: changes nothing
    pause_cmcc(date(2026, 12, 2), date(2026, 12, 4))  # a day apart: another pause
    assert paused_carriers(on=date(2026, 11, 26)) == {cmcc: date(2026, 12, 1)}
    assert paused_carriers(on=date(2026, 12, 1)) == {}
    assert paused_carriers(on=date(2026, 12, 3)) == {cmcc: date(2026, 12, 5)}


def test_paused_carriers_today_is_today_in_beijing(pause_cmcc, time_machine):
    pause_cmcc(date(2026, 6, 25), date(2026, 6, 25))
    cmcc = Carrier.objects.get(code="cmcc").pk
    time_machine.move_to(at("2026-06-25T01:00:00+08:00"), tick=False)
    with timezone.override("America/New_York"):
        assert paused_carriers() == {cmcc: date(2026, 6, 26)}


def test_today_is_the_beijing_date_when_the_server_runs_in_utc(pause_cmcc, settings, time_machine):
    """16:30 UTC on 24 November is half past midnight on the 25th in Beijing: a pause of the
    25th is in force, whatever the server's own zone."""
    settings.TIME_ZONE = "UTC"
    time_machine.move_to(at("2026-11-24T16:30:00+00:00"), tick=False)
    pause_cmcc(date(2026, 11, 25), date(2026, 11, 25))
    cmcc = Carrier.objects.get(code="cmcc")
    assert paused_carriers() == {cmcc.pk: date(2026, 11, 26)}
