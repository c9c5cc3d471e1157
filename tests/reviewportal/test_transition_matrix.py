"""Every lifecycle action, allowed and refused, from every state, for every reviewable kind
(SPEC §3): qualifications, a qualification's change, signature applications and template
applications.

Each case brings a fresh item to its state through the services (``tests.states.walk_to``),
has the user who would normally take the action take it, and checks either the state reached
and the transition log row (from, to, by), or that the action was refused (a ``ReviewError``:
``TransitionRefused``, or ``PermissionRefused`` for a decision on an item nobody has claimed) and
nothing at all was written.
"""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django_fsm_log.models import StateLog

from carriers.models import CarrierFiling
from reviewportal.errors import PermissionRefused, TransitionRefused
from reviewportal.models import Notification, ReviewDecision, ReviewState, Revision
from reviewportal.selectors import revisions_for, transition_log_for
from reviewportal.services import lifecycle as lc
from signatures.models import Qualification
from signatures.services import (
    qualification_change_start,
    qualification_update,
    signature_application_update,
)
from templates.services import template_application_update
from tests.factories import (
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
    TemplateApplicationFactory,
)
from tests.states import walk_to

S = ReviewState
ALL_STATES = list(S.values)

#: The reviewable kinds. A qualification's change (a new Qualification row pointing at the
#: approved one, SPEC §2) is reviewed on its own, so it gets rows of its own.
KINDS = ("qualification", "qualification_change", "signature", "template")

