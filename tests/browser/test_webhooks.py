"""An owner adds a webhook endpoint, copies its secret from the page that shows it once, sends
a test event that a real receiver verifies with that secret, and reads the delivery and its
attempt. Writes portal-webhook-secret.png, portal-webhook-endpoint.png,
portal-webhook-delivery.png and portal-webhooks.png."""

from __future__ import annotations

import os
import re

from playwright.sync_api import expect

from tests.browser.helpers import portal_login
from tests.factories import CustomerFactory
from tests.webhooks.conftest import receiver_serving
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import deliveries_send


def test_owner_adds_an_endpoint_sees_its_secret_and_pings_it(page, screenshot_dir, settings, db):
    # The receiver listens on 127.0.0.1: only tests may send there.
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "ALLOW_PRIVATE_ADDRESSES": True}
    owner = CustomerFactory(first_name="王五")
    with receiver_serving() as receiver:
        portal_login(page, owner)
        page.click('[data-testid="nav-webhooks"]')
        expect(page.locator("h1")).to_have_text("Webhook")
        page.fill("#id_url", receiver.url)
        page.check('input[name="event_types"][value="signature.approved"]')
        page.check('input[name="event_types"][value="filing.updated"]')
        page.fill("#id_description", "ERP 同步")
        page.click('[data-testid="add-endpoint"]')

        shown = page.get_by_test_id("new-secret")
        expect(shown).to_have_value(re.compile(r"^whsec_[A-Za-z0-9+/=]{40,}$"))
        secret = shown.input_value()
        page.click("button[data-copy]")
        assert page.evaluate("document.activeElement.id") == "new-secret"
        page.screenshot(
            path=os.path.join(screenshot_dir, "portal-webhook-secret.png"), full_page=True
        )
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.event_types == ["signature.approved", "filing.updated"]
        receiver.secrets.append(secret)

        page.click('[data-testid="secret-copied"]')
        assert secret not in page.content()
        page.click('[data-testid="ping"]')
        expect(page.locator(".messages")).to_contain_text("测试事件")
        delivery = WebhookDelivery.objects.get()
        row = page.locator(f'tr[data-delivery="{delivery.public_id}"]')
        expect(row.get_by_test_id("delivery-state")).to_have_text("等待发送")

        # What a worker does: the receiver checks the signature with the secret the page showed.
        assert deliveries_send(delivery_ids=[delivery.pk]).succeeded == [delivery.pk]
        assert [p["type"] for p in receiver.accepted] == ["ping"] and receiver.refused == []
        page.reload()
        expect(row.get_by_test_id("delivery-state")).to_have_text("已送达")
        expect(row).to_contain_text("HTTP 204")
        page.screenshot(
            path=os.path.join(screenshot_dir, "portal-webhook-endpoint.png"), full_page=True
        )

        row.locator("a").first.click()
        expect(page.locator('tr[data-attempt="1"]')).to_contain_text("HTTP 204")
        expect(page.locator("pre.payload")).to_contain_text(endpoint.public_id)
        page.screenshot(
            path=os.path.join(screenshot_dir, "portal-webhook-delivery.png"), full_page=True
        )

        page.click('[data-testid="nav-webhooks"]')
        listed = page.locator(f'tr[data-endpoint="{endpoint.public_id}"]')
        expect(listed.get_by_test_id("endpoint-state")).to_have_text("已启用")
        expect(listed.get_by_test_id("delivery-state")).to_have_text("已送达")
        page.screenshot(path=os.path.join(screenshot_dir, "portal-webhooks.png"), full_page=True)
