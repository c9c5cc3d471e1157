"""What the review services check in what a person typed or chose, and the words of each refusal:
a submission with blocking findings (every problem listed), the reasons of a rejection or a
revocation (at least one, all known and active, given as codes or as reason objects), and the
length of comments, internal notes and reasons (measured without surrounding blanks). A refused
call writes nothing."""

from __future__ import annotations

import pytest

from reviewportal.errors import PrecheckBlocked, ReviewError
from reviewportal.models import ReasonCode, ReviewDecision, ReviewState
from reviewportal.selectors import notifications_about, revisions_for, transition_log_for
from reviewportal.services import lifecycle as lc
from signatures.models import SignatureApplication
from tests.factories import SignatureApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

S = ReviewState


@pytest.fixture
def short_texts(settings):
    """Comments, notes and reasons of at most 10 characters."""
    settings.REVIEW_POLICY = {**settings.REVIEW_POLICY, "COMMENT_MAX_LENGTH": 10}


@pytest.fixture
def under_review(signature, actors):
    return walk_to(signature, S.UNDER_REVIEW, **actors)


def _fresh(item):
    return type(item).objects.get(pk=item.pk)


# --- submission ---------------------------------------------------------------------------------


def test_a_blocked_submission_lists_every_blocking_problem(approved_qualification, customer):
    item = SignatureApplicationFactory(qualification=approved_qualification, content="和讯A1")

    with pytest.raises(PrecheckBlocked) as refused:
        lc.review_submit(item=item, user=customer)

    blocks = [f for f in refused.value.findings if f["severity"] == "block"]
    assert {"SIG_LATIN", "SIG_DIGITS"} <= {f["code"] for f in blocks}
    assert str(refused.value) == (
        f"【和讯A1】 {item.public_id} cannot be submitted: "
        + "; ".join(f["message"] for f in blocks)
    )
    assert _fresh(item).state == S.DRAFT
    assert not revisions_for(item).exists()


def test_a_blocked_resubmission_says_why_and_keeps_the_item_as_it_was(under_review, customer):
    SignatureApplication.objects.filter(pk=under_review.pk).update(content="测试")

    with pytest.raises(PrecheckBlocked) as refused:
        lc.review_resubmit(item=under_review, user=customer)

    blocks = [f for f in refused.value.findings if f["severity"] == "block"]
    assert "SIG_NEUTRAL" in {f["code"] for f in blocks}
    assert str(refused.value) == (
        f"【测试】 {under_review.public_id} cannot be submitted: "
        + "; ".join(f["message"] for f in blocks)
    )
    item = _fresh(under_review)
    assert (item.state, item.current_revision_id) == (
        S.UNDER_REVIEW,
        under_review.current_revision_id,
    )


# --- reasons ------------------------------------------------------------------------------------


def test_a_rejection_without_a_reason_is_refused_in_so_many_words(under_review, reviewer):
    with pytest.raises(ReviewError) as refused:
        lc.review_reject(item=under_review, user=reviewer, reasons=None)
    assert str(refused.value) == "Choose at least one reason: the customer must see why."
    assert _fresh(under_review).state == S.UNDER_REVIEW


def test_unknown_and_inactive_reason_codes_are_all_named(under_review, reviewer):
    ReasonCode.objects.filter(code="materials_unclear").update(is_active=False)

    with pytest.raises(ReviewError) as refused:
        lc.review_reject(
            item=under_review,
            user=reviewer,
            reasons=["no_such_code", "other", "materials_unclear"],
        )

    assert str(refused.value) == "Unknown or inactive reason code: no_such_code, materials_unclear"
    assert _fresh(under_review).state == S.UNDER_REVIEW
    assert not ReviewDecision.objects.filter(revision=under_review.current_revision).exists()


def test_an_inactive_reason_code_alone_is_refused(under_review, reviewer):
    ReasonCode.objects.filter(code="other").update(is_active=False)
    with pytest.raises(ReviewError) as refused:
        lc.review_reject(item=under_review, user=reviewer, reasons=["other"])
    assert str(refused.value) == "Unknown or inactive reason code: other"


