"""The console as a new reviewer reads it, in Chromium: a queue title of our own with the due
time beside the time left; field names, reason titles and severities in the reviewer's words
(no ``use_case``, ``other`` or ``BLOCK``); no button the reviewer may not use after their first
approval; the domains a qualification lists labelled as the customer's own and verified with
the ICP filing screenshot; the dashboard counting first approvals with the unit of its median;
and a carrier check that names the filing without calling it a success."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from carriers.models import CarrierFiling
from carriers.services import filing_result_enter, filing_submit
from signatures.models import DomainVerification
from signatures.services import signature_application_update
from tests.browser.helpers import console_login, first_approved_over_blocking, portal_login
from tests.factories import (
    SignatureApplicationFactory,
    png_bytes,
)
from tests.states import walk_to

QUEUE = "/admin/signatures/signatureapplication/"


@pytest.fixture
def world(people):
    """``people`` with a qualification listing two domains."""
    people["qualification"].verified_domains = ["jiguang.cn", "jpush.cn"]
    people["qualification"].save(update_fields=["verified_domains"])
    return people


def test_queue_and_review_page_use_the_reviewers_words(page, world, screenshot_dir):
    customer, reviewer = world["customer"], world["reviewer"]
    item = walk_to(
        SignatureApplicationFactory(qualification=world["qualification"], use_case="登录验证码"),
        "rejected",
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    # Rejected with the catalogue's "other" reason (walk_to's), then edited and resubmitted.
    signature_application_update(application=item, user=customer, use_case="注册与登录验证码")
    console_login(page, reviewer)

    page.goto(QUEUE)
    expect(page).to_have_title(re.compile("^审核队列"))
    badge = page.locator("td.field-sla").first
    # The time left and the due time itself (月-日 时:分).
    expect(badge).to_have_text(re.compile(r"\d{2}-\d{2} \d{2}:\d{2}"))
    page.screenshot(path=f"{screenshot_dir}/console-queue-words.png", full_page=True)

    page.goto(f"{QUEUE}{item.pk}/change/")
    diff = page.locator("#diff")
    expect(diff).to_contain_text("使用场景")
    expect(diff).not_to_contain_text("use_case")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("其他")
    expect(timeline).not_to_contain_text(re.compile(r"(^|\s)other(\s|$)"))
    # The revision as the reviewer says it (第1版), not a bare "r1" (which user names may contain).
    expect(timeline).not_to_contain_text(re.compile(r"(^|\W)r1(\W|$)"))
    page.screenshot(path=f"{screenshot_dir}/console-review-words.png", full_page=True)


def test_a_plain_reviewer_is_not_offered_the_second_approval(page, people, screenshot_dir):
    item, reviewer = first_approved_over_blocking(people["qualification"], people["customer"])

    console_login(page, reviewer)
    page.goto(f"{QUEUE}{item.pk}/change/")
    findings = page.locator("#findings")
    expect(findings).to_contain_text("拦截")
    expect(findings).not_to_contain_text("BLOCK")
    expect(page.locator("#four-eyes")).to_be_visible()
    expect(page.locator("#approve-form")).to_have_count(0)
    expect(page.locator("#actions")).not_to_contain_text("忽略拦截项通过")
    page.screenshot(path=f"{screenshot_dir}/console-first-approval-given.png", full_page=True)

    # The dashboard counts that first approval, and says what time its median is in.
    page.goto("/admin/")
    expect(page.locator("body")).to_contain_text("第一次通过")
    expect(page.locator("body")).to_contain_text("自然时间")


def test_reviewer_verifies_a_domain_with_the_icp_screenshot(page, world, tmp_path, screenshot_dir):
    qualification, reviewer = world["qualification"], world["reviewer"]
    console_login(page, reviewer)
    page.goto(f"/admin/signatures/qualification/{qualification.pk}/change/")
    domains = page.locator("table.domains")
    expect(page.locator("#domains")).to_contain_text("自有域名")
    expect(page.locator("#qualification")).not_to_contain_text("已验证域名")
    expect(domains.locator("tr.unverified")).to_have_count(2)

    shot = tmp_path / "icp.png"
    shot.write_bytes(png_bytes((200, 120), "lightgray"))
    row = domains.locator("tr", has_text="jiguang.cn")
    row.locator("input[name=evidence]").set_input_files(str(shot))
    row.locator("input[name=icp_number]").fill("粤ICP备12345678号-1")
    row.get_by_role("button", name="标记为已核验").click()

    expect(page.locator(".messagelist")).to_contain_text("已将 jiguang.cn 标记为已核验")
    verified = page.locator("table.domains tr.verified")
    expect(verified).to_have_count(1)
    expect(verified).to_contain_text("粤ICP备12345678号-1")
    expect(verified).to_contain_text("王芳")
    page.screenshot(path=f"{screenshot_dir}/console-domain-verified.png", full_page=True)
    # The evidence opens in the page's viewer, through the access-checked view.
    verified.get_by_role("link", name="ICP备案截图").click()
    expect(page.locator("#viewer-img")).to_be_visible()
    assert DomainVerification.objects.get().evidence.kind == "icp_screenshot"

    # The customer sees which of their domains are verified.
    customer_page = page.context.browser.new_context(base_url=page.base_url).new_page()
    portal_login(customer_page, world["customer"])
    customer_page.goto(f"/portal/qualifications/{qualification.public_id}/")
    own = customer_page.locator("dd", has_text="jiguang.cn")
    expect(own).to_contain_text("jiguang.cn 已核验")
    expect(own).to_contain_text("jpush.cn 待核验")
    customer_page.context.close()


def test_check_now_names_the_filing_and_says_the_carrier_was_silent(
    page, people, carriers, screenshot_dir
):
    item = walk_to(
        SignatureApplicationFactory(qualification=people["qualification"]),
        "approved",
        customer=people["customer"],
        reviewer=people["reviewer"],
        senior=people["senior"],
    )
    filing = CarrierFiling.objects.of(item).get(carrier__code="cmcc")
    senior = people["senior"]
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=senior, status="registered")
    carriers["STUB"]["FAULT_RATE"] = 1.0  # from now on every call times out

    console_login(page, senior)
    page.goto("/admin/carriers/carrierfiling/")
    page.locator(f"input[name=_selected_action][value='{filing.pk}']").check()
    page.select_option("select[name=action]", "check_now")
    page.click("button[name=index]")
    message = page.locator(".messagelist li")
    expect(message).to_have_count(1)
    expect(message).to_have_text(
        f"签名申请 {item} · 中国移动：运营商没有答复，系统会自动再次查询。"
    )
    expect(message).not_to_contain_text("报备成功")
    page.screenshot(path=f"{screenshot_dir}/console-check-now.png", full_page=True)
