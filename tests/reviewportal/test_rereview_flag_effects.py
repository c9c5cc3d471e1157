"""Everything putting one approved item back for re-review writes (SPEC §7): the new revision
(same snapshot, the findings that no longer pass, by whom), the transition and its log row (the
note, or else the blocking codes), the restarted SLA clock, whether the item stays usable, and
the customer's message (the item, why, and each blocking finding on a line of its own); and the
words of each refusal. Both services: ``review_flag_for_rereview`` (by hand or bulk re-review)
and ``review_flag_after_change`` (after an approved qualification change)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from reviewportal.errors import ReviewError, TransitionRefused
from reviewportal.models import Notification, ReviewState
from reviewportal.selectors import revisions_for, transition_log_for
from reviewportal.services import lifecycle as lc
from reviewportal.services.sla import sla_due
from signatures.models import SignatureApplication
from tests.states import walk_to

pytestmark = pytest.mark.django_db

S = ReviewState
#: A working day inside the seeded calendar.
FROZEN = dt.datetime.fromisoformat("2026-11-24T10:30:00+08:00")

# Codes no rule knows: their messages are the stored ones, in every language.
RULE_A = {
    "code": "POLICY_A",
    "severity": "block",
    "field": "content",
    "message": "Rule A no longer accepts this signature.",
    "params": {},
}
RULE_B = {
    "code": "POLICY_B",
    "severity": "block",
    "field": "sig_type",
    "message": "Rule B no longer accepts this type.",
    "params": {},
}
ADVICE = {
    "code": "POLICY_C",
    "severity": "warn",
    "field": "content",
    "message": "Rule C only advises.",
    "params": {},
}
FINDINGS = [RULE_A, ADVICE, RULE_B]


@pytest.fixture
def approved(signature, actors):
    return walk_to(signature, S.APPROVED, **actors)


def _fresh(item):
    return SignatureApplication.objects.get(pk=item.pk)


def _name(item) -> str:
    return f"signature application 【{item.content}】 {item.public_id}"


def _rereview_notes(item):
    return Notification.objects.filter(kind="rereview", object_id=item.pk)


def test_flagging_writes_a_revision_a_log_row_a_new_clock_and_tells_the_customer(
    approved, customer, senior
):
    with time_machine.travel(FROZEN, tick=False):
        returned = lc.review_flag_for_rereview(item=approved, user=senior, findings=FINDINGS)

    item = _fresh(approved)
    assert returned.state == item.state == S.REREVIEW
    assert (item.suspended, item.is_usable) == (False, True)
    revision = item.current_revision
    assert revision.number == 2
    assert revision.findings == FINDINGS
    assert revision.submitted_by == senior
    assert revision.snapshot == approved.current_revision.snapshot == item.snapshot_data()
    assert [r.number for r in revisions_for(item).order_by("number")] == [1, 2]
    assert item.submitted_at == item.sla_started_at == FROZEN
    assert item.due_at == sla_due(start=FROZEN, policy="standard")
    log = transition_log_for(item).get(transition="flag_for_rereview")
    assert (log.by, log.source_state, log.state) == (senior, S.APPROVED, S.REREVIEW)
    assert log.description == "POLICY_A, POLICY_B"

    (note,) = _rereview_notes(item)
    assert (note.recipient, note.account, note.subject) == (customer, customer.account, item)
    assert note.text_in("en") == (
        f"Re-review: {_name(item)}",
        f"{_name(item)} is being reviewed again because the rules changed:\n"
        "- Rule A no longer accepts this signature.\n"
        "- Rule B no longer accepts this type.",
    )


def test_a_note_describes_the_log_row_not_the_customers_message(approved, senior):
    lc.review_flag_for_rereview(
        item=approved, user=senior, findings=[RULE_A], note="政策调整", suspend=True
    )

    item = _fresh(approved)
    assert (item.state, item.suspended, item.is_usable) == (S.REREVIEW, True, False)
    assert transition_log_for(item).get(transition="flag_for_rereview").description == "政策调整"
    (note,) = _rereview_notes(item)
    assert note.text_in("en")[1] == (
        f"{_name(item)} is being reviewed again because the rules changed:\n"
        "- Rule A no longer accepts this signature."
    )


def test_flagging_without_notifying_leaves_the_customer_untold(approved, senior):
    lc.review_flag_for_rereview(item=approved, user=senior, findings=[RULE_A], notify=False)
    assert _fresh(approved).state == S.REREVIEW
    assert not _rereview_notes(approved).exists()


def test_a_flag_after_a_change_says_why_and_leaves_the_item_usable(approved, customer, reviewer):
    because = "its qualification was renamed"
    with time_machine.travel(FROZEN, tick=False):
        lc.review_flag_after_change(
            item=approved, user=reviewer, findings=[RULE_B, RULE_A], because=because
        )

    item = _fresh(approved)
    assert (item.state, item.suspended, item.is_usable) == (S.REREVIEW, False, True)
    assert item.current_revision.submitted_by == reviewer
    assert item.submitted_at == FROZEN
    log = transition_log_for(item).get(transition="flag_for_rereview")
    assert (log.by, log.description) == (reviewer, because)
    (note,) = _rereview_notes(item)
    assert note.recipient == customer
    assert note.text_in("en") == (
        f"Re-review: {_name(item)}",
        f"{_name(item)} is being reviewed again because its qualification was renamed:\n"
        "- Rule B no longer accepts this type.\n"
        "- Rule A no longer accepts this signature.",
    )


@pytest.mark.parametrize("state", [S.UNDER_REVIEW, S.REREVIEW, S.REJECTED])
def test_a_flag_after_a_change_refuses_an_item_that_is_not_approved(
    state, signature, actors, reviewer
):
    item = walk_to(signature, state, **actors)
    revisions = revisions_for(item).count()

    with pytest.raises(TransitionRefused) as refused:
        lc.review_flag_after_change(item=item, user=reviewer, findings=[RULE_A], because="改名")

    assert str(refused.value) == (
        f"{item} is not approved; only an approved item is put back for re-review."
    )
    assert (_fresh(item).state, revisions_for(item).count()) == (state, revisions)


@pytest.mark.parametrize("findings", [[], [ADVICE]])
def test_an_item_without_a_blocking_finding_is_not_flagged(findings, approved, senior):
    with pytest.raises(ReviewError) as refused:
        lc.review_flag_for_rereview(item=approved, user=senior, findings=findings)

    assert str(refused.value) == "Only an item with a blocking finding is put back for re-review."
    item = _fresh(approved)
    assert (item.state, revisions_for(item).count()) == (S.APPROVED, 1)
    assert not _rereview_notes(item).exists()