# Written out from SPEC §3 (and §1 for reassign), independently of the code's own tables
# (reviewportal.permissions.ACTION_STATES, reviewportal.models.lifecycle.*_STATES): action →
# {state it may start from: state it ends in}. Every other state refuses the action.
ALLOWED = {
    "submit": {S.DRAFT: S.PENDING_REVIEW},
    "claim": {S.PENDING_REVIEW: S.UNDER_REVIEW},
    "release": {S.UNDER_REVIEW: S.PENDING_REVIEW},
    # §1: a senior reviewer hands a claimed item to another reviewer; it stays under review.
    "reassign": {S.UNDER_REVIEW: S.UNDER_REVIEW},
    "approve": {S.UNDER_REVIEW: S.APPROVED},
    "reject": {S.UNDER_REVIEW: S.REJECTED},
    # A draft is edited in place (no transition); pending_review, under_review and rejected are
    # editable, and an edit resubmits (new revision, back to pending_review). An approved item
    # is not edited (a qualification is changed instead, §2).
    "edit": {
        S.DRAFT: S.DRAFT,
        S.PENDING_REVIEW: S.PENDING_REVIEW,
        S.UNDER_REVIEW: S.PENDING_REVIEW,
        S.REJECTED: S.PENDING_REVIEW,
    },
    # "any open state": not yet decided for good — a draft, one waiting for or under review,
    # and a rejected one (which the customer may still edit and resubmit). Approved, re-review
    # (decided by reviewers: confirm or revoke), withdrawn and revoked are not open.
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

#: The change flow (SPEC §2): only an approved qualification is changed; the change is a new row,
#: submitted for review, while the approved qualification stays in force (its state unchanged).
#: A change is not itself changed (the qualification in force is). Signatures and templates have
#: no change flow.
CHANGE_START = {
    "qualification": {S.APPROVED: S.APPROVED},
    "qualification_change": {},
}

CASES = [
    *(
        pytest.param(kind, action, state, id=f"{kind}-{action}-{state}")
        for kind in KINDS
        for action in ALLOWED
        for state in ALL_STATES
    ),
    *(
        pytest.param(kind, "change_start", state, id=f"{kind}-change_start-{state}")
        for kind in CHANGE_START
        for state in ALL_STATES
    ),
]


def _expected(kind, action, state):
    table = CHANGE_START[kind] if action == "change_start" else ALLOWED[action]
    return table.get(state)


BLOCK = {
    "code": "SIG_TYPE_NOT_ACCEPTED",
    "severity": "block",
    "field": "sig_type",
    "message": "app names are no longer accepted",
    "params": {},
}


def _walk(item, state, a):
    return walk_to(item, state, customer=a["customer"], reviewer=a["reviewer"], senior=a["senior"])


def _approved_qualification(a):
    return _walk(QualificationFactory(account=a["customer"].account), S.APPROVED, a)


def _draft(kind, a):
    """A fresh draft of ``kind`` in the customer's account, with what it needs to be approved."""
    if kind == "qualification":
        return QualificationFactory(account=a["customer"].account)
    if kind == "qualification_change":
        return qualification_change_start(
            qualification=_approved_qualification(a),
            user=a["customer"],
            submit=False,
            legal_rep_name="王五",
        )
    signature = SignatureApplicationFactory(qualification=_approved_qualification(a))
    if kind == "signature":
        return signature
    if kind == "template":
        # A template is submitted with an approved signature (SPEC §2).
        return TemplateApplicationFactory(signature=_walk(signature, S.APPROVED, a))
    raise AssertionError(kind)


def _edit(kind, item, user):
    """The customer's edit of ``item``, through its kind's own update service."""
    if kind in ("qualification", "qualification_change"):
        return qualification_update(qualification=item, user=user, legal_rep_name="李四")
    if kind == "signature":
        return signature_application_update(application=item, user=user, use_case="新的用途说明")
    if kind == "template":
        return template_application_update(application=item, user=user, remark="补充了使用场景")
    raise AssertionError(kind)


def _actor(action, a):
    """The user who would normally take ``action``."""
    if action in ("submit", "edit", "withdraw", "change_start"):
        return a["customer"]
    if action in ("claim", "release", "approve", "reject"):
        return a["reviewer"]  # the claimer decides
    return a["senior"]  # reassign, flag_for_rereview, confirm, revoke


def _act(kind, action, item, user, *, to=None):
    if action == "submit":
        return lc.review_submit(item=item, user=user)
    if action == "claim":
        return lc.review_claim(item=item, user=user)
    if action == "release":
        return lc.review_release(item=item, user=user)
    if action == "reassign":
        return lc.review_reassign(item=item, user=user, to=to)
    if action == "approve":
        return lc.review_approve(item=item, user=user)
    if action == "reject":
        return lc.review_reject(item=item, user=user, reasons=["other"], comment="请补充材料")
    if action == "edit":
        return _edit(kind, item, user)
    if action == "withdraw":
        return lc.review_withdraw(item=item, user=user)
    if action == "flag_for_rereview":
        return lc.review_flag_for_rereview(item=item, user=user, findings=[BLOCK])
    if action == "confirm":
        return lc.review_confirm(item=item, user=user)
    if action == "revoke":
        return lc.review_revoke(item=item, user=user, reasons=["sig_type_not_accepted"])
    if action == "change_start":
        return qualification_change_start(qualification=item, user=user, legal_rep_name="王五")
    raise AssertionError(action)


#: Everything a transition may write: a refused one must leave every count as it was.
WRITTEN = {
    "revisions": Revision,
    "decisions": ReviewDecision,
    "transition log": StateLog,
    "notifications": Notification,
    "audit log": LogEntry,
    "carrier filings": CarrierFiling,
    "qualifications": Qualification,
}


def _footprint(item):
    counts = {name: model.objects.count() for name, model in WRITTEN.items()}
    row = type(item).objects.get(pk=item.pk)
    return {**counts, "item's state": row.state, "item's row saved at": row.updated_at}


def _item_footprint(item):
    return (revisions_for(item).count(), transition_log_for(item).count())


@pytest.mark.parametrize(("kind", "action", "state"), CASES)
def test_transition_from_every_state(kind, action, state, actors):
    item = _walk(_draft(kind, actors), state, actors)
    assert item.state == state
    expected = _expected(kind, action, state)
    user = _actor(action, actors)
    # The reviewer a claim is handed to exists before the footprint is taken.
    to = StaffFactory(role="Reviewer") if action == "reassign" else None

    if expected is None:
        before = _footprint(item)
        # Refused for the state (or, for a reviewer's decision on an item nobody claimed, for
        # the claim it lacks), never for some other reason that would hide a missing refusal.
        with pytest.raises((TransitionRefused, PermissionRefused)):
            _act(kind, action, item, user, to=to)
        assert _footprint(item) == before, "a refused action must write nothing"
        return

    own_before = _item_footprint(item)
    result = _act(kind, action, item, user, to=to)
    item.refresh_from_db()
    assert item.state == expected

    if action == "change_start":
        # The qualification in force is untouched; the change is a new row under review.
        assert _item_footprint(item) == own_before
        assert (result.change_of_id, result.state) == (item.pk, S.PENDING_REVIEW)
        item, state, expected = result, S.DRAFT, S.PENDING_REVIEW
    elif expected == state == S.DRAFT:
        assert _item_footprint(item) == own_before, "editing a draft writes no revision or log"
        return

    log = transition_log_for(item).last()
    assert (log.source_state, log.state, log.by) == (state, expected, user)
    if action == "reassign":
        assert item.claimed_by == to
