"""The outbox, submission, results, re-filing and usage services against the stub carriers."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from django.utils import timezone

from carriers.gateways import FilingRequest
from carriers.gateways.stub import StubCarrier, carrier_rules
from carriers.models import AttemptOutcome, CarrierFiling, FilingAttempt, StubFiling
from carriers.selectors import readiness_of
from carriers.services import (
    FilingError,
    SubmitRetry,
    filing_check,
    filing_refile,
    filing_result_enter,
    filing_submit,
    filings_create_for_approval,
    inactivity_warn,
    signature_usage_record,
)
from reviewportal.models import Notification
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_approval_creates_one_queued_filing_per_carrier_and_sends_them_after_commit(
    eager_tasks,
    approved_qualification,
    customer,
    reviewer,
    senior,
    django_capture_on_commit_callbacks,
):
    from tests.factories import SignatureApplicationFactory
    from tests.states import walk_to

    item = SignatureApplicationFactory(qualification=approved_qualification)
    with django_capture_on_commit_callbacks(execute=True):
        walk_to(item, "approved", customer=customer, reviewer=reviewer, senior=senior)
    filings = CarrierFiling.objects.of(item).select_related("carrier")
    # The submit tasks ran (eagerly) once the approval committed: each filing went to its carrier.
    assert sorted(f.carrier.code for f in filings) == ["cmcc", "ctcc", "cucc"]
    assert {f.state for f in filings} == {"submitted"}
    assert StubFiling.objects.filter(subject_public_id=item.public_id).count() == 3


def test_filings_create_for_approval_twice_creates_nothing_more(filings):
    filing = filings["cmcc"]
    item = filing.subject
    again = filings_create_for_approval(item=item, revision=filing.revision)
    assert [f.pk for f in again] == [f.pk for f in filings.values()]
    assert CarrierFiling.objects.of(item).count() == 3


def test_filing_submit_records_the_attempt_and_submits_once(filings):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    filing = fresh(filing)
    assert filing.state == "submitted" and filing.attempts == 1
    attempt = FilingAttempt.objects.get(filing=filing)
    assert attempt.outcome == AttemptOutcome.ACCEPTED
    assert attempt.idempotency_key == filing.idempotency_key
    record = StubFiling.objects.get(idempotency_key=filing.idempotency_key)
    assert record.ticket_id == filing.carrier_ticket_id and record.deliveries == 1


def test_filing_submit_of_a_duplicate_message_does_nothing(filings):
    filing = filings["cucc"]
    filing_submit(filing_id=filing.pk)
    assert filing_submit(filing_id=filing.pk) is None
    assert StubFiling.objects.get(idempotency_key=fresh(filing).idempotency_key).deliveries == 1
    assert FilingAttempt.objects.filter(filing=filing).count() == 1


def test_filing_submit_after_a_worker_died_mid_call_reuses_the_key(filings, carrier_policy, later):
    """The carrier filed it, our worker died before recording the answer: the retry carries the
    same key, the carrier answers with its first ticket, nothing is filed twice."""
    filing = filings["ctcc"]
    FilingAttempt.objects.create(
        filing=filing,
        generation=1,
        number=1,
        idempotency_key=filing.idempotency_key,
        started_at=timezone.now(),
    )
    from carriers.services import request_for as _request_for

    first = StubCarrier("ctcc").submit(_request_for(filing))
    # An attempt in flight is left alone...
    assert filing_submit(filing_id=filing.pk) is None
    # ...until it is stale: then the sweep's message goes through with the same key.
    later(seconds=carrier_policy["SWEEP_STALE_SECONDS"] + 1)
    filing_submit(filing_id=filing.pk)
    filing = fresh(filing)
    assert filing.state == "submitted" and filing.carrier_ticket_id == first.ticket_id
    assert (
        StubFiling.objects.filter(revision_id=filing.revision_id, carrier_code="ctcc").count() == 1
    )
    assert StubFiling.objects.get(ticket_id=first.ticket_id).deliveries == 2


def test_filing_submit_transient_faults_retry_then_fail_and_tell_staff(filings, carrier_policy):
    carrier_policy["STUB"]["FAULT_RATE"] = 1.0
    carrier_policy["MAX_ATTEMPTS"] = 3
    staff = StaffFactory(role="Senior reviewer")
    filing = filings["cmcc"]
    for _ in range(3):
        with pytest.raises(SubmitRetry) if fresh(filing).attempts < 2 else nullcontext():
            filing_submit(filing_id=filing.pk)
    filing = fresh(filing)
    assert filing.state == "failed" and filing.attempts == 3 and filing.last_error
    outcomes = list(FilingAttempt.objects.filter(filing=filing).values_list("outcome", flat=True))
    assert outcomes == ["transient"] * 3
    assert Notification.objects.filter(recipient=staff, kind="carrier").count() == 1
    # Staff retry: a new generation, its own key.
    carrier_policy["STUB"]["FAULT_RATE"] = 0.0
    filing_refile(filing=filing, user=staff)
    filing_submit(filing_id=filing.pk)
    filing = fresh(filing)
    assert filing.state == "submitted" and filing.generation == 2
    assert filing.idempotency_key.endswith("-g2")


def test_filing_check_polls_a_queryable_carrier_after_its_working_days(filings, customer, later):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    assert filing_check(filing_id=filing.pk) is False  # three working days not passed yet
    later(days=7)
    record = StubFiling.objects.get(idempotency_key=fresh(filing).idempotency_key)
    assert filing_check(filing_id=filing.pk) is True
    filing = fresh(filing)
    assert filing.state == record.outcome
    assert Notification.objects.filter(recipient=customer, kind="carrier").count() == 1
    assert filing_check(filing_id=filing.pk) is False  # once


def test_filing_check_probes_a_carrier_that_cannot_be_queried(filings, later):
    filing = filings["cucc"]
    filing_submit(filing_id=filing.pk)
    later(days=10)
    filing_check(filing_id=filing.pk)
    filing = fresh(filing)
    record = StubFiling.objects.get(ticket_id=filing.carrier_ticket_id)
    assert filing.state == record.outcome
    if record.outcome == "registered":
        assert record.last_sent_at is not None  # the test send was the only way to know


def test_readiness_is_registered_and_active(filings, later):
    item = filings["cmcc"].subject
    staff = StaffFactory(role="Senior reviewer")
    filing_submit(filing_id=filings["cmcc"].pk)
    assert readiness_of(item) == {"cmcc": False, "cucc": False, "ctcc": False}
    filing_result_enter(filing=filings["cmcc"], user=staff, status="registered")
    assert readiness_of(item)["cmcc"] is True
    from carriers.services import filing_availability_set

    filing_availability_set(filing=filings["cmcc"], user=staff, active=False)
    assert readiness_of(item)["cmcc"] is False


def test_filing_result_enter_refuses_what_does_not_fit(filings):
    staff = StaffFactory(role="Senior reviewer")
    with pytest.raises(FilingError):
        filing_result_enter(filing=filings["cmcc"], user=staff, status="registered")  # queued
    filing_submit(filing_id=filings["cmcc"].pk)
    with pytest.raises(FilingError):
        filing_result_enter(filing=filings["cmcc"], user=staff, status="rejected", reason=" ")
    reviewer = StaffFactory(role="Reviewer")
    with pytest.raises(FilingError):
        filing_result_enter(filing=filings["cmcc"], user=reviewer, status="registered")


@pytest.mark.parametrize("state", ["queued", "submitted", "registered"])
def test_filing_refile_refuses_open_filings(filings, state):
    staff = StaffFactory(role="Senior reviewer")
    filing = filings["cmcc"]
    if state != "queued":
        filing_submit(filing_id=filing.pk)
    if state == "registered":
        filing_result_enter(filing=filing, user=staff, status="registered")
    with pytest.raises(FilingError):
        filing_refile(filing=filing, user=staff)


def test_carrier_rules_reject_with_carrier_reason_codes():
    def req(carrier, kind, content):
        return FilingRequest(carrier, "k", 1, 1, kind, "SIG1", content)

    assert carrier_rules("cmcc", req("cmcc", "signature", "违规签名")) == "CM-E100"
    assert carrier_rules("cmcc", req("cmcc", "signature", "深" * 17)) == "CM-E103"
    assert carrier_rules("cucc", req("cucc", "template", "详情见 http://a.cn")) == "CU-4007"
    assert carrier_rules("ctcc", req("ctcc", "template", "请致电075512345678")) == "CT-0307"
    # The manual-review verdict depends on the content, the same for every delivery.
    assert carrier_rules("cucc", req("cucc", "signature", "和讯华谷")) == ""
    assert carrier_rules("ctcc", req("ctcc", "signature", "和讯华谷")) == "CT-E310"


def test_cleared_signature_is_warned_before_then_cleared_and_refiled(
    filings, customer, carrier_policy, later
):
    staff = StaffFactory(role="Senior reviewer")
    filing = filings["cmcc"]
    signature = filing.subject
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=staff, status="registered")
    signature_usage_record(signature=signature)
    days = carrier_policy["INACTIVITY_CLEAR_DAYS"]
    warn = days - carrier_policy["INACTIVITY_WARN_DAYS_BEFORE"]
    later(days=warn - 1)
    assert inactivity_warn() == 0
    later(days=2)
    assert inactivity_warn() == 1
    assert inactivity_warn() == 0  # once per idle spell
    told = Notification.objects.filter(recipient=customer, kind="carrier").latest("pk")
    assert signature.public_id in told.title
    # China Mobile registers 和讯华谷 (its own rules); unused past the threshold, it clears it.
    assert StubFiling.objects.get(ticket_id=fresh(filing).carrier_ticket_id).outcome == "registered"
    later(days=days)
    assert filing_check(filing_id=filing.pk) is True
    filing = fresh(filing)
    assert filing.state == "cleared" and filing.carrier_reason == "CM-C900"
    # The customer's one-click re-file: only their own account's, only cleared filings.
    from tests.factories import CustomerFactory

    with pytest.raises(FilingError):
        filing_refile(filing=filing, user=CustomerFactory())
    filing_refile(filing=filing, user=customer)
    assert fresh(filing).state == "queued" and fresh(filing).generation == 2


def test_customer_refile_through_filing_refile_has_the_customer_limits(filings, customer):
    """A customer may re-file a rejected filing (after fixing it), but only through the
    customer's rules (``filing_refile_by_customer``): not a submitted one, not twice at once."""
    from carriers.models import CustomerRefile

    staff = StaffFactory(role="Senior reviewer")
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    with pytest.raises(FilingError):
        filing_refile(filing=filing, user=customer)  # submitted: nothing to re-file
    filing_result_enter(filing=filing, user=staff, status="rejected", reason="CM-E310")
    filing_refile(filing=filing, user=customer)
    assert fresh(filing).state == "queued" and fresh(filing).generation == 2
    assert CustomerRefile.objects.get(filing=filing).requested_by == customer
    with pytest.raises(FilingError):
        filing_refile(filing=filing, user=customer)  # queued again: refused, not re-filed
