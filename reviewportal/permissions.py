"""Who may do what to an item under review.

``available_actions`` is the one list of actions a user may take on an item: the console's
buttons, the portal's links and the services' permission checks all read it (house style,
after Wagtail's moderation workflows).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from reviewportal.errors import NotFoundForUser, PermissionRefused, TransitionRefused
from reviewportal.models.lifecycle import ReviewableModel, ReviewState

S = ReviewState


class Action(StrEnum):
    SUBMIT = "submit"
    EDIT = "edit"
    WITHDRAW = "withdraw"
    CLAIM = "claim"
    RELEASE = "release"
    REASSIGN = "reassign"
    APPROVE = "approve"
    REJECT = "reject"
    FLAG_FOR_REREVIEW = "flag_for_rereview"
    CONFIRM = "confirm"
    REVOKE = "revoke"


#: Customer actions are taken by users of the item's account; the rest by staff.
CUSTOMER_ACTIONS = frozenset({Action.SUBMIT, Action.EDIT, Action.WITHDRAW})

#: The model transition each action runs (``ReviewableModel``): the FSM's own source states
#: are where the action may start, so this module and the FSM cannot disagree.
ACTION_TRANSITIONS: dict[Action, str] = {
    Action.SUBMIT: "submit",
    Action.WITHDRAW: "withdraw",
    Action.CLAIM: "claim",
    Action.RELEASE: "release",
    Action.REASSIGN: "reassign",
    Action.APPROVE: "approve",
    Action.REJECT: "reject",
    Action.FLAG_FOR_REREVIEW: "flag_for_rereview",
    Action.CONFIRM: "confirm",
    Action.REVOKE: "revoke",
}


def _sources(transition: str) -> tuple[str, ...]:
    """The states django-fsm lets ``transition`` start from. Called only while this module is
    imported (for ``ACTION_STATES``), before a mutation test run switches any mutant on, so
    its mutants could never be tested; the permission and transition tables check its result."""
    return tuple(getattr(ReviewableModel, transition)._django_fsm.transitions)  # pragma: no mutate


#: The states each action may start from, read from the FSM (so a refusal can say *why* an
#: action is unavailable before trying it). Editing a draft changes it in place (no
#: transition); editing a submitted item resubmits it.
ACTION_STATES: dict[Action, tuple[str, ...]] = {
    Action.EDIT: (S.DRAFT, *_sources("resubmit")),
    **{action: _sources(name) for action, name in ACTION_TRANSITIONS.items()},
}

PERM_REVIEW = "reviewportal.review_items"
PERM_OVERRIDE = "reviewportal.override_findings"
PERM_REASSIGN = "reviewportal.reassign_items"
PERM_URGENT = "reviewportal.handle_urgent"
PERM_FLAG = "reviewportal.flag_rereview"
PERM_SENSITIVE = "reviewportal.view_sensitive"
PERM_AUDIT = "reviewportal.view_audit"
PERM_NOTES = "reviewportal.write_internal_notes"


def is_staff_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def is_senior(user) -> bool:
    return is_staff_user(user) and user.has_perm(PERM_OVERRIDE)


def _user_may(item, user, action: Action) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if action in CUSTOMER_ACTIONS:
        return user.may_write_for(item.account_id)
    if not is_staff_user(user):
        return False
    if action == Action.CLAIM:
        return user.has_perm(PERM_REVIEW)
    if action in (Action.RELEASE, Action.APPROVE, Action.REJECT):
        # The claimer decides; a senior reviewer may step in on someone else's claim.
        return user.has_perm(PERM_REVIEW) and (
            item.claimed_by_id == user.pk or user.has_perm(PERM_REASSIGN)
        )
    if action == Action.REASSIGN:
        return user.has_perm(PERM_REASSIGN)
    if action == Action.FLAG_FOR_REREVIEW:
        return user.has_perm(PERM_FLAG)
    if action == Action.REVOKE:
        return user.has_perm(PERM_REVIEW)
    if action == Action.CONFIRM:
        # A re-review item carries blocking findings by construction: keeping it approved
        # over them is a senior's call.
        return user.has_perm(PERM_REVIEW) and user.has_perm(PERM_OVERRIDE)
    return False


def available_actions(item, user) -> list[Action]:
    """The actions ``user`` may take on ``item`` now, in a stable order."""
    return [
        action
        for action in Action
        if item.state in ACTION_STATES[action] and _user_may(item, user, action)
    ]


def require_action(item, user, action: Action) -> None:
    """Raise a readable error unless ``user`` may take ``action`` on ``item`` now."""
    if not _user_may(item, user, action):
        if action in CUSTOMER_ACTIONS and is_read_only_in(user, item.account_id):
            raise PermissionRefused(read_only_message())
        raise PermissionRefused(REFUSED_MESSAGES[action] % {"item": item})
    if item.state not in ACTION_STATES[action]:
        raise TransitionRefused(
            WRONG_STATE_MESSAGES[action] % {"item": item, "state": item.get_state_display()}
        )


def require_account_writer(user, account_id: int) -> None:
    """Raise unless ``user`` may change the applications of ``account_id``: another account's
    user (or nobody) is told the object does not exist, a read-only user of the account that
    the role does not allow it."""
    if not (user and user.is_authenticated and user.account_id == account_id):
        raise NotFoundForUser(gettext("Not found."))
    if not user.may_write_for(account_id):
        raise PermissionRefused(read_only_message())


def is_read_only_in(user, account_id: int | None) -> bool:
    """Whether ``user`` is an active user of ``account_id`` whose role only reads."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.account_id is not None
        and user.account_id == account_id
        and not user.may_write_for(account_id)
    )


def read_only_message() -> str:
    return gettext("Your role in the account is read-only: ask an admin of the account.")


