"""What a submission leaves behind for each answer a carrier can give, seen in the rows, the
history, the returned batch and the messages sent after commit: accepted (the ticket in the
history, the first result check FIRST_CHECK_SECONDS later), refused (failed at once, the error
kept), a transient fault with attempts left (the error kept, the attempt numbered), the whole
call down, attempts exhausted before the call, a slow call during which another message
submitted the filing, and a worker that died during the call; the top-up of a batch (to the
batch size, and never for a message with nothing of its own to do); the request a filing makes.

``FakeCarrier`` is a stand-in carrier like the stub (it is the stub, with the answers these
cases need): nothing of ours is replaced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_fsm_log.models import StateLog

from carriers.gateways import FilingRequest, GatewayRefused, GatewayTransientError
from carriers.gateways.stub import StubGateway
from carriers.models import AttemptOutcome, CarrierFiling, FilingAttempt, StubFiling
from carriers.services import (
    SubmitRetry,
    filing_refile,
    filing_submit,
    filings_submit,
    filings_sweep,
    request_for,
)
from reviewportal.models import Notification
from signatures.models import SignatureApplication
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory, TemplateApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

SUBMIT_TASK = "carriers.tasks.filings_submit_task"
CHECK_TASK = "carriers.tasks.filings_check_task"
#: A carrier's refusal longer than anything we keep of it.
REFUSAL = "400 request refused: " + "".join(str(n % 10) for n in range(2500))


class FakeCarrier(StubGateway):
    """The stub carrier, answering a submission as ``answer`` says: "" (the stub's own answer),
    "refuse" (each request refused), "transient" (each request timed out), "down" (the whole
    call failed), "crash" (the worker died during the call). ``during_call`` runs once inside
    the next call, before the carrier answers (time passing, another worker's message)."""

    answer = ""
    during_call = None

    def submit_many(self, requests):
        hook, FakeCarrier.during_call = FakeCarrier.during_call, None
        if hook is not None:
            hook()
        if FakeCarrier.answer == "refuse":
            return [GatewayRefused(REFUSAL) for _ in requests]
        if FakeCarrier.answer == "transient":
            return [GatewayTransientError("cmcc submit: timed out") for _ in requests]
        if FakeCarrier.answer == "down":
            raise GatewayTransientError("cmcc submit: connection refused")
        if FakeCarrier.answer == "crash":
            raise SystemExit("the worker was killed")
        return super().submit_many(requests)


@pytest.fixture
def fake(carrier_policy):
    """China Mobile behind ``FakeCarrier``; returns the class to set its answer on."""
    carrier_policy["GATEWAYS"]["cmcc"] = f"{__name__}.FakeCarrier"
    yield FakeCarrier
    FakeCarrier.answer, FakeCarrier.during_call = "", None


@pytest.fixture
def cmcc_filings(approve):
    """``cmcc_filings(n)``: China Mobile's queued filings of n approved signatures."""

    def make(n: int) -> list[CarrierFiling]:
        items = [approve(content=c) for c in ["和讯华谷", "和讯", "华谷信息"][:n]]
        return list(
            CarrierFiling.objects.of_items(SignatureApplication, [i.pk for i in items])
            .filter(carrier__code="cmcc")
            .order_by("pk")
        )

    return make


def _history(filing, state: str) -> list[str]:
    return list(
        StateLog.objects.for_(filing).filter(state=state).values_list("description", flat=True)
    )


# --- accepted ------------------------------------------------------------------------------------


def test_an_accepted_submission_names_its_ticket_and_asks_for_the_result_later(
    filings, carrier_policy, sent_tasks, django_capture_on_commit_callbacks
):
    cmcc = filings["cmcc"]
    with django_capture_on_commit_callbacks(execute=True):
        submitted = filing_submit(filing_id=cmcc.pk)
    assert submitted == cmcc and submitted.state == "submitted"
    ticket = fresh(cmcc).carrier_ticket_id
    assert _history(cmcc, "submitted") == [f"carrier ticket {ticket}"]
    attempt = FilingAttempt.objects.get(filing=cmcc)
    assert (attempt.outcome, attempt.number, attempt.error) == (AttemptOutcome.ACCEPTED, 1, "")
    assert attempt.finished_at is not None
    # One result check for the batch, after commit, FIRST_CHECK_SECONDS later.
    (check,) = sent_tasks
    assert (check.name, check.args) == (CHECK_TASK, ([cmcc.pk],))
    assert check.options["countdown"] == carrier_policy["FIRST_CHECK_SECONDS"]


def test_a_staff_re_file_is_sent_to_the_carrier_after_commit(
    filings, fake, sent_tasks, django_capture_on_commit_callbacks
):
    fake.answer = "refuse"
    cmcc = filings["cmcc"]
    filing_submit(filing_id=cmcc.pk)
    sent_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        filing_refile(filing=fresh(cmcc), user=StaffFactory(role="Support"))
    assert [(t.name, t.args) for t in sent_tasks] == [(SUBMIT_TASK, ([cmcc.pk],))]


# --- refused, transient, down, exhausted -------------------------------------------------------


def test_a_refused_submission_fails_at_once_keeping_the_carrier_s_words(
    filings, fake, sent_tasks, django_capture_on_commit_callbacks
):
    fake.answer = "refuse"
    english = StaffFactory(role="Support", language="en")
    cmcc = filings["cmcc"]
    with django_capture_on_commit_callbacks(execute=True):
        batch = filings_submit(filing_ids=[cmcc.pk])
    assert (batch.failed, batch.retry, batch.submitted) == ([cmcc.pk], [], [])
    assert batch.errors == {cmcc.pk: REFUSAL[:2000]}
    filing = fresh(cmcc)
    assert (filing.state, filing.attempts, filing.last_error) == ("failed", 1, REFUSAL[:2000])
    attempt = FilingAttempt.objects.get(filing=cmcc)
    assert (attempt.outcome, attempt.error) == (AttemptOutcome.REFUSED, REFUSAL[:2000])
    assert attempt.finished_at is not None
    assert _history(cmcc, "failed") == [REFUSAL[:200]]
    body = Notification.objects.get(recipient=english).text_in("en")[1]
    assert "failed after 1 attempts: " + REFUSAL[:500] + ". Retry" in body
    assert not [t for t in sent_tasks if t.name == CHECK_TASK]  # nothing submitted: no check


def test_a_transient_fault_with_attempts_left_keeps_the_error_for_the_retry(filings, fake):
    fake.answer = "transient"
    cmcc = filings["cmcc"]
    for number in (1, 2):
        with pytest.raises(SubmitRetry) as retry:
            filing_submit(filing_id=cmcc.pk)
        assert str(retry.value) == "cmcc submit: timed out"
        filing = fresh(cmcc)
        assert (filing.state, filing.attempts) == ("queued", number)
        assert filing.last_error == "cmcc submit: timed out"
    attempts = FilingAttempt.objects.filter(filing=cmcc).order_by("number")
    assert [(a.number, a.outcome, a.error) for a in attempts] == [
        (1, AttemptOutcome.TRANSIENT, "cmcc submit: timed out"),
        (2, AttemptOutcome.TRANSIENT, "cmcc submit: timed out"),
    ]
    assert all(a.finished_at is not None for a in attempts)


def test_a_carrier_down_for_the_whole_call_leaves_every_filing_to_retry(cmcc_filings, fake):
    fake.answer = "down"
    filings = cmcc_filings(2)
    batch = filings_submit(filing_ids=[f.pk for f in filings])
    assert sorted(batch.retry) == [f.pk for f in filings] and not batch.failed
    assert batch.errors == dict.fromkeys(batch.retry, "cmcc submit: connection refused")
    assert {fresh(f).state for f in filings} == {"queued"}


def test_a_transient_fault_on_the_last_attempt_fails_and_says_so(filings, fake, carrier_policy):
    fake.answer = "transient"
    carrier_policy["MAX_ATTEMPTS"] = 1
    cmcc = filings["cmcc"]
    batch = filings_submit(filing_ids=[cmcc.pk])
    assert batch.failed == [cmcc.pk] and batch.errors == {cmcc.pk: "cmcc submit: timed out"}
    assert fresh(cmcc).state == "failed"


def test_attempts_exhausted_before_the_call_fail_with_the_last_error(filings, fake, carrier_policy):
    fake.answer = "transient"
    cmcc = filings["cmcc"]
    for _ in range(2):
        filings_submit(filing_ids=[cmcc.pk])
    # The limit lowered to the attempts made: no third call, the last error stays the reason.
    carrier_policy["MAX_ATTEMPTS"] = 2
    fake.answer = ""
    batch = filings_submit(filing_ids=[cmcc.pk])
    assert (batch.failed, batch.submitted) == ([cmcc.pk], [])
    filing = fresh(cmcc)
    assert (filing.state, filing.attempts) == ("failed", 2)
    assert filing.last_error == "cmcc submit: timed out"
    assert _history(cmcc, "failed") == ["cmcc submit: timed out"]
    assert not StubFiling.objects.exists()


def test_attempts_exhausted_without_an_error_fail_as_exhausted(filings, carrier_policy):
    cmcc = filings["cmcc"]
    # Attempts whose workers died during the call: counted, no error recorded.
    CarrierFiling.objects.filter(pk=cmcc.pk).update(attempts=3)
    carrier_policy["MAX_ATTEMPTS"] = 3
    batch = filings_submit(filing_ids=[cmcc.pk])
    assert batch.failed == [cmcc.pk]
    filing = fresh(cmcc)
    assert (filing.state, filing.last_error) == ("failed", "attempts exhausted")
    assert _history(cmcc, "failed") == ["attempts exhausted"]


# --- slow calls and dead workers ---------------------------------------------------------------


def test_a_filing_another_message_submitted_during_a_slow_call_is_left_as_it_is(
    cmcc_filings, fake, carrier_policy, time_machine
):
    raced, other = cmcc_filings(2)

    def sweep_message_meanwhile():
        # The call hangs past the stale time; the sweep's message for the first filing goes
        # through on another worker before this call returns.
        time_machine.move_to(
            timezone.now() + timedelta(seconds=carrier_policy["SWEEP_STALE_SECONDS"] + 1)
        )
        assert filings_submit(filing_ids=[raced.pk]).submitted == [raced.pk]

    fake.during_call = sweep_message_meanwhile
    batch = filings_submit(filing_ids=[raced.pk, other.pk])
    assert batch.skipped == [raced.pk] and batch.submitted == [other.pk]
    assert {fresh(raced).state, fresh(other).state} == {"submitted"}
    assert len(_history(raced, "submitted")) == 1
    # One filing at the carrier for it, delivered twice with its key.
    assert StubFiling.objects.get(idempotency_key=fresh(raced).idempotency_key).deliveries == 2


def test_after_a_slow_transient_call_the_sweep_waits_from_the_answer(
    filings, fake, carrier_policy, time_machine
):
    fake.answer = "transient"
    stale = carrier_policy["SWEEP_STALE_SECONDS"]
    fake.during_call = lambda: time_machine.move_to(timezone.now() + timedelta(seconds=stale + 1))
    cmcc = filings["cmcc"]
    filings_submit(filing_ids=[cmcc.pk])
    # The answer came just now: the filing is not left over yet (the other two are).
    assert filings_sweep() == 2


def test_after_a_worker_died_during_the_call_the_sweep_waits_from_the_attempt(
    filings, fake, carrier_policy, time_machine
):
    stale = carrier_policy["SWEEP_STALE_SECONDS"]
    time_machine.move_to(timezone.now() + timedelta(seconds=stale + 1), tick=False)
    fake.answer = "crash"
    cmcc = filings["cmcc"]
    with pytest.raises(SystemExit):
        filings_submit(filing_ids=[cmcc.pk])
    assert fresh(cmcc).attempts == 1
    assert filings_sweep() == 2  # the attempt started just now: not China Mobile's yet
    time_machine.move_to(timezone.now() + timedelta(seconds=stale + 1), tick=False)
    assert filings_sweep() == 3


# --- topping a batch up ------------------------------------------------------------------------


def test_a_batch_is_topped_up_to_the_batch_size_even_by_one(queued_signatures, carrier_policy):
    first, second, *others = queued_signatures(2)
    carrier_policy["BATCH_SIZE"] = 2
    batch = filings_submit(filing_ids=[first.pk], top_up=True)
    assert batch.submitted == [first.pk, second.pk]
    assert {fresh(f).state for f in others} == {"queued"}


def test_a_message_with_nothing_of_its_own_to_do_takes_no_other_filings(cmcc_filings):
    done, waiting = cmcc_filings(2)
    filings_submit(filing_ids=[done.pk])
    again = filings_submit(filing_ids=[done.pk], top_up=True)  # delivered twice
    assert again.skipped == [done.pk] and not again.submitted
    assert fresh(waiting).state == "queued" and fresh(waiting).attempts == 0


def test_topping_up_reads_what_each_request_needs_with_the_lock(queued_signatures):
    """Filings taken into a batch are read with their carrier, revision, item and its
    qualification: the queries do not grow with how many were taken."""

    def count(filings) -> int:
        with CaptureQueriesContext(connection) as captured:
            batch = filings_submit(filing_ids=[filings[0].pk], top_up=True)
        assert sorted(batch.submitted) == [f.pk for f in filings]
        return len(captured)

    two_taken = count(queued_signatures(1))
    five_taken = count(queued_signatures(2))
    assert five_taken == two_taken


@pytest.fixture
def queued_signatures(approve):
    """``queued_signatures(n)``: the queued filings (every carrier) of n approved signatures."""

    def make(n: int) -> list[CarrierFiling]:
        items = [approve(content=c) for c in ["和讯华谷", "和讯", "华谷信息"][:n]]
        return list(
            CarrierFiling.objects.of_items(SignatureApplication, [i.pk for i in items]).order_by(
                "pk"
            )
        )

    return make


# --- the request -------------------------------------------------------------------------------


def test_a_filing_s_request_carries_its_item_and_for_a_signature_the_entity(
    filings, customer, reviewer, senior
):
    cmcc = filings["cmcc"]
    signature = cmcc.subject
    assert request_for(cmcc) == FilingRequest(
        carrier="cmcc",
        idempotency_key=cmcc.idempotency_key,
        revision_id=cmcc.revision_id,
        generation=1,
        kind="signature",
        subject_public_id=signature.public_id,
        content="和讯华谷",
        entity_name=signature.qualification.name,
    )
    template = walk_to(
        TemplateApplicationFactory(signature=signature),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    filing = CarrierFiling.objects.of(template).get(carrier__code="ctcc")
    assert request_for(filing) == FilingRequest(
        carrier="ctcc",
        idempotency_key=filing.idempotency_key,
        revision_id=filing.revision_id,
        generation=1,
        kind="template",
        subject_public_id=template.public_id,
        content=template.content,
        entity_name="",
    )
