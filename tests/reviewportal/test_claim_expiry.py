"""The idle-claim release of one item (the boundary of the idle time, what it leaves alone, what it
writes in the item's history) and the sweep's cutoff: it returns the claims older than the idle
time, and leaves a claim exactly as old as the idle time for the next sweep."""

from datetime import timedelta

import pytest
from django_fsm_log.models import StateLog

from reviewportal.services import lifecycle as lc
from reviewportal.services.claims import review_claim_expire, review_claims_expire_run
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


def test_a_claim_exactly_as_old_as_the_idle_time_is_released(claimed, idle):
    assert review_claim_expire(item=claimed, now=claimed.claimed_at + idle) is True
    claimed.refresh_from_db()
    assert claimed.state == "pending_review" and claimed.claimed_at is None


def test_a_claim_younger_than_the_idle_time_stays(claimed, idle):
    moment = claimed.claimed_at + idle - timedelta(seconds=1)
    assert review_claim_expire(item=claimed, now=moment) is False
    claimed.refresh_from_db()
    assert claimed.state == "under_review"


def test_the_release_is_logged_by_the_system_with_the_idle_minutes(claimed, idle, settings):
    review_claim_expire(item=claimed, now=claimed.claimed_at + idle)
    log = StateLog.objects.for_(claimed).latest("pk")
    minutes = settings.REVIEW_POLICY["CLAIM_IDLE_MINUTES"]
    assert log.transition == "release" and log.by is None
    assert log.description == f"claim expired after {minutes} idle minutes"


def test_an_item_no_longer_under_review_is_left_alone_even_with_a_claim_time_left_behind(
    claimed, idle
):
    # Every transition out of review clears the claim; rows written otherwise (an import, a
    # hand edit) may still carry one, and the sweep must not try to release a decided item.
    type(claimed).objects.filter(pk=claimed.pk).update(state="approved")
    assert review_claim_expire(item=claimed, now=claimed.claimed_at + idle * 2) is False
    claimed.refresh_from_db()
    assert claimed.state == "approved"


# --- the sweep ---------------------------------------------------------------------------------


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
