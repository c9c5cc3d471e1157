"""Against the real PostgreSQL and Redis (marked ``services``): run when DATABASE_URL and
REDIS_URL are set, and fail rather than skip if those services cannot be reached."""

import threading

import pytest
from django.db import connection, connections

from reviewportal.errors import ReviewError, TransitionRefused
from reviewportal.models import ReviewState
from reviewportal.services import lifecycle as lc
from signatures.models import SignatureApplication
from tests.factories import SignatureApplicationFactory, StaffFactory

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_claims_exactly_one_wins(approved_qualification, customer):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    item = lc.review_submit(
        item=SignatureApplicationFactory(qualification=approved_qualification), user=customer
    )
    reviewers = [StaffFactory(role="Reviewer"), StaffFactory(role="Reviewer")]
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def claim(reviewer):
        try:
            stale = SignatureApplication.objects.get(pk=item.pk)
            barrier.wait(timeout=10)
            lc.review_claim(item=stale, user=reviewer)
            outcomes[reviewer.username] = "won"
        except ReviewError as exc:
            outcomes[reviewer.username] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [name for name, result in outcomes.items() if result == "won"]
    losers = [result for result in outcomes.values() if isinstance(result, ReviewError)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], TransitionRefused)
    # The loser is told who has the item (threads speak the default language, Chinese).
    assert winners[0] in str(losers[0])
    item.refresh_from_db()
    assert item.state == ReviewState.UNDER_REVIEW
    assert item.claimed_by.username == winners[0]


@pytest.mark.django_db
def test_health_uses_redis_broker_and_postgresql(client, health_token):
    response = client.get("/health/", **health_token)
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["database"]["vendor"] == "postgresql"
    assert "redis" in body["checks"]["broker"]["transport"].lower()
