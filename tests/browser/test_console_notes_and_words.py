"""Neutral words and internal notes in a real browser: a senior reviewer adds a neutral word in
the console and the customer's live pre-check blocks it at once, then disables it and the check
lets it through; support writes an internal note on a review page, an auditor reads it in the
timeline, and the customer's own page of the item never shows it."""

from __future__ import annotations

import contextlib

from playwright.sync_api import expect

from reviewportal.models import InternalNote
from signatures.models import NeutralWord
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
)
from tests.states import walk_to

WORDS = "/admin/signatures/neutralword/"
#: In order and contiguous in the factory's registered name, so only SIG_NEUTRAL can block it.
GENERIC = "信息技术"


def _console_login(page, user):
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


@contextlib.contextmanager
def _customer_page(chromium, live_server, customer):
    """A second browser (the customer's), logged in to the portal, under the same content
    security policy watch as the ``page`` fixture."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda error: blocked.append(f"script error: {error}"))
    page.goto("/portal/login/")
    page.fill("#id_username", customer.username)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/portal/" in url and "/login/" not in url)
    try:
        yield page
    finally:
        context.close()
    assert not blocked, "the page broke its content security policy:\n" + "\n".join(blocked)


def _approved_qualification():
    customer = CustomerFactory()
    qualification = QualificationFactory(account=customer.account)
    qualification = walk_to(
        qualification,
        "approved",
        customer=customer,
        reviewer=StaffFactory(role="Reviewer"),
        senior=None,
    )
    return qualification, customer


def _type_signature(page, content) -> set[str]:
    """Type ``content`` afresh, so that the live check runs again against the list in force;
    return the codes the check answered."""
    with page.expect_response(lambda r: "/portal/signatures/precheck/" in r.url) as answer:
        page.fill("#id_content", "")
        page.fill("#id_content", content)
    return {f["code"] for f in answer.value.json()["findings"]}


def test_senior_adds_and_disables_a_neutral_word_and_the_live_check_follows(
    page, chromium, live_server, screenshot_dir
):
    qualification, customer = _approved_qualification()
    senior = StaffFactory(role="Senior reviewer", first_name="李强")

    with _customer_page(chromium, live_server, customer) as portal:
        portal.goto("/portal/signatures/new/")
        portal.select_option("#id_qualification", qualification.public_id)
        portal.fill("#id_use_case", "注册登录验证码与订单通知")
        assert "SIG_NEUTRAL" not in _type_signature(portal, GENERIC)
        expect(portal.locator("button[data-submit]")).to_be_enabled()

        # The senior reviewer adds the word in the console.
        _console_login(page, senior)
        page.goto(WORDS)
        expect(page.locator("#result_list")).to_contain_text("客服通知")
        page.click("a.addlink")
        page.fill("#id_word", GENERIC)
        page.fill("#id_note", "行业泛称，不能识别发送方")
        page.click("input[name=_save]")
        page.wait_for_url(f"**{WORDS}")
        expect(page.locator(".messagelist .success")).to_have_count(1)
        row = page.locator("#result_list tbody tr", has_text=GENERIC)
        expect(row).to_have_count(1)
        page.screenshot(path=f"{screenshot_dir}/console-neutral-words.png", full_page=True)
        assert NeutralWord.objects.get(word=GENERIC).is_active

        # The customer's next check blocks it.
        assert "SIG_NEUTRAL" in _type_signature(portal, GENERIC)
        expect(portal.locator("#findings")).to_contain_text("SIG_NEUTRAL")
        expect(portal.locator("button[data-submit]")).to_be_disabled()
        portal.screenshot(path=f"{screenshot_dir}/portal-neutral-word.png", full_page=True)

        # Disabled in the list (never deleted): the next check lets it through again.
        assert page.locator("#action-toggle").count() == 1
        assert page.locator("select[name=action] option[value=delete_selected]").count() == 0
        row.locator("input[type=checkbox][name$='-is_active']").uncheck()
        page.click("input[name=_save]")
        expect(page.locator(".messagelist .success")).to_have_count(1)
        word = NeutralWord.objects.get(word=GENERIC)
        assert not word.is_active

        assert "SIG_NEUTRAL" not in _type_signature(portal, GENERIC)
        expect(portal.locator("#findings")).not_to_contain_text("SIG_NEUTRAL")
        expect(portal.locator("button[data-submit]")).to_be_enabled()


def test_support_writes_an_internal_note_that_staff_read_and_the_customer_never_sees(
    page, chromium, live_server, screenshot_dir
):
    qualification, customer = _approved_qualification()
    item = walk_to(
        SignatureApplicationFactory(qualification=qualification),
        "under_review",
        customer=customer,
        reviewer=StaffFactory(role="Reviewer"),
        senior=None,
    )
    note = "客户来电：商标证书正在续展，下周补传"
    review_url = f"/admin/signatures/signatureapplication/{item.pk}/change/"

    support = StaffFactory(role="Support", first_name="赵敏")
    _console_login(page, support)
    page.goto(review_url)
    form = page.locator("#note-form")
    expect(form).to_be_visible()
    form.locator("textarea[name=text]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**{review_url}")
    expect(page.locator(".messagelist .success")).to_have_count(1)
    entry = page.locator("#timeline li.note")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(note)
    expect(entry).to_contain_text("赵敏")
    page.screenshot(path=f"{screenshot_dir}/console-internal-note.png", full_page=True)
    saved = InternalNote.objects.get()
    assert saved.author == support and saved.text == note

    # An auditor reads it in the timeline and has no form to write one.
    page.context.clear_cookies()
    _console_login(page, StaffFactory(role="Auditor"))
    page.goto(review_url)
    expect(page.locator("#timeline li.note")).to_contain_text(note)
    expect(page.locator("#note-form")).to_have_count(0)

    # The customer's page of the same signature shows its timeline, without the note.
    with _customer_page(chromium, live_server, customer) as portal:
        portal.goto(f"/portal/signatures/{item.public_id}/")
        expect(portal.locator("body")).to_contain_text(item.public_id)
        expect(portal.locator("body")).not_to_contain_text("商标证书正在续展")
        portal.goto("/portal/notifications/")
        expect(portal.locator("body")).not_to_contain_text("商标证书正在续展")
