"""The idle-claim release of one item: the boundary of the idle time, what it leaves alone, and
what it writes in the item's history."""

from datetime import timedelta

import pytest
from django_fsm_log.models import StateLog

from reviewportal.services import lifecycle as lc
from reviewportal.services.claims import review_claim_expire
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
