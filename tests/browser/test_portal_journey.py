"""The customer's whole journey in a real browser: sign up, register the company with uploads,
apply for a signature that first shows a blocking finding, fix and submit it; a reviewer rejects
it; the customer reads the reason, edits and resubmits; it is approved; a template follows."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from reviewportal.models import User
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from signatures.models import Qualification, SignatureApplication
from templates.models import TemplateApplication
from tests.factories import StaffFactory, png_bytes

COMPANY = "深圳市和讯华谷信息技术有限公司"


def _shot(page, screenshot_dir, name):
    page.screenshot(path=f"{screenshot_dir}/{name}.png", full_page=True)


def _files(tmp_path):
    paths = {}
    for kind, color in (
        ("business_license", "#dfe8f7"),
        ("legal_rep_id_front", "#f3e6d8"),
        ("legal_rep_id_back", "#e2f1e4"),
    ):
        path = tmp_path / f"{kind}.png"
        path.write_bytes(png_bytes((480, 320), color))
        paths[kind] = str(path)
    return paths


def test_portal_customer_journey(page, db, screenshot_dir, tmp_path):
    reviewer = StaffFactory(role="Reviewer")

    # 1. Sign up: the company and its first user.
    page.goto("/portal/signup/")
    _shot(page, screenshot_dir, "portal-signup")
    page.fill("#id_company_name", COMPANY)
    page.fill("#id_full_name", "王敏")
    page.fill("#id_email", "wangmin@hexun.example.cn")
    page.fill("#id_phone", "13800138000")
    page.fill("#id_username", "wangmin")
    page.fill("#id_password1", "Hexun-Portal-2026")
    page.fill("#id_password2", "Hexun-Portal-2026")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/portal/qualifications/new/")
    user = User.objects.get(username="wangmin")

    # 2. Qualification: a wrong check digit is flagged while typing, then uploads with previews.
    uscc = sample_uscc(4242)
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    page.fill("#id_name", COMPANY)
    page.fill("#id_uscc", wrong)
    expect(page.locator('.live-msg[data-for="uscc"]')).to_have_class(re.compile("bad"))
    page.fill("#id_uscc", uscc)
    expect(page.locator('.live-msg[data-for="uscc"]')).to_have_class(re.compile("ok"))
    page.fill("#id_legal_rep_name", "张三")
    page.fill("#id_legal_rep_id_number", sample_resident_id(4242))
    expect(page.locator('.live-msg[data-for="legal_rep_id_number"]')).to_have_class(
        re.compile("ok")
    )
    page.fill("#id_license_valid_from", "2015-03-01")
    page.fill("#id_verified_domains", "hexun.example.cn")
    for kind, path in _files(tmp_path).items():
        page.set_input_files(f"#id_{kind}", path)
        expect(page.locator(f'[data-preview-for="id_{kind}"] img')).to_be_visible()
    _shot(page, screenshot_dir, "portal-qualification-form")
    page.click("button[name=submit]")
    page.wait_for_url(re.compile(r".*/portal/qualifications/QUA\w+/$"))
    expect(page.locator(".side .badge").first).to_have_class(re.compile("st-pending_review"))
    expect(page.locator(".thumb img")).to_have_count(3)
    _shot(page, screenshot_dir, "portal-qualification-detail")
    qualification = Qualification.objects.get(account=user.account)
    lc.review_claim(item=qualification, user=reviewer)
    lc.review_approve(item=qualification, user=reviewer)

    # 3. Signature: a blocking finding disables submitting until fixed.
    page.goto("/portal/signatures/new/")
    page.select_option("#id_qualification", qualification.public_id)
    page.fill("#id_content", "和讯华谷2026")
    expect(page.locator(".finding.sev-block").first).to_be_visible()
    expect(page.locator("#findings")).to_contain_text("SIG_DIGITS")
    expect(page.locator("button[data-submit]")).to_be_disabled()
    # The finding also shows under the field being typed (what a phone user sees).
    expect(page.locator('.live-msg[data-for="content"]')).to_have_class(re.compile("bad"))
    _shot(page, screenshot_dir, "portal-signature-form-blocked")
    page.fill("#id_content", "和讯")
    page.fill("#id_use_case", "注册登录验证码与订单通知")
    expect(page.locator("#findings")).not_to_contain_text("SIG_DIGITS")
    expect(page.locator("button[data-submit]")).to_be_enabled()
    page.click("button[data-submit]")
    page.wait_for_url(re.compile(r".*/portal/signatures/SIG\w+/$"))
    signature = SignatureApplication.objects.get(account=user.account)
    assert signature.state == "pending_review"

    # 4. A reviewer rejects it; the customer sees the reason in Chinese.
    lc.review_claim(item=signature, user=reviewer)
    lc.review_reject(
        item=signature, user=reviewer, reasons=["sig_abbreviation"], comment="请使用更完整的简称"
    )
    page.reload()
    expect(page.locator("#rejection")).to_contain_text("请使用更完整的简称")
    expect(page.locator(".side .badge").first).to_have_class(re.compile("st-rejected"))
    _shot(page, screenshot_dir, "portal-signature-rejected")

    # 5. Edit and resubmit.
    page.click("[data-testid=edit]")
    page.fill("#id_content", "和讯华谷")
    expect(page.locator("button[data-submit]")).to_be_enabled()
    page.click("button[data-submit]")
    page.wait_for_url(re.compile(r".*/portal/signatures/SIG\w+/$"))
    signature.refresh_from_db()
    assert signature.state == "pending_review" and signature.content == "和讯华谷"

    # 6. Approved: filings per carrier appear.
    lc.review_claim(item=signature, user=reviewer)
    lc.review_approve(item=signature, user=reviewer)
    page.goto("/portal/signatures/")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody .st-approved")).to_be_visible()
    _shot(page, screenshot_dir, "portal-signature-list")

    # 7. A template against the approved signature, with the variable helper.
    page.goto(f"/portal/templates/new/?signature={signature.public_id}")
    page.fill("#id_name", "登录验证码")
    page.select_option("#id_kind", "verification")
    page.fill("#id_content", "您的验证码为")
    page.click("button[data-insert='${code}']")
    page.locator("#id_content").press("End")
    page.locator("#id_content").type("，5分钟内有效，请勿泄露。")
    expect(page.locator(".var-summary")).to_contain_text("${code}")
    expect(page.locator("#findings .finding.none")).to_contain_text("暂未发现问题")
    expect(page.locator("button[data-submit]")).to_be_enabled()
    _shot(page, screenshot_dir, "portal-template-form")
    page.click("button[data-submit]")
    page.wait_for_url(re.compile(r".*/portal/templates/TPL\w+/$"))
    template = TemplateApplication.objects.get(account=user.account)
    assert template.state == "pending_review"
    assert template.content == "您的验证码为${code}，5分钟内有效，请勿泄露。"
    _shot(page, screenshot_dir, "portal-template-detail")

    page.goto("/portal/")
    _shot(page, screenshot_dir, "portal-dashboard")
    page.goto("/portal/notifications/")
    expect(page.locator(".note").first).to_be_visible()
    _shot(page, screenshot_dir, "portal-notifications")

    # The same pages on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/portal/signatures/")
    _shot(page, screenshot_dir, "portal-phone-signatures")
    page.goto("/portal/signatures/new/")
    page.fill("#id_content", "测试")
    expect(page.locator(".finding.sev-block").first).to_be_visible()
    _shot(page, screenshot_dir, "portal-phone-signature-form")
