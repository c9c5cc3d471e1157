"""A customer reads a notification in the language they switched to, named by the item's name
(a template's name, not its text), and follows its link to the item's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import portal_login
from tests.factories import (
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
    TemplateApplicationFactory,
)
from tests.states import walk_to


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def approved_template(customer):
    """A template approved through the services: its customer was told (in Chinese, their
    saved language)."""
    reviewer, senior = StaffFactory(role="Reviewer"), StaffFactory(role="Senior reviewer")
    actors = {"customer": customer, "reviewer": reviewer, "senior": senior}
    qualification = walk_to(QualificationFactory(account=customer.account), "approved", **actors)
    signature = SignatureApplicationFactory(qualification=qualification)
    signature = walk_to(signature, "approved", **actors)
    template = TemplateApplicationFactory(signature=signature, name="登录验证码")
    return walk_to(template, "approved", **actors)


def test_customer_reads_a_notification_in_english_and_follows_it_to_the_item(
    page, customer, approved_template
):
    name = f"登录验证码 ({approved_template.public_id})"
    portal_login(page, customer)
    page.goto("/portal/notifications/")
    note = page.locator("li.note", has_text=approved_template.public_id)
    expect(note.locator(".note-title")).to_have_text(f"审核通过：模板申请 {name}")

    page.click("form.langswitch button[value=en]")
    page.wait_for_load_state()
    note = page.locator("li.note", has_text=approved_template.public_id)
    expect(note.locator(".note-title")).to_have_text(f"Approved: template application {name}")
    body = f"template application {name} has passed review."
    expect(note.locator(".note-body")).to_have_text(body)
    # Named by its name: the template's text is nowhere in the notification.
    expect(note).not_to_contain_text(approved_template.content)

    note.locator(".note-title a").click()
    page.wait_for_url(re.compile(rf"/portal/templates/{approved_template.public_id}/$"))
    expect(page.locator("body")).to_contain_text("登录验证码")
    expect(page.locator("body")).to_contain_text(approved_template.public_id)