def test_reasons_given_as_objects_are_recorded_once_each(under_review, customer, reviewer):
    other = ReasonCode.objects.get(code="other")
    unclear = ReasonCode.objects.get(code="materials_unclear")

    decision = lc.review_reject(
        item=under_review, user=reviewer, reasons=[unclear, other, "materials_unclear"]
    )

    assert sorted(decision.reasons.values_list("code", flat=True)) == ["materials_unclear", "other"]
    log = transition_log_for(under_review).get(transition="reject")
    assert log.description == "materials_unclear, other"
    # The customer reads each reason on a line of its own, in the order given.
    note = notifications_about(under_review).get(recipient=customer, kind="decision")
    name = f"signature application 【{under_review.content}】 {under_review.public_id}"
    assert note.text_in("en")[1] == (
        f"{name} did not pass review. Reasons:\n"
        f"- {unclear.title_en}: {unclear.customer_text_en}\n"
        f"- {other.title_en}: {other.customer_text_en}"
    )


def test_a_revocation_needs_a_known_reason_too(signature, actors):
    item = walk_to(signature, S.REREVIEW, **actors)
    with pytest.raises(ReviewError) as refused:
        lc.review_revoke(item=item, user=actors["senior"], reasons=["no_such_code"])
    assert str(refused.value) == "Unknown or inactive reason code: no_such_code"
    with pytest.raises(ReviewError) as refused:
        lc.review_revoke(item=item, user=actors["senior"], reasons=[])
    assert str(refused.value) == "Choose at least one reason: the customer must see why."
    assert _fresh(item).state == S.REREVIEW


# --- lengths ------------------------------------------------------------------------------------


def test_a_comment_of_the_full_length_is_accepted_without_its_blanks(
    short_texts, under_review, reviewer
):
    decision = lc.review_approve(
        item=under_review,
        user=reviewer,
        comment="  0123456789 \n",
        internal_note=" 九个字的内部备注呀 ",
    )
    assert decision.customer_comment == "0123456789"
    assert decision.internal_note == "九个字的内部备注呀"
    assert _fresh(under_review).state == S.APPROVED


def test_a_comment_one_character_too_long_is_refused(short_texts, under_review, reviewer):
    with pytest.raises(ReviewError) as refused:
        lc.review_approve(item=under_review, user=reviewer, comment="01234567890")
    assert str(refused.value) == "The comment is too long (11 characters; at most 10)."
    assert _fresh(under_review).state == S.UNDER_REVIEW


def test_an_internal_note_too_long_is_refused(short_texts, under_review, reviewer):
    with pytest.raises(ReviewError) as refused:
        lc.review_reject(
            item=under_review, user=reviewer, reasons=["other"], internal_note="x" * 12
        )
    assert str(refused.value) == "The internal note is too long (12 characters; at most 10)."
    assert _fresh(under_review).state == S.UNDER_REVIEW


def test_a_withdrawal_reason_too_long_is_refused(short_texts, under_review, customer):
    with pytest.raises(ReviewError) as refused:
        lc.review_withdraw(item=under_review, user=customer, reason="y" * 11)
    assert str(refused.value) == "The reason is too long (11 characters; at most 10)."
    assert _fresh(under_review).state == S.UNDER_REVIEW


def test_an_approval_without_a_comment_adds_nothing_to_the_message(
    under_review, customer, reviewer
):
    decision = lc.review_approve(item=under_review, user=reviewer)

    assert (decision.customer_comment, decision.internal_note) == ("", "")
    note = notifications_about(under_review).get(recipient=customer, kind="decision")
    name = f"signature application 【{under_review.content}】 {under_review.public_id}"
    assert note.text_in("en") == (f"Approved: {name}", f"{name} has passed review.")
    assert transition_log_for(under_review).get(transition="approve").description is None


def test_a_withdrawal_without_a_reason_logs_none(under_review, customer):
    lc.review_withdraw(item=under_review, user=customer, reason="   ")
    assert transition_log_for(under_review).get(transition="withdraw").description is None
