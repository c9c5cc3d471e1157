"""Carrier reasons and the customer's re-file in a real browser.

1. A filing China Unicom rejected shows, beside its code, what the code means and what to do
   next, in Chinese by default and in English after the language switch.
2. The customer re-files it with the row's button and then sees the attempt: how many re-files,
   when the last one was, and the filing's new state; the button is gone until the carrier
   answers again."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from carriers.models import Carrier, CarrierFiling, CarrierReason, CustomerRefile, FilingState
from carriers.services import filing_result_enter
from reviewportal.services.sla import business_tz
from tests.browser.helpers import portal_login
from tests.browser.test_carrier_availability import approved_signature

F = FilingState


def _rejected_by_unicom(people):
    item = approved_signature(people)
    filing = CarrierFiling.objects.of(item).get(carrier__code="cucc")
    # Submitted after the approval's commit; staff enter what China Unicom answered.
    assert filing.state == F.SUBMITTED
    filing_result_enter(filing=filing, user=people["senior"], status="rejected", reason="CU-4007")
    return item, filing


def _row(page, code: str):
    return page.locator(f'tbody tr[data-carrier="{code}"]')


def test_rejected_filing_shows_its_explanation_and_next_step(
    eager_tasks, page, carriers, people, screenshot_dir
):
    item, _filing = _rejected_by_unicom(people)
    entry = CarrierReason.objects.get(code="CU-4007")

    portal_login(page, people["customer"])
    page.goto(f"/portal/signatures/{item.public_id}/")
    row = _row(page, "cucc")
    expect(row.locator(".badge")).to_have_class(re.compile("fl-rejected"))
    reason = row.locator('.carrier-reason[data-code="CU-4007"]')
    expect(reason).to_contain_text("CU-4007")
    expect(reason.locator(".reason-explanation")).to_have_text(entry.explanation_zh)
    expect(reason.locator(".reason-next-step")).to_contain_text(entry.next_step_zh)
    page.screenshot(path=f"{screenshot_dir}/carrier-reason-zh.png", full_page=True)

    # The reader switches to English: the same reason in English.
    page.click('form.langswitch button[name=language][value="en"]')
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    reason = _row(page, "cucc").locator('.carrier-reason[data-code="CU-4007"]')
    expect(reason.locator(".reason-explanation")).to_have_text(entry.explanation_en)
    expect(reason.locator(".reason-next-step")).to_contain_text(entry.next_step_en)

    # The list page names the code, with the explanation on hover.
    page.goto("/portal/signatures/")
    name = Carrier.objects.get(code="cucc").name_en
    code = page.locator(
        f'tbody tr:has-text("{item.public_id}") .carrier-cell[data-label="{name}"] code'
    )
    expect(code).to_have_text("CU-4007")
    expect(code).to_have_attribute("title", re.compile(re.escape(entry.explanation_en)))


def test_customer_refiles_a_rejected_filing_and_sees_the_attempt(
    eager_tasks, page, carriers, people, screenshot_dir
):
    item, filing = _rejected_by_unicom(people)
    portal_login(page, people["customer"])
    page.goto(f"/portal/signatures/{item.public_id}/")
    # Only the rejected filing has the button.
    expect(page.locator('[data-testid="refile"]')).to_have_count(1)
    row = _row(page, "cucc")
    row.locator('[data-testid="refile"]').click()
    page.wait_for_url(f"**/portal/signatures/{item.public_id}/")

    expect(page.locator(".messages .alert-success")).to_contain_text(item.public_id)
    refile = CustomerRefile.objects.get(filing=filing)
    assert refile.requested_by == people["customer"]
    row = _row(page, "cucc")
    history = row.locator(".refile-history")
    expect(history).to_have_attribute("data-count", "1")
    expect(history).to_contain_text(
        refile.requested_at.astimezone(business_tz()).strftime("%Y-%m-%d %H:%M")
    )
    # Sent again after the commit: the carrier has the new generation, its answer is pending.
    current = CarrierFiling.objects.get(pk=filing.pk)
    assert current.generation == 2 and current.state in (F.QUEUED, F.SUBMITTED)
    expect(row.locator(".badge")).to_have_class(re.compile(f"fl-{current.state}"))
    expect(row.locator(".carrier-reason")).to_have_count(0)
    expect(page.locator('[data-testid="refile"]')).to_have_count(0)
    page.screenshot(path=f"{screenshot_dir}/carrier-refiled.png", full_page=True)

    # Rejected again straight away: the page says when it may be re-filed, instead of a button.
    filing_result_enter(filing=current, user=people["senior"], status="rejected", reason="CU-4007")
    page.reload()
    row = _row(page, "cucc")
    expect(row.locator('[data-testid="refile"]')).to_have_count(0)
    expect(row.locator(".refile-refused")).to_be_visible()
