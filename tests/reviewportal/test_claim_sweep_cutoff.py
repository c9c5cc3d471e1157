"""The idle-claim sweep's cutoff: it returns the claims older than the idle time to the queue,
and leaves a claim exactly as old as the idle time for the next sweep."""

from datetime import timedelta

import pytest

from reviewportal.services import lifecycle as lc
from reviewportal.services.claims import review_claims_expire_run
from tests.factories import SignatureApplicationFactory
from tests.states import walk_to


@pytest.fixture
def claimed(approved_qualification, customer, reviewer, senior):
    item = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯华谷"),
        "pending_review", customer=customer, reviewer=reviewer, senior=senior,
    )  # fmt: skip
    return lc.review_claim(item=item, user=reviewer)


@pytest.fixture
def idle(settings):
    return timedelta(minutes=settings.REVIEW_POLICY["CLAIM_IDLE_MINUTES"])


def test_the_sweep_leaves_a_claim_exactly_as_old_as_the_idle_time(claimed, idle):
    assert review_claims_expire_run(now=claimed.claimed_at + idle) == 0
    claimed.refresh_from_db()
    assert claimed.state == "under_review"
    assert claimed.claimed_by is not None


def test_the_sweep_returns_a_claim_a_moment_older_than_the_idle_time(claimed, idle):
    moment = claimed.claimed_at + idle + timedelta(microseconds=1)
    assert review_claims_expire_run(now=moment) == 1
    claimed.refresh_from_db()
    assert claimed.state == "pending_review"
    assert claimed.claimed_by is None and claimed.claimed_at is None


def test_the_sweep_leaves_a_fresh_claim_as_of_a_later_moment_short_of_the_idle_time(claimed, idle):
    assert review_claims_expire_run(now=claimed.claimed_at + idle / 2) == 0
    claimed.refresh_from_db()
    assert claimed.state == "under_review"
