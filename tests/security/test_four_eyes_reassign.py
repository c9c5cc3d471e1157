"""Four eyes over blocking findings (SPEC §3): the final approval needs a recorded first approval
by someone else and a senior reviewer who did not give it. Stepping in on another reviewer's
claim, or claiming and reassigning, never lets one person approve alone; the console offers
exactly the approval the service would record."""

import datetime as dt

import pytest

from reviewportal.errors import PermissionRefused
from reviewportal.models import DecisionOutcome, ReviewState
from reviewportal.selectors import decisions_for
from reviewportal.services import lifecycle as lc
from signatures.services import signature_application_create
from tests.console.conftest import url
from tests.factories import make_material

S = ReviewState
BEFORE_APP_BAN = dt.date(2026, 4, 20)


@pytest.fixture
def blocked_item(approved_qualification, customer):
    """A pending app-name signature submitted before the ban: SIG_TYPE_NOT_ACCEPTED blocks
    when it is approved today."""
    item = signature_application_create(
        account=approved_qualification.account,
        user=customer,
        qualification=approved_qualification,
        sig_type="app",
        content="极光推送",
        materials=[make_material(approved_qualification.account, "icp_screenshot", user=customer)],
    )
    return lc.review_submit(item=item, user=customer, checks_as_of=BEFORE_APP_BAN)


def _outcomes(item):
    return [d.outcome for d in decisions_for(item)]


def test_four_eyes_senior_stepping_in_on_a_claim_alone_is_only_a_first_approval(
    blocked_item, reviewer, senior
):
    item = lc.review_claim(item=blocked_item, user=reviewer)
    decision = lc.review_approve(item=item, user=senior)
    assert decision.outcome == DecisionOutcome.FIRST_APPROVAL
    item.refresh_from_db()
    assert item.state == S.UNDER_REVIEW
    # Nor can the claimer, a plain reviewer, turn it into a final approval.
    assert lc.review_approve(item=item, user=reviewer).outcome == DecisionOutcome.FIRST_APPROVAL
    item.refresh_from_db()
    assert item.state == S.UNDER_REVIEW


def test_four_eyes_senior_claiming_and_reassigning_cannot_approve_alone(
    blocked_item, reviewer, senior, senior2
):
    item = lc.review_claim(item=blocked_item, user=senior)
    item = lc.review_reassign(item=item, user=senior, to=reviewer)
    decision = lc.review_approve(item=item, user=senior)
    assert decision.outcome == DecisionOutcome.FIRST_APPROVAL
    with pytest.raises(PermissionRefused, match="other than you"):
        lc.review_approve(item=item, user=senior)
    item.refresh_from_db()
    assert item.state == S.UNDER_REVIEW
    assert _outcomes(item) == [DecisionOutcome.FIRST_APPROVAL]
    # A second senior finishes it.
    assert lc.review_approve(item=item, user=senior2).outcome == DecisionOutcome.APPROVE


def test_four_eyes_senior_reassigning_to_himself_cannot_approve_alone(blocked_item, senior):
    item = lc.review_claim(item=blocked_item, user=senior)
    item = lc.review_reassign(item=item, user=senior, to=senior)
    assert lc.review_approve(item=item, user=senior).outcome == DecisionOutcome.FIRST_APPROVAL
    with pytest.raises(PermissionRefused):
        lc.review_approve(item=item, user=senior)
    item.refresh_from_db()
    assert item.state == S.UNDER_REVIEW


def test_four_eyes_senior_first_approver_reassigned_back_to_himself_is_refused(
    blocked_item, reviewer, senior
):
    item = lc.review_claim(item=blocked_item, user=senior)
    assert lc.review_approve(item=item, user=senior).outcome == DecisionOutcome.FIRST_APPROVAL
    item = lc.review_reassign(item=item, user=senior, to=reviewer)
    item = lc.review_reassign(item=item, user=senior, to=senior)
    with pytest.raises(PermissionRefused):
        lc.review_approve(item=item, user=senior)
    item.refresh_from_db()
    assert item.state == S.UNDER_REVIEW
    assert _outcomes(item) == [DecisionOutcome.FIRST_APPROVAL]


def _approve_button(page: str, item) -> bool:
    return url(item, "act", "approve") in page


def test_four_eyes_console_buttons_follow_the_service(client, blocked_item, reviewer, senior):
    item = lc.review_claim(item=blocked_item, user=reviewer)
    client.force_login(senior)
    page = client.get(url(item)).content.decode()
    # Stepping in offers the first approval, not a final one.
    assert _approve_button(page, item)
    assert 'data-approval="first"' in page
    client.post(url(item, "act", "approve"))
    item.refresh_from_db()
    assert item.state == S.UNDER_REVIEW
    # The first approver gets no approve button: the service would refuse it.
    page = client.get(url(item)).content.decode()
    assert not _approve_button(page, item)


def test_four_eyes_console_offers_the_final_approval_to_a_second_senior(
    client, blocked_item, reviewer, senior
):
    item = lc.review_claim(item=blocked_item, user=reviewer)
    lc.review_approve(item=item, user=reviewer)
    client.force_login(senior)
    page = client.get(url(item)).content.decode()
    assert 'data-approval="final"' in page
    client.post(url(item, "act", "approve"))
    item.refresh_from_db()
    assert item.state == S.APPROVED


def test_four_eyes_claimer_senior_cannot_give_the_final_approval(
    blocked_item, reviewer, senior, senior2
):
    """SPEC §3: the final approver is neither the claimer nor the first approver."""
    item = lc.review_claim(item=blocked_item, user=reviewer)
    assert lc.review_approve(item=item, user=reviewer).outcome == DecisionOutcome.FIRST_APPROVAL
    item = lc.review_reassign(item=item, user=senior, to=senior)
    decision = lc.review_approve(item=item, user=senior)
    assert decision.outcome == DecisionOutcome.FIRST_APPROVAL
    item.refresh_from_db()
    assert item.state == S.UNDER_REVIEW
    # A senior who neither holds the claim nor approved first gives the final approval.
    assert lc.review_approve(item=item, user=senior2).outcome == DecisionOutcome.APPROVE
