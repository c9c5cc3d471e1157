"""Carrier results as a customer sees them in a real browser.

1. On the demo's clocks (`scripts/run`: a working day lasts a second, inactivity keeps real
   days) an approved signature is decided by the first check and one poll, under a minute, and
   is still registered and usable an hour and a day later (the working-day scale used to clear
   it after 90 seconds).
2. 可用 (usable) is shown only for a filing that is registered and active: not for a submitted,
   rejected, cleared or queued one, nor a registered one marked inactive — on the portal's list
   and detail pages and on the console's review page."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone, translation
from playwright.sync_api import expect

from carriers.models import Carrier, CarrierFiling, FilingState
from carriers.services import (
    filing_availability_set,
    filing_result_enter,
    filings_clearance_check,
    filings_poll,
    inactivity_warn,
)
from reviewportal.models import Notification
from tests.browser.helpers import portal_login
from tests.carriers.test_demo_time import DEMO, load_settings, schedule
from tests.factories import (
    PASSWORD,
    SignatureApplicationFactory,
)
from tests.states import walk_to

F = FilingState


def approved_signature(people, **fields):
    item = SignatureApplicationFactory(qualification=people["qualification"], **fields)
    return walk_to(
        item,
        "approved",
        customer=people["customer"],
        reviewer=people["reviewer"],
        senior=people["senior"],
    )


def usable_label(usable: bool) -> str:
    """The words a Chinese page uses for a filing's usability."""
    with translation.override("zh-hans"):
        return translation.pgettext("carrier filing", "Usable" if usable else "Not usable")


def expect_filing(page, code: str, *, state: str, usable: bool | None) -> None:
    """The detail page's row of carrier ``code`` (found by the carrier's name, as a customer
    reads it): its state badge, then its usability (unless ``usable`` is None)."""
    name = Carrier.objects.get(code=code).name_zh
    row = page.locator("tbody tr", has=page.locator("td:first-child", has_text=name))
    expect(row.locator(".badge")).to_have_class(re.compile(f"fl-{state}"))
    if usable is None:
        return
    cell = row.locator("td").nth(2)
    if not usable:
        expect(cell).not_to_have_text("可用")
    expect(cell).to_have_text(usable_label(usable))
    expect(cell).to_have_attribute("data-usable", "yes" if usable else "no")


def test_demo_carriers_answer_within_a_minute_and_the_signature_stays_registered(
    eager_tasks, page, carriers, people, time_machine, monkeypatch, tmp_path, screenshot_dir
):
    demo = load_settings(monkeypatch, tmp_path, **DEMO)
    carriers["STUB"]["TIME_SCALE"] = demo.CARRIER_POLICY["STUB"]["TIME_SCALE"]
    first = demo.CARRIER_POLICY["FIRST_CHECK_SECONDS"]
    poll = schedule(demo, "carrier-results-poll")

    # Approved: submitted after commit (the worker's first check finds nothing decided yet).
    item = approved_signature(people)
    filings = {f.carrier.code: f for f in CarrierFiling.objects.of(item).select_related("carrier")}
    assert {f.state for f in filings.values()} == {F.SUBMITTED}
    portal_login(page, people["customer"])
    page.goto(f"/portal/signatures/{item.public_id}/")
    for code in filings:
        expect_filing(page, code, state=F.SUBMITTED, usable=None)

    # The first check and one poll later, every carrier has decided...
    time_machine.move_to(timezone.now() + timedelta(seconds=first + poll), tick=True)
    filings_poll()  # what beat sends every `poll` seconds
    states = {code: CarrierFiling.objects.get(pk=f.pk).state for code, f in filings.items()}
    assert set(states.values()) <= {F.REGISTERED, F.REJECTED} and F.REGISTERED in states.values()
    # ...within a minute of the approval.
    assert first + poll <= 60
    told = Notification.objects.filter(recipient=people["customer"]).count()
    page.reload()
    for code, state in states.items():
        expect_filing(page, code, state=state, usable=state == F.REGISTERED)
    page.screenshot(path=f"{screenshot_dir}/carrier-demo-registered.png", full_page=True)

    # An hour and a day later (far past the 90 s the working-day scale once gave), the daily
    # clearance check and the warning run find nothing to clear or warn about.
    for later in (timedelta(hours=1), timedelta(days=1)):
        time_machine.move_to(timezone.now() + later, tick=True)
        filings_clearance_check()
        assert inactivity_warn() == 0
        page.reload()
        for code, state in states.items():
            expect_filing(page, code, state=state, usable=state == F.REGISTERED)
        expect(page.locator(".badge.fl-cleared")).to_have_count(0)
    assert Notification.objects.filter(recipient=people["customer"]).count() == told


