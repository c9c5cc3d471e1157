"""Pre-check findings in the lifecycle: blocking findings refuse submission, and approving an item
whose findings block needs a second approval by another senior reviewer (SPEC §3, §4)."""

import pytest

from reviewportal.errors import PermissionRefused, PrecheckBlocked
from reviewportal.models import DecisionOutcome, ReviewState
from reviewportal.selectors import decisions_for, revisions_for
from reviewportal.services import lifecycle as lc
from signatures.services import signature_application_create

S = ReviewState


def test_submission_with_blocking_finding_is_refused_and_nothing_written(signature, customer):
    signature.content = "测试"
    signature.save()
    with pytest.raises(PrecheckBlocked) as excinfo:
        lc.review_submit(item=signature, user=customer)
    codes = {f["code"] for f in excinfo.value.findings if f["severity"] == "block"}
    assert "SIG_NEUTRAL" in codes
    signature.refresh_from_db()
    assert signature.state == S.DRAFT
    assert revisions_for(signature).count() == 0


def test_submission_stores_warnings_on_the_revision(approved_qualification, customer):
    # 和讯信息: in order in the full name but not one contiguous run → warn, not block.
    item = signature_application_create(
        account=approved_qualification.account,
        user=customer,
        qualification=approved_qualification,
        sig_type="company",
        content="和讯信息",
        submit=True,
    )
    assert item.state == S.PENDING_REVIEW
    assert [f["code"] for f in item.current_revision.findings] == ["SIG_ABBREV_SKIPS"]
    assert item.current_revision.findings[0]["severity"] == "warn"


def test_claimer_approval_over_blocking_findings_is_only_a_first_approval(
    eager_tasks,
    app_signature_under_review,
    reviewer,
    senior,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = lc.review_approve(item=app_signature_under_review, user=reviewer)
    assert decision.outcome == DecisionOutcome.FIRST_APPROVAL
    assert "SIG_TYPE_NOT_ACCEPTED" in {f["code"] for f in decision.findings}
    app_signature_under_review.refresh_from_db()
    assert app_signature_under_review.state == S.UNDER_REVIEW
    assert senior.notifications.filter(
        title__contains=app_signature_under_review.public_id
    ).exists()
    assert senior.email in {m.to[0] for m in mailoutbox}


def test_first_approver_cannot_give_the_second_approval(app_signature_under_review, reviewer):
    lc.review_approve(item=app_signature_under_review, user=reviewer)
    with pytest.raises(PermissionRefused, match="other than you"):
        lc.review_approve(item=app_signature_under_review, user=reviewer)
    assert decisions_for(app_signature_under_review).count() == 1


def test_another_plain_reviewer_cannot_approve(app_signature_under_review, reviewer, reviewer2):
    lc.review_approve(item=app_signature_under_review, user=reviewer)
    with pytest.raises(PermissionRefused):
        lc.review_approve(item=app_signature_under_review, user=reviewer2)


def test_senior_other_than_claimer_gives_the_final_approval(
    app_signature_under_review, reviewer, senior
):
    lc.review_approve(item=app_signature_under_review, user=reviewer)
    decision = lc.review_approve(item=app_signature_under_review, user=senior)
    assert decision.outcome == DecisionOutcome.APPROVE
    assert "SIG_TYPE_NOT_ACCEPTED" in {f["code"] for f in decision.findings}
    app_signature_under_review.refresh_from_db()
    assert app_signature_under_review.state == S.APPROVED
    outcomes = [d.outcome for d in decisions_for(app_signature_under_review)]
    assert outcomes == [DecisionOutcome.APPROVE, DecisionOutcome.FIRST_APPROVAL]


def test_senior_claimer_needs_another_senior(app_signature_under_review, reviewer, senior, senior2):
    item = lc.review_reassign(item=app_signature_under_review, user=senior, to=senior)
    first = lc.review_approve(item=item, user=senior)
    assert first.outcome == DecisionOutcome.FIRST_APPROVAL
    with pytest.raises(PermissionRefused):
        lc.review_approve(item=item, user=senior)
    lc.review_approve(item=item, user=senior2)
    item.refresh_from_db()
    assert item.state == S.APPROVED


def test_approval_without_blocking_findings_needs_one_reviewer(signature, customer, reviewer):
    item = lc.review_claim(item=lc.review_submit(item=signature, user=customer), user=reviewer)
    decision = lc.review_approve(item=item, user=reviewer)
    assert decision.outcome == DecisionOutcome.APPROVE
