"""What claiming, releasing, reassigning, withdrawing and confirming record, exactly: the claim
(who, when), the transition-log row (by whom, with which description), the decision a
confirmation writes, and the words of each refusal."""

from __future__ import annotations

import pytest

from reviewportal.errors import PermissionRefused, ReviewError, TransitionRefused
from reviewportal.models import DecisionOutcome, ReviewDecision
from reviewportal.services import lifecycle as lc
from tests.factories import SignatureApplicationFactory
from tests.reviewportal.records import NOW, fresh, last_log
from tests.states import walk_to


@pytest.fixture
def pending(at_now, approved_qualification, actors):
    return walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯华谷"),
        "pending_review",
        **actors,
    )


@pytest.fixture
def claimed(pending, reviewer):
    return lc.review_claim(item=pending, user=reviewer)


def test_a_claim_records_the_reviewer_and_the_moment(claimed, reviewer):
    item = fresh(claimed)
    assert (item.state, item.claimed_by, item.claimed_at) == ("under_review", reviewer, NOW)
    log = last_log(item)
    assert (log.transition, log.by, log.description) == ("claim", reviewer, None)


def test_a_claim_held_by_another_names_the_holder(claimed, reviewer2, reviewer):
    reviewer.first_name, reviewer.last_name = "Lin", "Wei"
    reviewer.save()
    with pytest.raises(TransitionRefused) as refused:
        lc.review_claim(item=claimed, user=reviewer2)
    assert str(refused.value) == (
        f"【和讯华谷】 {claimed.public_id} has already been claimed by {reviewer.get_full_name()}."
    )
    assert fresh(claimed).claimed_by == reviewer


def test_claiming_ones_own_claim_again_is_refused_by_state(claimed, reviewer):
    with pytest.raises(TransitionRefused) as refused:
        lc.review_claim(item=claimed, user=reviewer)
    assert "only an item pending review can be claimed" in str(refused.value)


def test_a_release_logs_the_reason_given(claimed, reviewer):
    lc.review_release(item=claimed, user=reviewer, reason="下班")
    item = fresh(claimed)
    assert (item.state, item.claimed_by, item.claimed_at) == ("pending_review", None, None)
    log = last_log(item)
    assert (log.transition, log.by, log.description) == ("release", reviewer, "下班")


def test_a_release_without_a_reason_logs_no_description(claimed, reviewer):
    lc.review_release(item=claimed, user=reviewer)
    log = last_log(claimed)
    assert (log.by, log.description) == (reviewer, None)


def test_a_reassignment_hands_the_claim_over_and_says_to_whom(claimed, senior, reviewer2):
    reviewer2.first_name, reviewer2.last_name = "Zhao", "Min"
    reviewer2.save()
    lc.review_reassign(item=claimed, user=senior, to=reviewer2)
    item = fresh(claimed)
    assert (item.state, item.claimed_by, item.claimed_at) == ("under_review", reviewer2, NOW)
    log = last_log(item)
    assert (log.transition, log.by) == ("reassign", senior)
    assert log.description == f"reassigned to {reviewer2.get_full_name()}"


@pytest.mark.parametrize("who", ["support", "customer"])
def test_only_a_reviewer_can_be_given_an_item(claimed, senior, reviewer, request, who):
    to = request.getfixturevalue(who)
    with pytest.raises(PermissionRefused) as refused:
        lc.review_reassign(item=claimed, user=senior, to=to)
    assert str(refused.value) == f"{to} is not a reviewer and cannot be given items."
    assert fresh(claimed).claimed_by == reviewer


def test_a_withdrawal_logs_the_customers_reason(pending, customer):
    lc.review_withdraw(item=pending, user=customer, reason="  不再需要  ")
    item = fresh(pending)
    assert (item.state, item.decided_at) == ("withdrawn", NOW)
    log = last_log(item)
    assert (log.transition, log.by, log.description) == ("withdraw", customer, "不再需要")


def test_a_withdrawal_without_a_reason_logs_no_description(pending, customer):
    lc.review_withdraw(item=pending, user=customer)
    log = last_log(pending)
    assert (log.by, log.description) == (customer, None)


def test_a_withdrawal_reason_too_long_is_refused_by_its_name(pending, customer, settings):
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    with pytest.raises(ReviewError) as refused:
        lc.review_withdraw(item=pending, user=customer, reason="不" * (limit + 1))
    assert str(refused.value) == (
        f"The reason is too long ({limit + 1} characters; at most {limit})."
    )
    assert fresh(pending).state == "pending_review"


@pytest.fixture
def in_rereview(at_now, approved_qualification, actors):
    return walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯华谷"),
        "rereview",
        **actors,
    )


def test_a_confirmation_writes_its_decision_and_logs_the_comment(in_rereview, senior):
    decision = lc.review_confirm(item=in_rereview, user=senior, comment="政策允许")
    decision = ReviewDecision.objects.get(pk=decision.pk)
    assert decision.outcome == DecisionOutcome.CONFIRM
    assert decision.reviewer == senior
    assert decision.revision == in_rereview.current_revision
    assert decision.customer_comment == "政策允许"
    assert decision.findings == in_rereview.current_revision.findings
    item = fresh(in_rereview)
    assert (item.state, item.decided_at) == ("approved", NOW)
    log = last_log(item)
    assert (log.transition, log.by, log.description) == ("confirm", senior, "政策允许")


def test_a_confirmation_without_a_comment_logs_no_description(in_rereview, senior):
    decision = lc.review_confirm(item=in_rereview, user=senior)
    assert ReviewDecision.objects.get(pk=decision.pk).customer_comment == ""
    log = last_log(in_rereview)
    assert (log.by, log.description) == (senior, None)


def test_a_confirmation_comment_too_long_is_refused_by_its_name(in_rereview, senior, settings):
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    with pytest.raises(ReviewError) as refused:
        lc.review_confirm(item=in_rereview, user=senior, comment="好" * (limit + 1))
    assert str(refused.value) == (
        f"The comment is too long ({limit + 1} characters; at most {limit})."
    )
    assert fresh(in_rereview).state == "rereview"
