"""An owner makes an API key, copies it from the page that shows it once, finds it in the list
by its prefix only, and revokes it; the team page shows each colleague's role with the
owner's controls. Writes portal-api-key-created.png, portal-api-keys.png and portal-team.png."""

from __future__ import annotations

import os
import re

from playwright.sync_api import expect

from reviewportal.models import AccountRole, ApiKey
from reviewportal.services.api_keys import KeyRefused, api_key_authenticate
from tests.browser.helpers import portal_login
from tests.factories import CustomerFactory


def test_owner_makes_copies_and_revokes_an_api_key(page, screenshot_dir, db):
    owner = CustomerFactory(first_name="王五")
    CustomerFactory(account=owner.account, account_role=AccountRole.ADMIN, first_name="李四")
    CustomerFactory(account=owner.account, account_role=AccountRole.VIEWER, first_name="赵六")
    portal_login(page, owner)

    page.click('[data-testid="nav-api-keys"]')
    page.fill("#id_name", "ERP 同步")
    page.check('input[name="scope"][value="write"]')
    page.fill("#id_allowed_networks", "203.0.113.0/24\n2001:db8::/32")
    page.click('[data-testid="make-key"]')

    shown = page.get_by_test_id("new-key")
    expect(shown).to_have_value(re.compile(r"^rpk_[a-z0-9]{12}_\S{40,}$"))
    token = shown.input_value()
    page.click("button[data-copy]")
    # Selected for Ctrl-C whether or not the clipboard could be written.
    assert page.evaluate("document.activeElement.id") == "new-key"
    page.screenshot(path=os.path.join(screenshot_dir, "portal-api-key-created.png"), full_page=True)
    key = ApiKey.objects.get()
    assert api_key_authenticate(token, ip="203.0.113.8") == key

    page.click("a.btn.primary[href$='/api-keys/']")
    row = page.locator(f'tr[data-key="{key.key_id}"]')
    expect(row).to_contain_text(key.prefix)
    expect(row.get_by_test_id("key-status")).to_have_text("有效")
    assert token.split("_", 2)[2] not in page.content()
    page.screenshot(path=os.path.join(screenshot_dir, "portal-api-keys.png"), full_page=True)

    row.get_by_test_id("revoke").click()
    page.click('[data-testid="confirm-revoke"]')
    expect(page.locator(".messages")).to_contain_text("已撤销")
    expect(row.get_by_test_id("key-status")).to_have_text("已撤销")
    try:
        api_key_authenticate(token, ip="203.0.113.8")
    except KeyRefused as refusal:
        assert refusal.code == "revoked_key"
    else:
        raise AssertionError("a revoked key still works")

    page.goto("/portal/account/")
    expect(page.locator("tr[data-member] .badge")).to_have_count(3)
    page.screenshot(path=os.path.join(screenshot_dir, "portal-team.png"), full_page=True)
