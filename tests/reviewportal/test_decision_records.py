"""What a rejection and a revocation record, exactly: the decision (outcome, reviewer, revision,
comment and internal note without their blanks, the findings the reviewer saw), the moment of
the decision on the item, the transition-log row (by whom, the reason codes), the customer's
notification (about which item, its words line by line), and the words of each refusal; also
the approval's internal note and the resubmission of a draft."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from reviewportal.errors import PermissionRefused, ReviewError, TransitionRefused
from reviewportal.models import (
    DecisionOutcome,
    Notification,
    ReasonCode,
    ReviewDecision,
)
from reviewportal.services import lifecycle as lc
from tests.factories import QualificationFactory, SignatureApplicationFactory
from tests.reviewportal.records import NOW, fresh, last_log
from tests.states import walk_to

REASONS = ["materials_unclear", "sig_type_not_accepted"]


def _item(approved_qualification, actors, state):
    return walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯华谷"),
        state,
        **actors,
    )


@pytest.fixture
def under_review(at_now, approved_qualification, actors):
    return _item(approved_qualification, actors, "under_review")


@pytest.fixture
def in_rereview(at_now, approved_qualification, actors):
    return _item(approved_qualification, actors, "rereview")


def _label(item) -> str:
    return f"signature application 【{item.content}】 {item.public_id}"


def _reason_lines() -> str:
    reasons = ReasonCode.objects.in_bulk(REASONS, field_name="code")
    return "\n".join(f"- {reasons[c].title_en}: {reasons[c].customer_text_en}" for c in REASONS)


def _told(item) -> Notification:
    note = Notification.objects.filter(recipient__account=item.account).latest("pk")
    assert (note.content_type, note.object_id) == (ContentType.objects.get_for_model(item), item.pk)
    return note


def _assert_decision(decision, *, item, reviewer, outcome, comment, note):
    decision = ReviewDecision.objects.get(pk=decision.pk)
    assert decision.outcome == outcome
    assert decision.reviewer == reviewer
    assert decision.revision == item.current_revision
    assert (decision.customer_comment, decision.internal_note) == (comment, note)
    assert decision.findings == item.current_revision.findings
    assert sorted(decision.reasons.values_list("code", flat=True)) == REASONS


# --- a rejection ----------------------------------------------------------------------------------


def test_a_rejection_records_its_decision_moment_log_and_notification(
    at_now, approved_qualification, actors, reviewer
):
    # An abbreviation that skips part of the name: the reviewer saw the pre-check's warning.
    under_review = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="深圳华谷"),
        "under_review",
        **actors,
    )
    assert [f["code"] for f in under_review.current_revision.findings] == ["SIG_ABBREV_SKIPS"]
    decision = lc.review_reject(
        item=under_review,
        user=reviewer,
        reasons=REASONS,
        comment="  请补充说明  ",
        internal_note="  内部备注  ",
    )
    _assert_decision(
        decision,
        item=under_review,
        reviewer=reviewer,
        outcome=DecisionOutcome.REJECT,
        comment="请补充说明",
        note="内部备注",
    )
    item = fresh(under_review)
    assert (item.state, item.decided_at) == ("rejected", NOW)
    log = last_log(item)
    assert (log.transition, log.by, log.description) == ("reject", reviewer, ", ".join(REASONS))
    title, body = _told(item).text_in("en")
    assert title == f"Not approved: {_label(item)}"
    assert body == (f"{_label(item)} did not pass review. Reasons:\n{_reason_lines()}\n请补充说明")


def test_a_rejection_without_a_comment_ends_with_its_reasons(under_review, reviewer):
    decision = lc.review_reject(item=under_review, user=reviewer, reasons=REASONS)
    assert ReviewDecision.objects.get(pk=decision.pk).internal_note == ""
    _title, body = _told(under_review).text_in("en")
    assert body == f"{_label(under_review)} did not pass review. Reasons:\n{_reason_lines()}"


# --- a revocation ---------------------------------------------------------------------------------


def test_a_revocation_records_its_decision_moment_log_and_notification(in_rereview, senior):
    decision = lc.review_revoke(
        item=in_rereview,
        user=senior,
        reasons=REASONS,
        comment="  不再符合规定  ",
        internal_note="  内部备注  ",
    )
    _assert_decision(
        decision,
        item=in_rereview,
        reviewer=senior,
        outcome=DecisionOutcome.REVOKE,
        comment="不再符合规定",
        note="内部备注",
    )
    item = fresh(in_rereview)
    assert (item.state, item.decided_at) == ("revoked", NOW)
    log = last_log(item)
    assert (log.transition, log.by, log.description) == ("revoke", senior, ", ".join(REASONS))
    title, body = _told(item).text_in("en")
    assert title == f"Revoked: {_label(item)}"
    assert body == f"{_label(item)} can no longer be used. Reasons:\n{_reason_lines()}"


def test_a_revocation_without_texts_records_none(in_rereview, senior):
    decision = lc.review_revoke(item=in_rereview, user=senior, reasons=REASONS)
    decision = ReviewDecision.objects.get(pk=decision.pk)
    assert (decision.customer_comment, decision.internal_note) == ("", "")


# --- an approval -------------------------------------------------------------------------------


def test_an_approval_records_its_decision_moment_log_and_notification(under_review, reviewer):
    decision = lc.review_approve(
        item=under_review, user=reviewer, comment="  符合要求  ", internal_note="  已核对  "
    )
    decision = ReviewDecision.objects.get(pk=decision.pk)
    assert (decision.outcome, decision.reviewer, decision.revision) == (
        DecisionOutcome.APPROVE,
        reviewer,
        under_review.current_revision,
    )
    assert (decision.customer_comment, decision.internal_note) == ("符合要求", "已核对")
    item = fresh(under_review)
    assert (item.state, item.decided_at) == ("approved", NOW)
    log = last_log(item)
    assert (log.transition, log.by, log.description) == ("approve", reviewer, "符合要求")
    title, body = _told(item).text_in("en")
    assert title == f"Approved: {_label(item)}"
    assert body == f"{_label(item)} has passed review.\n符合要求"


def test_an_approval_without_a_comment_logs_none_and_says_only_that(under_review, reviewer):
    lc.review_approve(item=under_review, user=reviewer)
    log = last_log(under_review)
    assert (log.by, log.description) == (reviewer, None)
    _title, body = _told(under_review).text_in("en")
    assert body == f"{_label(under_review)} has passed review."


def test_a_first_approval_records_what_the_first_reviewer_saw_and_said(
    app_signature_under_review, reviewer
):
    item = app_signature_under_review
    first = lc.review_approve(
        item=item, user=reviewer, comment="  商标已核  ", internal_note="  需二审  "
    )
    first = ReviewDecision.objects.get(pk=first.pk)
    assert (first.outcome, first.reviewer, first.revision) == (
        DecisionOutcome.FIRST_APPROVAL,
        reviewer,
        item.current_revision,
    )
    assert (first.customer_comment, first.internal_note) == ("商标已核", "需二审")
    assert [f["code"] for f in first.findings if f["severity"] == "block"] == [
        "SIG_TYPE_NOT_ACCEPTED"
    ]
    assert fresh(item).state == "under_review"
    with pytest.raises(PermissionRefused) as refused:
        lc.review_approve(item=item, user=reviewer)
    assert str(refused.value) == (
        f"You have already approved {item} over its blocking findings; a senior reviewer other "
        "than you must give the second approval."
    )


# --- the refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decide", "state", "text", "name"),
    [
        ("review_reject", "under_review", "comment", "comment"),
        ("review_reject", "under_review", "internal_note", "internal note"),
        ("review_revoke", "rereview", "comment", "comment"),
        ("review_revoke", "rereview", "internal_note", "internal note"),
    ],
)
def test_a_decisions_text_too_long_is_refused_by_its_name(
    request, settings, reviewer, senior, decide, state, text, name
):
    item = request.getfixturevalue("under_review" if state == "under_review" else "in_rereview")
    user = reviewer if state == "under_review" else senior
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    with pytest.raises(ReviewError) as refused:
        getattr(lc, decide)(item=item, user=user, reasons=REASONS, **{text: "长" * (limit + 1)})
    assert str(refused.value) == (
        f"The {name} is too long ({limit + 1} characters; at most {limit})."
    )
    assert fresh(item).state == state
    assert not ReviewDecision.objects.filter(revision=item.current_revision).exists()


# --- an approval, a resubmission ------------------------------------------------------------------


def test_an_approvals_internal_note_too_long_is_refused_by_its_name(
    under_review, reviewer, settings
):
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    with pytest.raises(ReviewError) as refused:
        lc.review_approve(item=under_review, user=reviewer, internal_note="长" * (limit + 1))
    assert str(refused.value) == (
        f"The internal note is too long ({limit + 1} characters; at most {limit})."
    )
    assert fresh(under_review).state == "under_review"


def test_a_draft_is_not_resubmitted_but_submitted(at_now, approved_qualification, customer):
    draft = SignatureApplicationFactory(qualification=approved_qualification, content="和讯华谷")
    assert draft.state == "draft"
    with pytest.raises(TransitionRefused) as refused:
        lc.review_resubmit(item=draft, user=customer)
    assert str(refused.value) == f"{draft} is a draft: submit it instead."
    assert fresh(draft).state == "draft"


def test_a_draft_saved_without_what_a_submission_needs_is_refused_naming_it(customer):
    draft = QualificationFactory(account=customer.account, uscc="", legal_rep_name="")
    with pytest.raises(ReviewError) as refused:
        lc.review_submit(item=draft, user=customer)
    assert refused.value.code == "incomplete"
    assert str(refused.value) == (
        f"Complete {draft} before submitting it: Unified social credit code, Legal representative."
    )
    assert fresh(draft).state == "draft"
