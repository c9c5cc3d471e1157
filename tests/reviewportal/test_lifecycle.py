"""Every lifecycle transition, allowed and refused, from every state (SPEC §3)."""

import pytest

from reviewportal.errors import PermissionRefused, ReviewError, TransitionRefused
from reviewportal.models import DecisionOutcome, ReviewState
from reviewportal.selectors import (
    decisions_for,
    notifications_about,
    revisions_for,
    transition_log_for,
)
from reviewportal.services import lifecycle as lc
from signatures.services import signature_application_update
from tests.factories import SignatureApplicationFactory
from tests.states import walk_to

S = ReviewState
ALL_STATES = list(S.values)

# Written out from SPEC §3, independently of the code's own tables.
ALLOWED = {
    "submit": {S.DRAFT: S.PENDING_REVIEW},
    "claim": {S.PENDING_REVIEW: S.UNDER_REVIEW},
    "release": {S.UNDER_REVIEW: S.PENDING_REVIEW},
    "approve": {S.UNDER_REVIEW: S.APPROVED},
    "reject": {S.UNDER_REVIEW: S.REJECTED},
    # A draft is edited in place (no transition); a submitted item is resubmitted.
    "edit": {
        S.DRAFT: S.DRAFT,
        S.PENDING_REVIEW: S.PENDING_REVIEW,
        S.UNDER_REVIEW: S.PENDING_REVIEW,
        S.REJECTED: S.PENDING_REVIEW,
    },
    "withdraw": {
        S.DRAFT: S.WITHDRAWN,
        S.PENDING_REVIEW: S.WITHDRAWN,
        S.UNDER_REVIEW: S.WITHDRAWN,
        S.REJECTED: S.WITHDRAWN,
    },
    "flag_for_rereview": {S.APPROVED: S.REREVIEW},
    "confirm": {S.REREVIEW: S.APPROVED},
    "revoke": {S.REREVIEW: S.REVOKED},
}

BLOCK = {
    "code": "SIG_TYPE_NOT_ACCEPTED",
    "severity": "block",
    "field": "sig_type",
    "message": "app names are no longer accepted",
    "params": {},
}


def _act(action, item, a):
    """Take ``action`` as the user who would normally take it in that state."""
    if action == "submit":
        return lc.review_submit(item=item, user=a["customer"])
    if action == "claim":
        return lc.review_claim(item=item, user=a["reviewer"])
    if action == "release":
        return lc.review_release(item=item, user=a["reviewer"])
    if action == "approve":
        return lc.review_approve(item=item, user=a["reviewer"])
    if action == "reject":
        return lc.review_reject(item=item, user=a["reviewer"], reasons=["sig_not_entity_name"])
    if action == "edit":
        return signature_application_update(
            application=item, user=a["customer"], use_case="新的用途说明"
        )
    if action == "withdraw":
        return lc.review_withdraw(item=item, user=a["customer"])
    if action == "flag_for_rereview":
        return lc.review_flag_for_rereview(item=item, user=a["senior"], findings=[BLOCK])
    if action == "confirm":
        return lc.review_confirm(item=item, user=a["senior"])
    if action == "revoke":
        return lc.review_revoke(item=item, user=a["senior"], reasons=["sig_type_not_accepted"])
    raise AssertionError(action)


def _item_in(state, approved_qualification, actors):
    item = SignatureApplicationFactory(qualification=approved_qualification)
    a = dict(actors)
    return walk_to(item, state, customer=a["customer"], reviewer=a["reviewer"], senior=a["senior"])


def _footprint(item):
    return (
        revisions_for(item).count(),
        decisions_for(item).count(),
        transition_log_for(item).count(),
        notifications_about(item).count(),
    )


CASES = [(action, state) for action in ALLOWED for state in ALL_STATES]


@pytest.mark.parametrize(("action", "state"), CASES)
def test_transition_from_every_state(action, state, approved_qualification, actors):
    item = _item_in(state, approved_qualification, actors)
    assert item.state == state
    expected = ALLOWED[action].get(state)
    before = _footprint(item)
    if expected is None:
        with pytest.raises(ReviewError):
            _act(action, item, actors)
        item.refresh_from_db()
        assert item.state == state
        assert _footprint(item) == before, "a refused transition must write nothing"
    else:
        _act(action, item, actors)
        item.refresh_from_db()
        assert item.state == expected
        if expected == state == S.DRAFT:
            assert _footprint(item) == before, "editing a draft writes no revision and no log"
            return
        log = transition_log_for(item).last()
        assert (log.source_state, log.state) == (state, expected)
        assert log.by is not None


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
    signature, actors, mailoutbox, django_capture_on_commit_callbacks
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
    filings = CarrierFiling.objects.filter(signature=item)
    assert sorted(f.carrier.code for f in filings) == ["cmcc", "cucc"]
    assert {f.state for f in filings} == {"queued"}
    assert {f.revision_id for f in filings} == {item.current_revision_id}


def test_state_field_cannot_be_assigned(signature):
    with pytest.raises(AttributeError):
        signature.state = S.APPROVED
