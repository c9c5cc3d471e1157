"""What a result check asks and how it records the answers: a filing that waits for no answer
(rejected) or has no ticket is not asked; an answer learnt by a test send is recorded as coming
from it; a filing the carrier timed out on is returned to be asked again; and an answer about a
generation the filing has left (re-filed during the call) does not decide the new one.

``SlowCarrier`` is the stub carrier whose query can take a while (something happens meanwhile)
and whose answers a test may set: nothing of ours is replaced."""

from __future__ import annotations

from datetime import datetime

import pytest
from django_fsm_log.models import StateLog

from carriers.gateways import GatewayTransientError, QueryResult
from carriers.gateways.stub import StubGateway
from carriers.models import CarrierFiling, StubFiling
from carriers.services import (
    filing_check,
    filing_refile,
    filing_result_enter,
    filing_submit,
    filings_check,
)
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

#: A morning after the stub carriers decided on filings submitted at the default clock.
DAY = datetime.fromisoformat("2026-06-30T09:00:00+08:00")


class SlowCarrier(StubGateway):
    """The stub carrier; ``during_call`` runs once inside the next query, before the carrier
    answers; ``answers`` (when set) is what it then says about each ticket."""

    during_call = None
    answers = None

    def query_many(self, ticket_ids):
        hook, SlowCarrier.during_call = SlowCarrier.during_call, None
        if hook is not None:
            hook()
        if SlowCarrier.answers is not None:
            return [SlowCarrier.answers for _ in ticket_ids]
        return super().query_many(ticket_ids)


@pytest.fixture
def slow(carrier_policy):
    """China Mobile behind ``SlowCarrier``; returns the class to set its behaviour on."""
    carrier_policy["GATEWAYS"]["cmcc"] = f"{__name__}.SlowCarrier"
    yield SlowCarrier
    SlowCarrier.during_call, SlowCarrier.answers = None, None


@pytest.fixture
def staff(db):
    return StaffFactory(role="Support")


def test_a_rejected_filing_is_not_asked_about(filings, staff):
    cmcc = filings["cmcc"]
    filing_submit(filing_id=cmcc.pk)
    filing_result_enter(filing=cmcc, user=staff, status="rejected", reason="CM-E310")
    ticket = fresh(cmcc).carrier_ticket_id
    assert ticket
    assert filing_check(filing_id=cmcc.pk) is None
    batch = filings_check(filing_ids=[cmcc.pk])
    assert (batch.skipped, batch.unchanged, batch.changed) == ({cmcc.pk}, set(), set())
    assert fresh(cmcc).state == "rejected"


def test_a_submitted_filing_without_a_ticket_is_not_asked_about(filings):
    cmcc = filings["cmcc"]
    filing_submit(filing_id=cmcc.pk)
    # A carrier that accepted the submission without naming a ticket.
    CarrierFiling.objects.filter(pk=cmcc.pk).update(carrier_ticket_id="")
    assert filing_check(filing_id=cmcc.pk) is None
    batch = filings_check(filing_ids=[cmcc.pk])
    assert (batch.skipped, batch.refused) == ({cmcc.pk}, {})
    assert fresh(cmcc).state == "submitted"


def test_an_answer_learnt_by_a_test_send_is_recorded_as_coming_from_it(filings, time_machine):
    cucc = filings["cucc"]  # China Unicom cannot be queried: a test send tells
    filing_submit(filing_id=cucc.pk)
    time_machine.move_to(DAY, tick=False)
    assert filing_check(filing_id=cucc.pk) is True
    log = StateLog.objects.for_(cucc).get(state="registered")
    assert (log.source_state, log.description) == ("submitted", "test_send")
    assert StubFiling.objects.get(ticket_id=fresh(cucc).carrier_ticket_id).last_sent_at


def test_a_filing_the_carrier_timed_out_on_is_returned_to_be_asked_again(filings, slow):
    cmcc = filings["cmcc"]
    filing_submit(filing_id=cmcc.pk)
    slow.answers = GatewayTransientError("cmcc query: timed out")
    batch = filings_check(filing_ids=[cmcc.pk])
    assert (batch.retry, batch.changed, batch.unchanged) == ([cmcc.pk], set(), set())
    assert fresh(cmcc).state == "submitted"


def test_an_answer_about_the_generation_before_a_re_file_does_not_decide_the_new_one(
    filings, slow, staff
):
    cmcc = filings["cmcc"]
    filing_submit(filing_id=cmcc.pk)

    def rejected_and_filed_again_meanwhile():
        # Staff hear of the rejection by phone and file it again while the query is on its way.
        filing_result_enter(filing=cmcc, user=staff, status="rejected", reason="CM-E310")
        filing_refile(filing=fresh(cmcc), user=staff)
        filing_submit(filing_id=cmcc.pk)

    slow.during_call = rejected_and_filed_again_meanwhile
    slow.answers = QueryResult(status="rejected", reason="CM-E310")  # about the first ticket
    batch = filings_check(filing_ids=[cmcc.pk])
    assert (batch.changed, batch.unchanged) == (set(), {cmcc.pk})
    filing = fresh(cmcc)
    assert (filing.state, filing.generation, filing.carrier_reason) == ("submitted", 2, "")
