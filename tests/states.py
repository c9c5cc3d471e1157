"""Bringing an application into any review state the way it happens in real life: through the
lifecycle services, never by writing the state field."""

from __future__ import annotations

from reviewportal.models import ReviewState
from reviewportal.services import lifecycle as lc

S = ReviewState


def walk_to(item, state: str, *, customer, reviewer, senior):
    """Move a draft ``item`` to ``state`` through the services and return the fresh item."""
    if state == S.DRAFT:
        return item
    item = lc.review_submit(item=item, user=customer)
    if state == S.PENDING_REVIEW:
        return item
    if state == S.WITHDRAWN:
        return lc.review_withdraw(item=item, user=customer)
    item = lc.review_claim(item=item, user=reviewer)
    if state == S.UNDER_REVIEW:
        return item
    if state == S.REJECTED:
        lc.review_reject(item=item, user=reviewer, reasons=["other"], comment="请补充材料")
        return type(item).objects.get(pk=item.pk)
    lc.review_approve(item=item, user=reviewer)
    item = type(item).objects.get(pk=item.pk)
    if state == S.APPROVED:
        return item
    finding = {
        "code": "SIG_TYPE_NOT_ACCEPTED",
        "severity": "block",
        "field": "sig_type",
        "message": "rule changed",
        "params": {},
    }
    item = lc.review_flag_for_rereview(item=item, user=senior, findings=[finding])
    if state == S.REREVIEW:
        return item
    if state == S.REVOKED:
        lc.review_revoke(item=item, user=senior, reasons=["sig_type_not_accepted"])
        return type(item).objects.get(pk=item.pk)
    raise ValueError(f"unknown state {state}")