def require_account_manager(user, account_id: int) -> None:
    """Raise unless ``user`` manages ``account_id`` (its team, API keys and webhooks)."""
    if not (user and user.is_authenticated and user.account_id == account_id):
        raise NotFoundForUser(gettext("Not found."))
    if not user.may_manage(account_id):
        raise PermissionRefused(manager_only_message())


def manager_only_message() -> str:
    return gettext("Only the account's owner and admins may do this.")


def may_write_internal_note(item, user) -> bool:
    """Whether ``user`` may write an internal note on ``item``: active staff with "write internal
    notes" (reviewers, senior reviewers and support, SPEC §1; not auditors, who only read), never
    a customer (a customer user cannot be staff: a database constraint). A note is not a step of
    the review, so the item's state does not matter. The review page's note form and
    ``internal_note_add`` both read this."""
    return is_staff_user(user) and user.has_perm(PERM_NOTES)


def require_internal_note(item, user) -> None:
    """Raise a readable error unless ``user`` may write an internal note on ``item``."""
    if not may_write_internal_note(item, user):
        raise PermissionRefused(
            gettext("You may not write internal notes on %(item)s.") % {"item": item}
        )


class ApprovalStep(StrEnum):
    """What an approval over blocking findings records (four eyes, SPEC §3)."""

    FIRST = "first"
    FINAL = "final"


def four_eyes_step(
    *, user, first_approver_ids: Collection[int], claimer_id: int | None
) -> ApprovalStep | None:
    """What the approval of ``user`` records on a revision whose findings block, given who
    already gave a first approval of that revision; None when ``user`` may give none.

    Four eyes is two people (SPEC §3): the final approval needs a first approval by someone
    else and comes from a senior reviewer who is neither the claimer nor a first approver.
    However the claim was taken or reassigned, one person's approval is at most the first: a
    senior stepping in on another reviewer's claim gives the first approval too, a senior who
    holds the claim cannot give the final one, and the first approver gives nothing more. The
    service and the console's buttons both read this."""
    if user.pk in first_approver_ids:
        return None
    if first_approver_ids and is_senior(user) and user.pk != claimer_id:
        return ApprovalStep.FINAL
    return ApprovalStep.FIRST


def action_label(action: Action) -> str:
    """The label of an action's button."""
    return ACTION_LABELS[action]


# Whole sentences per action, so that each language can word them naturally.
ACTION_LABELS = {
    Action.SUBMIT: pgettext_lazy("action", "Submit"),
    Action.EDIT: pgettext_lazy("action", "Edit"),
    Action.WITHDRAW: pgettext_lazy("action", "Withdraw"),
    Action.CLAIM: pgettext_lazy("action", "Claim"),
    Action.RELEASE: pgettext_lazy("action", "Release"),
    Action.REASSIGN: pgettext_lazy("action", "Reassign"),
    Action.APPROVE: pgettext_lazy("action", "Approve"),
    Action.REJECT: pgettext_lazy("action", "Reject"),
    Action.FLAG_FOR_REREVIEW: pgettext_lazy("action", "Flag for re-review"),
    Action.CONFIRM: pgettext_lazy("action", "Confirm"),
    Action.REVOKE: pgettext_lazy("action", "Revoke"),
}

REFUSED_MESSAGES = {
    Action.SUBMIT: gettext_lazy("You may not submit %(item)s."),
    Action.EDIT: gettext_lazy("You may not edit %(item)s."),
    Action.WITHDRAW: gettext_lazy("You may not withdraw %(item)s."),
    Action.CLAIM: gettext_lazy("You may not claim %(item)s."),
    Action.RELEASE: gettext_lazy("You may not release %(item)s."),
    Action.REASSIGN: gettext_lazy("You may not reassign %(item)s."),
    Action.APPROVE: gettext_lazy("You may not approve %(item)s."),
    Action.REJECT: gettext_lazy("You may not reject %(item)s."),
    Action.FLAG_FOR_REREVIEW: gettext_lazy("You may not flag %(item)s for re-review."),
    Action.CONFIRM: gettext_lazy("You may not confirm %(item)s after re-review."),
    Action.REVOKE: gettext_lazy("You may not revoke %(item)s."),
}

WRONG_STATE_MESSAGES = {
    Action.SUBMIT: gettext_lazy(
        "%(item)s is in status “%(state)s”; only a draft can be submitted."
    ),
    Action.EDIT: gettext_lazy("%(item)s is in status “%(state)s” and can no longer be edited."),
    Action.WITHDRAW: gettext_lazy(
        "%(item)s is in status “%(state)s” and can no longer be withdrawn."
    ),
    Action.CLAIM: gettext_lazy(
        "%(item)s is in status “%(state)s”; only an item pending review can be claimed."
    ),
    Action.RELEASE: gettext_lazy(
        "%(item)s is in status “%(state)s”; only a claimed item can be released."
    ),
    Action.REASSIGN: gettext_lazy(
        "%(item)s is in status “%(state)s”; only a claimed item can be reassigned."
    ),
    Action.APPROVE: gettext_lazy(
        "%(item)s is in status “%(state)s”; only an item under review can be approved."
    ),
    Action.REJECT: gettext_lazy(
        "%(item)s is in status “%(state)s”; only an item under review can be rejected."
    ),
    Action.FLAG_FOR_REREVIEW: gettext_lazy(
        "%(item)s is in status “%(state)s”; only an approved item can be flagged for re-review."
    ),
    Action.CONFIRM: gettext_lazy(
        "%(item)s is in status “%(state)s”; only an item under re-review can be confirmed."
    ),
    Action.REVOKE: gettext_lazy(
        "%(item)s is in status “%(state)s”; only an item under re-review can be revoked."
    ),
}