def test_usable_is_shown_only_for_registered_and_active_filings(
    eager_tasks, page, carriers, people, screenshot_dir
):
    staff = people["senior"]
    first, second = approved_signature(people), approved_signature(people)
    # Submitted after the approvals' commits; staff enter what the carriers answered.
    a, b = ({f.carrier.code: f for f in CarrierFiling.objects.of(item)} for item in (first, second))
    assert {f.state for f in (*a.values(), *b.values())} == {F.SUBMITTED}
    filing_result_enter(filing=a["cmcc"], user=staff, status="registered")
    filing_result_enter(filing=a["cucc"], user=staff, status="rejected", reason="CU-4007")
    # a["ctcc"] stays submitted.
    filing_result_enter(filing=b["cmcc"], user=staff, status="registered")
    filing_result_enter(filing=b["cmcc"], user=staff, status="cleared", reason="CM-C900")
    filing_result_enter(filing=b["cucc"], user=staff, status="registered")
    filing_availability_set(filing=b["cucc"], user=staff, active=False)
    filing_result_enter(filing=b["ctcc"], user=staff, status="registered")
    expected = {
        first: {
            "cmcc": (F.REGISTERED, True),
            "cucc": (F.REJECTED, False),
            "ctcc": (F.SUBMITTED, False),
        },
        second: {
            "cmcc": (F.CLEARED, False),
            "cucc": (F.REGISTERED, False),
            "ctcc": (F.REGISTERED, True),
        },
    }

    portal_login(page, people["customer"])
    for item, rows in expected.items():
        page.goto(f"/portal/signatures/{item.public_id}/")
        # Those that are not usable first: showing one of them as 可用 is the defect.
        for code, (state, usable) in sorted(rows.items(), key=lambda row: row[1][1]):
            expect_filing(page, code, state=state, usable=usable)
    page.screenshot(path=f"{screenshot_dir}/carrier-usable-detail.png", full_page=True)

    page.goto("/portal/signatures/")
    names = dict(Carrier.objects.values_list("code", "name_zh"))
    for item, rows in expected.items():
        row = page.locator("tbody tr", has_text=item.public_id)
        for code, (state, usable) in sorted(rows.items(), key=lambda row: row[1][1]):
            badge = row.locator(f'.carrier-cell[data-label="{names[code]}"] .badge')
            expect(badge).to_have_class(re.compile(f"fl-{state}"))
            expect(badge).to_have_attribute("title", usable_label(usable))
            expect(badge).to_have_attribute("data-usable", "yes" if usable else "no")

    # The console's review page says the same to staff.
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    for item, rows in expected.items():
        page.goto(f"/admin/signatures/signatureapplication/{item.pk}/change/")
        for code, (_state, usable) in sorted(rows.items(), key=lambda row: row[1][1]):
            cell = page.locator(f'tr[data-carrier="{code}"] td').nth(3)
            if not usable:
                expect(cell).not_to_have_text("可用")
            expect(cell).to_contain_text(usable_label(usable))
            expect(cell).to_have_attribute("data-usable", "yes" if usable else "no")
