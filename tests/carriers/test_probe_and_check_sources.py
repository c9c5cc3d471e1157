"""Test sends and result checks as a caller sees them: the instant a caller gives decides the
quiet hours (not the clock), a filing without a ticket is not probed, a test send's result is
recorded as coming from the test send with the carrier's reason, a stale read of a filing that
was filed again meanwhile does not decide the new filing, a check the carrier did not answer is
raised in words, and the clearance check asks only about registered signatures; a batch check:
what it asks of whom (a waiting template is probed at a carrier without queries, a registered
one is not), what it skips, retries and logs, and the carriers it still asks after one is in its
quiet hours or down.

``QueriesDown`` is the stub carrier with its status query out of service: nothing of ours is
replaced."""

from __future__ import annotations

from datetime import datetime

import pytest
from django_fsm_log.models import StateLog

from carriers.gateways import GatewayRefused, GatewayTransientError
from carriers.gateways.stub import StubGateway
from carriers.models import CarrierFiling, StubFiling
from carriers.services import (
    filing_check,
    filing_probe,
    filing_refile,
    filing_result_enter,
    filing_submit,
    filings_check,
    filings_clearance_check,
    filings_poll,
)
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory, TemplateApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

#: A night and a morning after the stub carriers decided on filings submitted at the default
#: clock (2026-06-17), and before a signature's idleness would clear it.
NIGHT = datetime.fromisoformat("2026-06-29T23:30:00+08:00")
DAY = datetime.fromisoformat("2026-06-30T09:00:00+08:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def ctcc(filings):
    """China Telecom's filing, submitted: it rejects 和讯华谷 (its manual review, CT-E310)."""
    filing = filings["ctcc"]
    filing_submit(filing_id=filing.pk)
    return fresh(filing)


def _sent(filing) -> bool:
    return StubFiling.objects.get(ticket_id=filing.carrier_ticket_id).last_sent_at is not None


def test_a_probe_at_a_given_night_instant_sends_nothing_whatever_the_clock(ctcc, time_machine):
    time_machine.move_to(DAY, tick=False)
    assert filing_probe(filing=ctcc, now=NIGHT) is None
    assert fresh(ctcc).state == "submitted"
    record = StubFiling.objects.get(ticket_id=ctcc.carrier_ticket_id)
    assert record.last_sent_at is None


def test_a_probe_at_a_given_day_instant_goes_out_though_the_clock_says_night(ctcc, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    assert filing_probe(filing=ctcc, now=DAY) is True
    filing = fresh(ctcc)
    # Recorded as the test send's result, with the carrier's own reason.
    assert filing.state == "rejected" and filing.carrier_reason == "CT-E310"
    log = StateLog.objects.for_(filing).get(state="rejected")
    assert log.description == "test_send: CT-E310"


def test_a_registered_test_send_is_recorded_as_the_test_send_s(filings, time_machine):
    filing = filings["cmcc"]  # China Mobile registers 和讯华谷
    filing_submit(filing_id=filing.pk)
    time_machine.move_to(DAY, tick=False)
    assert filing_probe(filing=fresh(filing)) is True
    assert fresh(filing).state == "registered"
    assert StateLog.objects.for_(filing).get(state="registered").description == "test_send"


def test_a_filing_without_a_ticket_is_not_probed(filings, time_machine):
    time_machine.move_to(DAY, tick=False)
    queued = filings["ctcc"]
    assert filing_probe(filing=queued) is False
    assert fresh(queued).state == "queued" and not StubFiling.objects.exists()


def test_a_probe_of_a_stale_read_does_not_decide_the_filing_filed_again(ctcc, time_machine):
    stale = ctcc  # read while its first generation waited at the carrier
    time_machine.move_to(DAY, tick=False)
    assert filing_probe(filing=fresh(ctcc)) is True  # rejected: CT-E310
    staff = StaffFactory(role="Support")
    filing_refile(filing=fresh(ctcc), user=staff)
    filing_submit(filing_id=ctcc.pk)
    refiled = fresh(ctcc)
    assert refiled.generation == 2 and refiled.carrier_ticket_id != stale.carrier_ticket_id
    # The old read names the first generation's ticket: the carrier's answer about it (rejected)
    # is not the second generation's, which still waits for its own.
    assert filing_probe(filing=stale) is False
    assert fresh(ctcc).state == "submitted" and fresh(ctcc).carrier_reason == ""


def test_a_check_at_a_given_instant_follows_that_instant_s_quiet_hours(
    filings, carrier_policy, time_machine
):
    carrier_policy["TEST_SEND_QUIET_HOURS"]["cucc"] = ("23:00", "07:00")
    cucc = filings["cucc"]  # China Unicom cannot be queried: only a test send tells
    filing_submit(filing_id=cucc.pk)
    time_machine.move_to(DAY, tick=False)
    assert filing_check(filing_id=cucc.pk, now=NIGHT) is None
    assert not _sent(fresh(cucc))
    time_machine.move_to(NIGHT, tick=False)
    assert filing_check(filing_id=cucc.pk, now=DAY) is True
    assert fresh(cucc).state == "registered" and _sent(fresh(cucc))


def test_a_check_the_carrier_did_not_answer_is_raised_naming_the_filing(filings, carrier_policy):
    cmcc = filings["cmcc"]
    filing_submit(filing_id=cmcc.pk)
    carrier_policy["STUB"]["FAULT_RATE"] = 1.0
    with pytest.raises(GatewayTransientError) as raised:
        filing_check(filing_id=cmcc.pk)
    assert str(raised.value) == f"carrier did not answer about filing {cmcc.pk}"
    assert fresh(cmcc).state == "submitted"


def test_a_check_of_a_ticket_the_carrier_does_not_know_is_raised(filings):
    cmcc = filings["cmcc"]
    filing_submit(filing_id=cmcc.pk)
    StubFiling.objects.filter(ticket_id=fresh(cmcc).carrier_ticket_id).delete()  # carrier lost it
    with pytest.raises(GatewayRefused):
        filing_check(filing_id=cmcc.pk)


def test_the_clearance_check_and_the_poll_ask_only_about_their_filings(
    filings, customer, reviewer, senior, sent_tasks
):
    signature = filings["cmcc"].subject
    staff = StaffFactory(role="Support")
    for code in ("cmcc", "cucc"):
        filing_submit(filing_id=filings[code].pk)
    filing_result_enter(filing=filings["cmcc"], user=staff, status="registered")
    template = walk_to(
        TemplateApplicationFactory(signature=signature),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    template_cmcc = CarrierFiling.objects.of(template).get(carrier__code="cmcc")
    filing_submit(filing_id=template_cmcc.pk)
    filing_result_enter(filing=template_cmcc, user=staff, status="registered")
    sent_tasks.clear()

    # Registered signatures only: not the template (not cleared for idleness), not a signature
    # filing still waiting (cucc) or queued (ctcc).
    assert filings_clearance_check() == 1
    assert [(t.name, t.args) for t in sent_tasks] == [
        ("carriers.tasks.filings_check_task", ([filings["cmcc"].pk],))
    ]
    sent_tasks.clear()
    assert filings_poll() == 1
    assert [(t.name, t.args) for t in sent_tasks] == [
        ("carriers.tasks.filings_check_task", ([filings["cucc"].pk],))
    ]


# --- batch checks ------------------------------------------------------------------------------


class QueriesDown(StubGateway):
    """A stub carrier whose status query times out as a whole."""

    def query_many(self, ticket_ids):
        raise GatewayTransientError(f"{self.carrier} query: timed out")


@pytest.fixture
def all_submitted(filings):
    for filing in filings.values():
        filing_submit(filing_id=filing.pk)
    return {code: fresh(f) for code, f in filings.items()}


@pytest.fixture
def template_filings(approved_template):
    return {f.carrier.code: f for f in CarrierFiling.objects.of(approved_template)}


def test_a_query_s_result_is_recorded_as_the_query_s(all_submitted, time_machine):
    time_machine.move_to(DAY, tick=False)
    assert filing_check(filing_id=all_submitted["cmcc"].pk) is True
    log = StateLog.objects.for_(all_submitted["cmcc"]).get(state="registered")
    assert log.description == "query"


def test_a_template_is_probed_while_it_waits_and_not_once_registered(
    template_filings, time_machine
):
    cucc = template_filings["cucc"]
    filing_submit(filing_id=cucc.pk)
    time_machine.move_to(DAY, tick=False)
    assert filing_check(filing_id=cucc.pk) is True  # decided, and told by a test send
    assert _sent(fresh(cucc)) is (fresh(cucc).state == "registered")


def test_a_registered_template_is_not_probed_a_registered_signature_is(
    all_submitted, template_filings, time_machine
):
    staff = StaffFactory(role="Support")
    template = template_filings["cucc"]
    filing_submit(filing_id=template.pk)
    for filing in (template, all_submitted["cucc"]):
        filing_result_enter(filing=filing, user=staff, status="registered")
    time_machine.move_to(DAY, tick=False)
    batch = filings_check(filing_ids=[999_999, template.pk, all_submitted["cucc"].pk])
    # Not asked: an unknown id and a registered template (templates are not cleared for
    # idleness); asked: the registered signature, still registered.
    assert batch.skipped == {999_999, template.pk}
    assert batch.unchanged == {all_submitted["cucc"].pk} and not batch.changed
    assert _sent(fresh(all_submitted["cucc"])) and not _sent(fresh(template))


def test_a_carrier_in_its_quiet_hours_is_skipped_and_the_next_is_still_asked(
    all_submitted, carrier_policy, time_machine
):
    carrier_policy["TEST_SEND_QUIET_HOURS"]["cucc"] = ("23:00", "07:00")
    time_machine.move_to(NIGHT, tick=False)
    ids = [999_999, *(f.pk for f in all_submitted.values())]
    batch = filings_check(filing_ids=ids)
    assert batch.skipped == {999_999, all_submitted["cucc"].pk}
    # China Mobile and China Telecom are queried (no test send, no quiet hours).
    assert batch.changed == {all_submitted["cmcc"].pk, all_submitted["ctcc"].pk}


def test_carriers_whose_query_is_down_are_retried_and_the_others_asked(
    all_submitted, carrier_policy, time_machine
):
    for code in ("cmcc", "ctcc"):
        carrier_policy["GATEWAYS"][code] = f"{__name__}.QueriesDown"
    time_machine.move_to(DAY, tick=False)
    batch = filings_check(filing_ids=[f.pk for f in all_submitted.values()])
    assert batch.retry == [all_submitted["cmcc"].pk, all_submitted["ctcc"].pk]
    assert batch.changed == {all_submitted["cucc"].pk}
    assert {fresh(all_submitted[c]).state for c in ("cmcc", "ctcc")} == {"submitted"}


def test_a_refused_question_is_logged_and_counted_refused_beside_the_pending_ones(
    all_submitted, caplog
):
    cmcc, ctcc = all_submitted["cmcc"], all_submitted["ctcc"]
    StubFiling.objects.filter(ticket_id=cmcc.carrier_ticket_id).delete()  # the carrier lost it
    with caplog.at_level("WARNING", logger="carriers.services"):
        batch = filings_check(filing_ids=[cmcc.pk, ctcc.pk])  # ctcc: not decided yet
    assert batch.refused == {cmcc.pk: f"unknown ticket {cmcc.carrier_ticket_id}"}
    assert batch.unchanged == {ctcc.pk} and not batch.changed and not batch.retry
    assert caplog.messages == [
        f"carrier cmcc refused a check of filing {cmcc.pk}: unknown ticket {cmcc.carrier_ticket_id}"
    ]
