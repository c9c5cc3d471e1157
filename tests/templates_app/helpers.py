"""What the template tests share besides fixtures: the states a signature can be in that do not
let it carry a template, and how to bring a signature into each of them."""

from reviewportal.models import ReviewState
from reviewportal.services import lifecycle as lc
from tests.states import walk_to

S = ReviewState

#: The pseudo-state of a signature under re-review that bulk re-review suspended.
REREVIEW_SUSPENDED = "rereview_suspended"

#: Every state of a signature but approved: a template may not be made with any of them.
UNAPPROVED_SIGNATURE_STATES = (
    S.DRAFT,
    S.PENDING_REVIEW,
    S.UNDER_REVIEW,
    S.REJECTED,
    S.WITHDRAWN,
    S.REREVIEW,
    REREVIEW_SUSPENDED,
    S.REVOKED,
)

#: The finding a senior puts an approved item back for re-review with (as ``tests.states``).
RULE_CHANGED = {
    "code": "SIG_TYPE_NOT_ACCEPTED",
    "severity": "block",
    "field": "sig_type",
    "message": "rule changed",
    "params": {},
}


def walk_signature_to(signature, state, *, customer, reviewer, senior):
    """``tests.states.walk_to`` for a signature, with re-review suspended as one more state."""
    if state != REREVIEW_SUSPENDED:
        return walk_to(signature, state, customer=customer, reviewer=reviewer, senior=senior)
    approved = walk_to(signature, S.APPROVED, customer=customer, reviewer=reviewer, senior=senior)
    return lc.review_flag_for_rereview(
        item=approved, user=senior, findings=[RULE_CHANGED], suspend=True
    )


def revoke(item, *, senior):
    """Put an approved ``item`` back for re-review and revoke it."""
    item = lc.review_flag_for_rereview(item=item, user=senior, findings=[RULE_CHANGED])
    lc.review_revoke(item=item, user=senior, reasons=["sig_type_not_accepted"])
    return type(item).objects.get(pk=item.pk)
