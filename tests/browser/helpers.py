"""What the browser tests share: logging in to the console and to the portal, and items in the
states a page is about."""

from __future__ import annotations

import datetime as dt

from reviewportal.models import DecisionOutcome
from reviewportal.services import lifecycle as lc
from signatures.services import signature_application_create
from tests.factories import PASSWORD, StaffFactory, make_material


def console_login(page, user) -> None:
    """Log ``user`` (staff) in to the reviewer console and wait for its index page."""
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def portal_login(page, user) -> None:
    """Log ``user`` (a customer) in to the portal (the header's language switch is a submit
    button too: the form's own is the primary one) and wait to leave the login page."""
    page.goto("/portal/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def first_approved_over_blocking(qualification, customer):
    """An app-name signature of ``qualification`` submitted while app names were still accepted
    (blocking now, seed 004, 2026.4.23), claimed and given its first approval by a reviewer:
    it waits for a senior reviewer's second approval. Returns the item and that reviewer."""
    item = signature_application_create(
        account=qualification.account,
        user=customer,
        qualification=qualification,
        sig_type="app",
        content="极光推送",
        materials=[make_material(qualification.account, "icp_screenshot", user=customer)],
    )
    item = lc.review_submit(item=item, user=customer, checks_as_of=dt.date(2026, 4, 20))
    reviewer = StaffFactory(role="Reviewer")
    item = lc.review_claim(item=item, user=reviewer)
    assert lc.review_approve(item=item, user=reviewer).outcome == DecisionOutcome.FIRST_APPROVAL
    return item, reviewer
