"""Forwarding in batches: one message, two transactions and one carrier call per carrier for
many filings, with every per-filing rule of the single path kept, and query counts that do not
grow with the batch."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_fsm_log.models import StateLog

from carriers.gateways import FilingRequest
from carriers.gateways.stub import StubCarrier
from carriers.models import AttemptOutcome, CarrierFiling, FilingAttempt, StubFiling
from carriers.services import filings_check, filings_submit, request_for
from reviewportal.celery import app
from reviewportal.models import Notification
from signatures.models import SignatureApplication
from tests.carriers.conftest import fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(approve, carrier_policy):
    """``queued(n)``: the queued filings of n approved signatures, in primary-key order (stub
    carriers without transient faults, so that query counts do not depend on chance)."""

    def make(n: int) -> list[CarrierFiling]:
        items = [approve(content=c) for c in ["和讯华谷", "和讯", "华谷信息"][:n]]
        return list(
            CarrierFiling.objects.of_items(SignatureApplication, [i.pk for i in items]).order_by(
                "pk"
            )
        )

    return make


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_filings_submit_files_a_batch_once_per_carrier_and_revision(queued):
    filings = queued(3)
    batch = filings_submit(filing_ids=[f.pk for f in filings])
    assert sorted(batch.submitted) == [f.pk for f in filings]
    assert not (batch.retry or batch.failed or batch.skipped)
    for filing in map(fresh, filings):
        assert filing.state == "submitted" and filing.attempts == 1
        record = StubFiling.objects.get(idempotency_key=filing.idempotency_key)
        assert record.ticket_id == filing.carrier_ticket_id and record.deliveries == 1
    outcomes = FilingAttempt.objects.values_list("outcome", flat=True)
    assert list(outcomes) == [AttemptOutcome.ACCEPTED] * 9
    # The same message delivered again does nothing.
    again = filings_submit(filing_ids=[f.pk for f in filings])
    assert sorted(again.skipped) == [f.pk for f in filings] and not again.submitted
    assert FilingAttempt.objects.count() == 9 and StubFiling.objects.count() == 9


def _log_rows(filings, transition: str) -> int:
    """The transition log rows of ``filings`` for ``transition``, each with its description."""
    rows = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(CarrierFiling),
        object_id__in=[f.pk for f in filings],
        transition=transition,
    )
    assert all(row.description for row in rows)
    return rows.count()


def test_filings_submit_queries_do_not_grow_with_the_batch(queued):
    small, large = queued(1), queued(2)
    assert (len(small), len(large)) == (3, 6)
    one = _queries(lambda: filings_submit(filing_ids=[f.pk for f in small]))
    two = _queries(lambda: filings_submit(filing_ids=[f.pk for f in large]))
    # Attempts, filings and their transition log rows are written once per batch.
    assert two == one
    assert _log_rows(large, "submit") == len(large)


def test_filings_submit_tops_a_batch_up_with_fresh_filings_only(queued, carrier_policy):
    first, second, third = queued(3)[0::3]
    carrier_policy["STUB"]["FAULT_RATE"] = 1.0
    filings_submit(filing_ids=[second.pk])  # tried once: waits for its own retry
    carrier_policy["STUB"]["FAULT_RATE"] = 0.0
    carrier_policy["BATCH_SIZE"] = 5
    batch = filings_submit(filing_ids=[first.pk], top_up=True)
    assert len(batch.submitted) == 5 and second.pk not in batch.submitted
    assert batch.submitted[0] == first.pk
    assert fresh(second).state == "queued" and fresh(second).attempts == 1
    # The top-up took the lowest fresh ids; the others wait for their own messages.
    fresh_ids = sorted(
        CarrierFiling.objects.filter(state="queued", attempts=0).values_list("pk", flat=True)
    )
    assert len(fresh_ids) == 9 - 1 - 5 and all(pk > max(batch.submitted) for pk in fresh_ids)
    assert third.pk in fresh_ids


def test_filings_submit_leaves_what_is_not_its_business_in_a_mixed_batch(queued, carrier_policy):
    cmcc, cucc, ctcc = queued(1)
    filings_submit(filing_ids=[cmcc.pk])  # already submitted
    CarrierFiling.objects.filter(pk=cucc.pk).update(attempts=1)
    FilingAttempt.objects.create(  # an attempt in flight: another message has it
        filing=cucc,
        generation=1,
        number=1,
        idempotency_key=cucc.idempotency_key,
        started_at=timezone.now(),
    )
    batch = filings_submit(filing_ids=[cmcc.pk, cucc.pk, ctcc.pk, 999_999])
    assert batch.submitted == [ctcc.pk]
    assert sorted(batch.skipped) == sorted([cmcc.pk, cucc.pk, 999_999])
    assert fresh(cucc).state == "queued" and fresh(cucc).attempts == 1
    assert not StubFiling.objects.filter(idempotency_key=cucc.idempotency_key).exists()


def test_filings_submit_transient_faults_are_retried_alone_with_the_same_keys(
    queued, carrier_policy
):
    filings = queued(2)
    carrier_policy["STUB"]["FAULT_RATE"] = 1.0  # every call times out or loses its answer
    batch = filings_submit(filing_ids=[f.pk for f in filings])
    assert sorted(batch.retry) == [f.pk for f in filings] and not batch.submitted
    assert set(FilingAttempt.objects.values_list("outcome", flat=True)) == {"transient"}
    assert {fresh(f).state for f in filings} == {"queued"}
    carrier_policy["STUB"]["FAULT_RATE"] = 0.0
    retried = filings_submit(filing_ids=batch.retry)
    assert sorted(retried.submitted) == [f.pk for f in filings]
    # A lost answer had been filed: its retry was a re-delivery, not a second filing.
    per_filing = Counter(StubFiling.objects.values_list("carrier_code", "revision_id"))
    assert len(per_filing) == 6 and set(per_filing.values()) == {1}
    lost = FilingAttempt.objects.filter(outcome="transient", error__contains="after").count()
    assert sum(StubFiling.objects.values_list("deliveries", flat=True)) == 6 + lost


def test_filings_submit_fails_exhausted_filings_and_submits_the_rest(
    queued, carrier_policy, django_capture_on_commit_callbacks
):
    cmcc, cucc, ctcc = queued(1)
    carrier_policy["MAX_ATTEMPTS"] = 1
    carrier_policy["STUB"]["FAULT_RATE"] = 1.0
    filings_submit(filing_ids=[cmcc.pk])
    assert fresh(cmcc).state == "failed"  # its only attempt failed
    carrier_policy["STUB"]["FAULT_RATE"] = 0.0
    batch = filings_submit(filing_ids=[cmcc.pk, cucc.pk, ctcc.pk])
    assert sorted(batch.submitted) == [cucc.pk, ctcc.pk] and cmcc.pk in batch.skipped


def test_filings_check_records_a_batch_and_tells_each_result_once(queued, customer, later):
    filings = queued(3)
    filings_submit(filing_ids=[f.pk for f in filings])
    later(days=12)
    batch = filings_check(filing_ids=[f.pk for f in filings])
    assert batch.changed == {f.pk for f in filings} and not batch.retry
    for filing in map(fresh, filings):
        record = StubFiling.objects.get(ticket_id=filing.carrier_ticket_id)
        assert filing.state == record.outcome and filing.carrier_reason == record.reason_code
    # China Unicom cannot be queried: its three were test sends.
    assert StubFiling.objects.filter(carrier_code="cucc", last_sent_at__isnull=False).exists()
    told = Notification.objects.filter(recipient=customer, kind="carrier")
    assert told.count() == 9
    again = filings_check(filing_ids=[f.pk for f in filings])
    assert not again.changed and told.count() == 9


def test_filings_check_queries_do_not_grow_with_the_batch(queued, later):
    small, large = queued(1), queued(2)
    filings_submit(filing_ids=[f.pk for f in small + large])
    later(days=12)
    one = _queries(lambda: filings_check(filing_ids=[f.pk for f in small]))
    two = _queries(lambda: filings_check(filing_ids=[f.pk for f in large]))
    # The transition log rows and the notifications of a batch are one INSERT each, and the
    # UPDATEs one per (state, carrier reason), as many in both batches here.
    assert two == one
    assert _log_rows(large, "register") + _log_rows(large, "reject") == len(large)


def test_stub_submit_many_files_new_keys_and_counts_known_ones():
    def request(key: str, revision: int) -> FilingRequest:
        return FilingRequest("cmcc", key, revision, 1, "signature", f"SIG{revision}", "和讯华谷")

    carrier = StubCarrier("cmcc")
    (first,) = carrier.submit_many([request("k1", 1)])
    answers = carrier.submit_many([request("k1", 1), request("k2", 2)])
    assert answers[0].duplicate and answers[0].ticket_id == first.ticket_id
    assert not answers[1].duplicate
    assert dict(StubFiling.objects.values_list("idempotency_key", "deliveries")) == {
        "k1": 2,
        "k2": 1,
    }


def test_submissions_and_checks_are_routed_to_their_own_queues(settings):
    router = app.amqp.router
    queues = settings.CARRIER_POLICY["QUEUES"]
    submit = router.route({}, "carriers.tasks.filings_submit_task", args=([1],))
    check = router.route({}, "carriers.tasks.filings_check_task", args=([1],))
    other = router.route({}, "reviewportal.tasks.notification_email_send", args=(1,))
    assert submit["queue"].name == queues["submit"]
    assert check["queue"].name == queues["check"]
    assert other["queue"].name == app.conf.task_default_queue


def test_request_for_carries_the_generation_s_idempotency_key(queued):
    filing = queued(1)[0]
    assert request_for(filing).idempotency_key == f"rp-cmcc-r{filing.revision_id}-g1"
