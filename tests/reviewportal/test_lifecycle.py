"""The lifecycle services' effects beyond the state reached (SPEC §3): revisions, reasons, claims,
permissions, filings. Which action is allowed from which state, for every reviewable kind, is
``test_transition_matrix``."""

import pytest

from reviewportal.errors import PermissionRefused, ReviewError, TransitionRefused
from reviewportal.models import DecisionOutcome, ReviewState
from reviewportal.selectors import (
    notifications_about,
    revisions_for,
    transition_log_for,
)
from reviewportal.services import lifecycle as lc
from signatures.services import signature_application_update
from tests.states import walk_to

S = ReviewState


def test_transition_log_records_who_and_why(signature, actors):
    item = lc.review_submit(item=signature, user=actors["customer"])
    item = lc.review_claim(item=item, user=actors["reviewer"])
    lc.review_release(item=item, user=actors["reviewer"], reason="需要请教资深审核员")
    log = transition_log_for(item).get(transition="release")
    assert log.by == actors["reviewer"]
    assert log.description == "需要请教资深审核员"
    assert (log.source_state, log.state) == (S.UNDER_REVIEW, S.PENDING_REVIEW)


def test_submit_creates_revision_one_with_snapshot(signature, actors):
    item = lc.review_submit(item=signature, user=actors["customer"])
    revision = item.current_revision
    assert revision.number == 1
    assert revision.snapshot["content"] == "和讯华谷"
    assert revision.snapshot["qualification"]["name"] == signature.qualification.name
    assert item.submitted_at is not None


def test_edit_of_draft_changes_it_in_place(signature, actors):
    item = signature_application_update(
        application=signature, user=actors["customer"], use_case="改过"
    )
    assert item.state == S.DRAFT
    assert item.current_revision is None
    assert revisions_for(item).count() == 0


def test_edit_under_review_releases_claim_and_creates_new_revision(signature, actors):
    item = walk_to(
        signature, S.UNDER_REVIEW, **{k: actors[k] for k in ("customer", "reviewer", "senior")}
    )
    first = item.current_revision
    item = signature_application_update(
        application=item, user=actors["customer"], use_case="补充说明"
    )
    assert item.state == S.PENDING_REVIEW
    assert item.claimed_by is None
    assert item.current_revision.number == first.number + 1
    assert item.current_revision.snapshot["use_case"] == "补充说明"
    first.refresh_from_db()
    assert first.snapshot["use_case"] != "补充说明", "the old revision keeps what was judged"


def test_reject_requires_a_reason(signature, actors):
    item = walk_to(
        signature, S.UNDER_REVIEW, **{k: actors[k] for k in ("customer", "reviewer", "senior")}
    )
    with pytest.raises(ReviewError, match="at least one reason"):
        lc.review_reject(item=item, user=actors["reviewer"], reasons=[])
    with pytest.raises(ReviewError, match="Unknown or inactive reason code"):
        lc.review_reject(item=item, user=actors["reviewer"], reasons=["no_such_code"])
    item.refresh_from_db()
    assert item.state == S.UNDER_REVIEW


def test_reject_records_reasons_and_tells_the_customer(
    eager_tasks, signature, actors, mailoutbox, django_capture_on_commit_callbacks
):
    item = walk_to(
        signature, S.UNDER_REVIEW, **{k: actors[k] for k in ("customer", "reviewer", "senior")}
    )
    with django_capture_on_commit_callbacks(execute=True):
        decision = lc.review_reject(
            item=item,
            user=actors["reviewer"],
            reasons=["sig_neutral", "materials_unclear"],
            comment="营业执照照片不清晰",
            internal_note="疑似PS",
        )
    assert decision.outcome == DecisionOutcome.REJECT
    assert sorted(decision.reasons.values_list("code", flat=True)) == [
        "materials_unclear",
        "sig_neutral",
    ]
    notification = notifications_about(item).get(recipient=actors["customer"])
    assert "中性签名" in notification.body and "营业执照照片不清晰" in notification.body
    assert "疑似PS" not in notification.body, "internal notes never reach the customer"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [actors["customer"].email]


def test_claim_by_non_reviewer_is_refused(signature, actors, support):
    item = lc.review_submit(item=signature, user=actors["customer"])
    with pytest.raises(PermissionRefused):
        lc.review_claim(item=item, user=support)
    with pytest.raises(PermissionRefused):
        lc.review_claim(item=item, user=actors["customer"])


def test_second_claim_gets_a_clear_error(signature, actors, reviewer2):
    item = lc.review_submit(item=signature, user=actors["customer"])
    lc.review_claim(item=item, user=actors["reviewer"])
    with pytest.raises(TransitionRefused, match="already been claimed"):
        lc.review_claim(item=item, user=reviewer2)


def test_only_the_claimer_or_a_senior_decides(signature, actors, reviewer2):
    item = walk_to(
        signature, S.UNDER_REVIEW, **{k: actors[k] for k in ("customer", "reviewer", "senior")}
    )
    with pytest.raises(PermissionRefused):
        lc.review_approve(item=item, user=reviewer2)
    with pytest.raises(PermissionRefused):
        lc.review_release(item=item, user=reviewer2)
    lc.review_approve(item=item, user=actors["senior"])
    item.refresh_from_db()
    assert item.state == S.APPROVED


def test_reassign_by_senior_only(signature, actors, reviewer2):
    item = walk_to(
        signature, S.UNDER_REVIEW, **{k: actors[k] for k in ("customer", "reviewer", "senior")}
    )
    with pytest.raises(PermissionRefused):
        lc.review_reassign(item=item, user=actors["reviewer"], to=reviewer2)
    with pytest.raises(PermissionRefused, match="not a reviewer"):
        lc.review_reassign(item=item, user=actors["senior"], to=actors["customer"])
    item = lc.review_reassign(item=item, user=actors["senior"], to=reviewer2)
    assert item.claimed_by == reviewer2 and item.state == S.UNDER_REVIEW


def test_customer_of_another_account_cannot_act(signature, actors, other_customer):
    with pytest.raises(PermissionRefused):
        lc.review_submit(item=signature, user=other_customer)
    item = lc.review_submit(item=signature, user=actors["customer"])
    with pytest.raises(PermissionRefused):
        lc.review_withdraw(item=item, user=other_customer)
    item.refresh_from_db()
    assert item.state == S.PENDING_REVIEW


def test_approve_creates_one_filing_per_active_carrier(signature, actors):
    from carriers.models import Carrier, CarrierFiling

    Carrier.objects.filter(code="ctcc").update(is_active=False)
    item = walk_to(
        signature, S.APPROVED, **{k: actors[k] for k in ("customer", "reviewer", "senior")}
    )
    filings = CarrierFiling.objects.of(item)
    assert sorted(f.carrier.code for f in filings) == ["cmcc", "cucc"]
    assert {f.state for f in filings} == {"queued"}
    assert {f.revision_id for f in filings} == {item.current_revision_id}


def test_state_field_cannot_be_assigned(signature):
    with pytest.raises(AttributeError):
        signature.state = S.APPROVED
