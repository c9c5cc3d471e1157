"""Staff entering a carrier's result by hand, and results recorded from other sources, in the
words and rows a caller sees: who may not (and is told so), a rejection needs a reason (kept
trimmed), the history names the source, the reason and the person; an answer that changes
nothing (pending, or the state the filing has) is accepted without a change, one that does not
fit is refused naming the result and the state; and the quiet hours of a carrier whose window
lies within one day."""

from __future__ import annotations

from datetime import datetime

import pytest
from django_fsm_log.models import StateLog

from carriers.services import (
    FilingError,
    filing_availability_set,
    filing_refile,
    filing_result_enter,
    filing_result_record,
    filing_submit,
    probe_allowed,
)
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return StaffFactory(role="Support")


@pytest.fixture
def submitted(filings):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    return fresh(filing)


def _log(filing, state: str) -> StateLog:
    return StateLog.objects.for_(filing).get(state=state)


def test_who_may_not_change_filings_is_told_so(submitted):
    reviewer = StaffFactory(role="Reviewer")
    for call in (
        lambda: filing_result_enter(filing=submitted, user=reviewer, status="registered"),
        lambda: filing_availability_set(filing=submitted, user=reviewer, active=False),
        lambda: filing_refile(filing=submitted, user=reviewer),
    ):
        with pytest.raises(FilingError) as refused:
            call()
        assert str(refused.value) == "You may not change carrier filings."
    filing = fresh(submitted)
    assert (filing.state, filing.availability) == ("submitted", "active")


def test_a_rejection_entered_without_a_reason_is_refused_in_words(submitted, staff):
    with pytest.raises(FilingError) as refused:
        filing_result_enter(filing=submitted, user=staff, status="rejected", reason="  ")
    assert str(refused.value) == "Give the carrier's reason for a rejection."
    assert fresh(submitted).state == "submitted"


def test_a_rejection_entered_keeps_the_trimmed_reason_and_names_the_staff(submitted, staff):
    assert filing_result_enter(filing=submitted, user=staff, status="rejected", reason=" CM-E310 ")
    filing = fresh(submitted)
    assert (filing.state, filing.carrier_reason) == ("rejected", "CM-E310")
    log = _log(filing, "rejected")
    assert (log.description, log.by) == ("staff: CM-E310", staff)


def test_a_registration_entered_says_only_that_staff_entered_it(submitted, staff):
    assert filing_result_enter(filing=submitted, user=staff, status="registered") is True
    log = _log(submitted, "registered")
    assert (log.description, log.by) == ("staff", staff)
    # Entered again: the filing has it already, nothing changes and nothing is refused.
    assert filing_result_enter(filing=submitted, user=staff, status="registered") is False
    assert StateLog.objects.for_(submitted).filter(state="registered").count() == 1


def test_a_pending_answer_entered_changes_nothing(submitted, staff):
    assert filing_result_enter(filing=submitted, user=staff, status="pending") is False
    assert fresh(submitted).state == "submitted"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("registered", "A registered result cannot be recorded for a filing that is Queued."),
        ("cleared", "A cleared result cannot be recorded for a filing that is Queued."),
    ],
)
def test_a_result_that_does_not_fit_is_refused_naming_result_and_state(
    filings, staff, status, message
):
    queued = filings["cmcc"]
    with pytest.raises(FilingError) as refused:
        filing_result_enter(filing=queued, user=staff, status=status, reason="CM-C900")
    assert str(refused.value) == message
    assert fresh(queued).state == "queued"


def test_an_automatic_answer_that_does_not_fit_is_ignored(filings):
    queued = filings["cmcc"]
    assert filing_result_record(filing=queued, status="registered", source="poll") is False
    assert fresh(queued).state == "queued"


def test_a_result_recorded_without_a_reason_names_only_its_source(submitted):
    assert filing_result_record(filing=submitted, status="registered", source="poll") is True
    log = _log(submitted, "registered")
    assert (log.description, log.by) == ("poll", None)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("local", "allowed"),
    [
        ("2026-11-23T11:59:59+08:00", True),
        ("2026-11-23T12:00:00+08:00", False),
        ("2026-11-23T13:59:59+08:00", False),
        ("2026-11-23T14:00:00+08:00", True),
        ("2026-11-23T23:30:00+08:00", True),
    ],
)
def test_quiet_hours_within_one_day(carrier_policy, local, allowed):
    carrier_policy["TEST_SEND_QUIET_HOURS"]["cmcc"] = ("12:00", "14:00")
    assert probe_allowed("cmcc", at(local)) is allowed


def test_quiet_hours_that_start_and_end_at_once_quiet_nothing(carrier_policy):
    carrier_policy["TEST_SEND_QUIET_HOURS"]["cmcc"] = ("08:00", "08:00")
    for local in ("07:59:59", "08:00:00", "20:00:00"):
        assert probe_allowed("cmcc", at(f"2026-11-23T{local}+08:00")) is True
