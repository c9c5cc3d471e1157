"""Events are written in the transaction of the change that causes them: one per transition
that customers hear of, with a gap-free sequence per object, one delivery per endpoint that
wants it, and nothing at all when the change is rolled back."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from carriers.models import CarrierFiling, CarrierReason
from carriers.services import (
    Result,
    filing_availability_set,
    filing_submit,
    filings_results_record,
)
from reviewportal.models import ReviewState, UrgentTicket
from reviewportal.services import lifecycle as lc
from reviewportal.services.urgent import (
    urgent_ticket_accept,
    urgent_ticket_decline,
    urgent_ticket_file,
)
from tests.factories import QualificationFactory, SignatureApplicationFactory
from tests.states import walk_to
from webhooks.models import EVENT_TYPES, DeliveryState, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db

BLOCK = {
    "code": "SIG_TYPE_NOT_ACCEPTED",
    "severity": "block",
    "field": "sig_type",
    "message": "rule changed",
    "params": {},
}


def events(subject_id=None) -> list[WebhookEvent]:
    found = WebhookEvent.objects.order_by("pk")
    return list(found.filter(subject_id=subject_id) if subject_id else found)


@pytest.fixture
def endpoint(endpoint_for, customer):
    return endpoint_for(customer)


@pytest.fixture
def draft(approved_qualification):
    return SignatureApplicationFactory(qualification=approved_qualification)


def test_a_review_makes_submitted_then_approved_and_claims_make_nothing(
    endpoint, draft, customer, reviewer
):
    item = lc.review_submit(item=draft, user=customer)
    item = lc.review_claim(item=item, user=reviewer)
    item = lc.review_release(item=item, user=reviewer)
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_approve(item=item, user=reviewer)
    found = events(draft.public_id)
    assert [(e.type, e.sequence) for e in found] == [
        ("signature.submitted", 1),
        ("signature.approved", 2),
    ]
    approved = found[1].payload
    assert approved["id"] == found[1].public_id and approved["sequence"] == 2
    assert approved["type"] == "signature.approved"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", approved["timestamp"])
    assert approved["data"] == {
        "object": "signature",
        "id": draft.public_id,
        "state": "approved",
        "previous_state": "under_review",
    }
    assert (
        WebhookDelivery.objects.filter(endpoint=endpoint, subject_id=draft.public_id).count() == 2
    )


def test_a_rejection_carries_its_reason_codes(endpoint, draft, customer, reviewer, senior):
    walk_to(draft, ReviewState.REJECTED, customer=customer, reviewer=reviewer, senior=senior)
    rejected = events(draft.public_id)[-1]
    assert rejected.type == "signature.rejected"
    assert rejected.payload["data"]["reason_codes"] == ["other"]


@pytest.mark.parametrize(
    ("state", "last"),
    [
        (ReviewState.WITHDRAWN, "signature.withdrawn"),
        (ReviewState.REREVIEW, "signature.rereview"),
        (ReviewState.REVOKED, "signature.revoked"),
    ],
)
def test_every_customer_visible_transition_has_its_event(
    endpoint, draft, customer, reviewer, senior, state, last
):
    walk_to(draft, state, customer=customer, reviewer=reviewer, senior=senior)
    found = events(draft.public_id)
    assert found[-1].type == last
    assert [e.sequence for e in found] == list(range(1, len(found) + 1))


def test_qualifications_and_templates_are_named_by_their_kind(
    endpoint, account, customer, reviewer
):
    qualification = QualificationFactory(account=account)
    lc.review_submit(item=qualification, user=customer)
    assert events(qualification.public_id)[0].type == "qualification.submitted"
    assert events(qualification.public_id)[0].payload["data"]["object"] == "qualification"


def test_a_rolled_back_change_leaves_no_event_and_gives_its_number_back(endpoint, draft, customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        lc.review_submit(item=draft, user=customer)
        assert len(events(draft.public_id)) == 1  # written inside the change's transaction
        raise RuntimeError("the rest of the request failed")
    assert events(draft.public_id) == []
    assert not WebhookDelivery.objects.filter(subject_id=draft.public_id).exists()
    lc.review_submit(item=draft, user=customer)
    assert [e.sequence for e in events(draft.public_id)] == [1]


def test_an_account_without_endpoints_gets_no_events(draft, customer):
    lc.review_submit(item=draft, user=customer)
    assert events() == []
    assert not WebhookDelivery.objects.exists()


def test_only_the_account_own_active_endpoints_that_want_the_type_get_deliveries(
    endpoint_for, draft, customer, other_customer
):
    wants_all = endpoint_for(customer)
    wants_approvals = endpoint_for(customer, event_types=["signature.approved"])
    other_account = endpoint_for(other_customer)
    lc.review_submit(item=draft, user=customer)
    (event,) = events(draft.public_id)
    assert set(event.deliveries.values_list("endpoint_id", flat=True)) == {wants_all.pk}
    assert wants_approvals.pk != other_account.pk


def test_events_are_sent_to_the_workers_after_commit(
    endpoint, draft, customer, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lc.review_submit(item=draft, user=customer)
    delivery = WebhookDelivery.objects.get(subject_id=draft.public_id)
    sent = [t for t in sent_tasks if t.name == "webhooks.tasks.deliveries_send_task"]
    assert [t.args for t in sent][-1] == ([delivery.pk],)
    assert delivery.state == DeliveryState.PENDING


def test_payloads_hold_public_ids_only(endpoint, draft, customer, reviewer, senior):
    walk_to(draft, ReviewState.REVOKED, customer=customer, reviewer=reviewer, senior=senior)
    for event in events():
        text = repr(event.payload)
        assert str(draft.pk) not in re.findall(r"\b\d+\b", repr(event.payload["data"]))
        assert "qualification_id" not in text and "legal_rep" not in text


def test_every_event_type_made_is_in_the_catalogue(endpoint, draft, customer, reviewer, senior):
    walk_to(draft, ReviewState.REVOKED, customer=customer, reviewer=reviewer, senior=senior)
    assert {e.type for e in events()} <= set(EVENT_TYPES)


# --- carrier filings -----------------------------------------------------------------------


@pytest.fixture
def approved(draft, customer, reviewer, senior):
    return walk_to(draft, ReviewState.APPROVED, customer=customer, reviewer=reviewer, senior=senior)


def test_filing_transitions_make_filing_updated_with_the_carrier_reason_explained(
    endpoint, approved, support
):
    CarrierReason.objects.update_or_create(
        code="CM-E310",
        defaults={
            "explanation_zh": "签名与资质不符",
            "explanation_en": "The signature does not match the qualification",
            "next_step_zh": "修改后重新报备",
            "next_step_en": "Change it and file again",
            "is_active": True,
        },
    )
    filing = CarrierFiling.objects.of(approved).get(carrier__code="cmcc")
    filing_submit(filing_id=filing.pk)
    filings_results_record(results=[Result(filing.pk, "rejected", "CM-E310")])
    updates = [e for e in events(approved.public_id) if e.type == "filing.updated"]
    submitted, rejected = (u.payload["data"] for u in updates[-2:])
    assert submitted["state"] == "submitted" and submitted["carrier_reason"] is None
    assert rejected == {
        "object": "filing",
        "item": {"object": "signature", "id": approved.public_id},
        "carrier": "cmcc",
        "state": "rejected",
        "availability": "active",
        "usable": False,
        "carrier_reason": {
            "code": "CM-E310",
            "known": True,
            "explanation": {
                "zh-hans": "签名与资质不符",
                "en": "The signature does not match the qualification",
            },
            "next_step": {"zh-hans": "修改后重新报备", "en": "Change it and file again"},
        },
    }
    # One object, one sequence: the signature's events and its filings' events.
    assert [e.sequence for e in events(approved.public_id)] == list(
        range(1, len(events(approved.public_id)) + 1)
    )


def test_staff_setting_availability_makes_filing_updated(endpoint, approved, support):
    filing = CarrierFiling.objects.of(approved).get(carrier__code="cucc")
    filing_availability_set(filing=filing, user=support, active=False)
    last = events(approved.public_id)[-1]
    assert last.type == "filing.updated"
    assert last.payload["data"]["availability"] == "inactive"
    assert last.payload["data"]["carrier"] == "cucc"


def test_a_batch_of_carrier_results_writes_its_events_with_a_fixed_number_of_statements(
    endpoint_for, customer, approved_qualification, reviewer, senior
):
    endpoint_for(customer)

    contents = iter(["和讯华谷", "和讯", "华谷信息", "华谷"])

    def submitted(n):
        filings = []
        for _ in range(n):
            item = SignatureApplicationFactory(
                qualification=approved_qualification, content=next(contents)
            )
            item = walk_to(item, "approved", customer=customer, reviewer=reviewer, senior=senior)
            filing = CarrierFiling.objects.of(item).get(carrier__code="cmcc")
            filing_submit(filing_id=filing.pk)
            filings.append(filing)
        return filings

    def queries(filings):
        with CaptureQueriesContext(connection) as captured:
            filings_results_record(results=[Result(f.pk, "registered") for f in filings])
        return len(captured)

    one, three = submitted(1), submitted(3)
    assert queries(one) == queries(three)
    registered = WebhookEvent.objects.filter(
        type="filing.updated", payload__data__state="registered"
    )
    assert registered.count() == 4


def test_bulk_rereview_makes_one_event_per_item(
    endpoint_for, customer, approved_qualification, reviewer, senior
):
    endpoint_for(customer)
    items = [
        walk_to(
            SignatureApplicationFactory(qualification=approved_qualification, content=c),
            "approved",
            customer=customer,
            reviewer=reviewer,
            senior=senior,
        )
        for c in ("和讯华谷", "华谷信息")
    ]
    result = lc.review_flag_for_rereview_batch(
        items=items, user=senior, findings_by_item={i.pk: [BLOCK] for i in items}
    )
    assert len(result.flagged) == 2
    for item in items:
        last = events(item.public_id)[-1]
        assert last.type == "signature.rereview"
        assert last.payload["data"]["finding_codes"] == ["SIG_TYPE_NOT_ACCEPTED"]


def test_a_batch_that_fails_writes_no_event(
    endpoint_for, customer, approved_qualification, reviewer, senior
):
    endpoint_for(customer)
    item = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    before = WebhookEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        lc.review_flag_for_rereview_batch(
            items=[item], user=senior, findings_by_item={item.pk: [BLOCK]}
        )
        raise RuntimeError("interrupted")
    assert WebhookEvent.objects.count() == before


# --- urgent tickets -------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["accepted", "declined"])
def test_an_urgent_ticket_answer_makes_its_event(endpoint, draft, customer, support, answer):
    item = lc.review_submit(item=draft, user=customer)
    ticket = urgent_ticket_file(item=item, user=customer, reason="发布会前需要")
    if answer == "accepted":
        urgent_ticket_accept(ticket=ticket, user=support)
    else:
        urgent_ticket_decline(ticket=ticket, user=support, note="不符合条件")
    (event,) = events(ticket.public_id)
    assert event.type == f"urgent_ticket.{answer}"
    assert event.payload["data"] == {
        "object": "urgent_ticket",
        "id": ticket.public_id,
        "state": answer,
        "item": {"object": "signature", "id": draft.public_id},
    }
    assert UrgentTicket.objects.get(pk=ticket.pk).state == answer
