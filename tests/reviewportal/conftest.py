"""Fixtures of the review-kernel tests."""

import datetime as dt

import pytest

from reviewportal.services import lifecycle as lc
from signatures.services import signature_application_create
from tests.factories import make_material
from tests.reviewportal.records import NOW

#: App-name signatures are accepted before this day and refused from 2026-05-01 (seed 004).
BEFORE_APP_BAN = dt.date(2026, 4, 20)


@pytest.fixture
def app_signature_under_review(approved_qualification, customer, reviewer):
    """An app-name signature submitted while app names were accepted, claimed after the ban:
    SIG_TYPE_NOT_ACCEPTED blocks now (seed 004, 2026.4.23), so an approval needs two people."""
    item = signature_application_create(
        account=approved_qualification.account,
        user=customer,
        qualification=approved_qualification,
        sig_type="app",
        content="极光推送",
        materials=[make_material(approved_qualification.account, "icp_screenshot", user=customer)],
    )
    item = lc.review_submit(item=item, user=customer, checks_as_of=BEFORE_APP_BAN)
    assert not any(f["severity"] == "block" for f in item.current_revision.findings)
    return lc.review_claim(item=item, user=reviewer)


@pytest.fixture
def at_now(time_machine):
    """The clock stands still at ``NOW`` (``tests/reviewportal/records.py``), so that what a
    step records can be compared with the instant exactly."""
    time_machine.move_to(NOW, tick=False)
