"""The queue's "claim next" against the real PostgreSQL (marked ``services``): rows another
transaction has locked are skipped, so reviewers clicking at the same moment get different items
and nobody waits for anybody."""

import threading

import pytest
from django.db import connection, connections, transaction

from reviewportal.models import ReviewState
from reviewportal.services.claims import review_claim_next
from signatures.models import SignatureApplication
from tests.factories import StaffFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_claim_next_skips_the_head_while_another_reviewer_holds_it(make_signature, reviewer2):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    head, second = make_signature(), make_signature()
    locked, release, outcome = threading.Event(), threading.Event(), {}

    def hold_head():
        # Another reviewer's "claim next" that has locked the head and not yet committed.
        try:
            with transaction.atomic():
                SignatureApplication.objects.select_for_update().get(pk=head.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_head)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        claimed = review_claim_next(user=reviewer2)
        outcome["claimed"] = claimed.pk
    finally:
        release.set()
        holder.join(timeout=30)

    assert outcome["claimed"] == second.pk
    head.refresh_from_db()
    assert head.state == ReviewState.PENDING_REVIEW and head.claimed_by is None


def test_reviewers_clicking_at_once_get_different_items(make_signature):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    items = [make_signature() for _ in range(4)]
    reviewers = [StaffFactory(role="Reviewer") for _ in range(4)]
    barrier = threading.Barrier(len(reviewers))
    claimed: dict[str, int | None] = {}
    errors: list[BaseException] = []

    def click(user):
        try:
            barrier.wait(timeout=10)
            item = review_claim_next(user=user)
            claimed[user.username] = item.pk if item else None
        except BaseException as exc:  # reported below with the thread's reviewer
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert sorted(claimed.values()) == sorted(item.pk for item in items), claimed
    for item in items:
        item.refresh_from_db()
        assert item.state == ReviewState.UNDER_REVIEW
        assert claimed[item.claimed_by.username] == item.pk
