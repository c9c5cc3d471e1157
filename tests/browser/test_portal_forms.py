"""The portal's long forms in a real browser: a refused wizard keeps the files chosen, starts
with a summary of its problems that leads to each field, the company named at sign-up is the
wizard's registered name, and "Save draft" keeps an incomplete qualification."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from reviewportal.models import User
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Material, Qualification
from tests.browser.helpers import portal_login
from tests.factories import CustomerFactory, png_bytes

COMPANY = "深圳市和讯华谷信息技术有限公司"
DOCUMENTS = (
    ("business_license", "#dfe8f7"),
    ("legal_rep_id_front", "#f3e6d8"),
    ("legal_rep_id_back", "#e2f1e4"),
)


def _shot(page, screenshot_dir, name, *, full_page=True):
    page.screenshot(path=f"{screenshot_dir}/{name}.png", full_page=full_page)


def _choose_documents(page, tmp_path):
    for kind, color in DOCUMENTS:
        path = tmp_path / f"{kind}.png"
        path.write_bytes(png_bytes((480, 320), color))
        page.set_input_files(f"#id_{kind}", str(path))


def _wrong_check_digit(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def test_refused_wizard_keeps_the_files_chosen(page, db, tmp_path, screenshot_dir):
    customer = CustomerFactory()
    portal_login(page, customer)
    page.goto("/portal/qualifications/new/")
    page.fill("#id_name", COMPANY)
    page.fill("#id_uscc", _wrong_check_digit(sample_uscc(8100)))
    page.fill("#id_legal_rep_name", "张三")
    page.fill("#id_legal_rep_id_number", sample_resident_id(8100))
    _choose_documents(page, tmp_path)
    page.click("button[name=submit]")
    page.wait_for_load_state("networkidle")

    # Shown again with the credit code in error, and the three files still chosen.
    expect(page.locator("#field-uscc .error")).to_be_visible()
    for kind, _color in DOCUMENTS:
        upload = page.locator(f"#field-{kind}")
        expect(upload.locator(".staged-name")).to_contain_text(f"{kind}.png")
        expect(upload.locator(".preview img")).to_be_visible()
    _shot(page, screenshot_dir, "forms-staged-uploads")

    # Corrected and sent again without choosing any file: the kept ones are attached.
    page.fill("#id_uscc", sample_uscc(8100))
    page.fill("#id_legal_rep_id_number", sample_resident_id(8100))
    page.click("button[name=submit]")
    page.wait_for_url(re.compile(r".*/portal/qualifications/QUA\w+/$"))
    expect(page.locator(".thumb")).to_have_count(3)
    item = Qualification.objects.get()
    assert item.state == "pending_review"
    assert sorted(m.original_name for m in item.materials.all()) == sorted(
        f"{kind}.png" for kind, _ in DOCUMENTS
    )
    assert Material.objects.count() == 3


def test_a_kept_file_can_be_removed(page, db, tmp_path, screenshot_dir):
    customer = CustomerFactory()
    portal_login(page, customer)
    page.goto("/portal/qualifications/new/")
    page.fill("#id_name", COMPANY)
    page.fill("#id_uscc", "not a code")
    _choose_documents(page, tmp_path)
    page.click("button[name=save]")
    page.wait_for_load_state("networkidle")
    licence = page.locator("#field-business_license")
    expect(licence.locator(".preview img")).to_be_visible()
    licence.locator(".staged-remove input").check()
    expect(licence.locator(".preview img")).to_be_hidden()
    expect(licence.locator(".placeholder")).to_be_visible()
    _shot(page, screenshot_dir, "forms-staged-removed")
    page.fill("#id_uscc", "")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r".*/portal/qualifications/QUA\w+/$"))
    draft = Qualification.objects.get()
    assert {m.kind for m in draft.materials.all()} == {"legal_rep_id_front", "legal_rep_id_back"}


def test_refused_wizard_starts_with_a_summary_leading_to_each_field(page, db, screenshot_dir):
    customer = CustomerFactory()
    portal_login(page, customer)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/portal/qualifications/new/")
    page.fill("#id_name", COMPANY)
    page.fill("#id_uscc", _wrong_check_digit(sample_uscc(8200)))
    page.click("button[name=submit]")
    page.wait_for_load_state("networkidle")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    box = summary.bounding_box()
    assert box is not None and box["y"] < 844, "the summary is not on the first screen"
    links = summary.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert {"#field-uscc", "#field-legal_rep_name", "#field-legal_rep_id_number"} <= set(hrefs)
    _shot(page, screenshot_dir, "forms-error-summary", full_page=False)

    # Following a link puts the cursor in that field, its label visible under the top bar.
    summary.locator('a[href="#field-legal_rep_name"]').click()
    expect(page.locator("#id_legal_rep_name")).to_be_focused()
    label = page.locator('label[for="id_legal_rep_name"]').bounding_box()
    bar = page.locator(".topbar").bounding_box()
    assert label is not None and bar is not None
    assert bar["y"] + bar["height"] <= label["y"] < 844
    _shot(page, screenshot_dir, "forms-error-summary-followed", full_page=False)


def test_signup_carries_the_company_name_into_the_wizard(page, db, screenshot_dir):
    page.goto("/portal/signup/")
    page.fill("#id_company_name", COMPANY)
    page.fill("#id_full_name", "王敏")
    page.fill("#id_email", "wangmin@hexun.example.cn")
    page.fill("#id_username", "wangmin")
    page.fill("#id_password1", "Hexun-Portal-2026")
    page.fill("#id_password2", "Hexun-Portal-2026")
    page.click("button.primary[type=submit]")
    page.wait_for_url("**/portal/qualifications/new/")
    expect(page.locator("#id_name")).to_have_value(COMPANY)
    _shot(page, screenshot_dir, "forms-signup-name-carried")
    assert User.objects.get(username="wangmin").account.name == COMPANY


def test_an_incomplete_draft_is_saved_and_not_submitted(page, db, screenshot_dir):
    customer = CustomerFactory()
    portal_login(page, customer)
    page.goto("/portal/qualifications/new/")
    page.fill("#id_name", "深圳市草稿科技有限公司")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r".*/portal/qualifications/QUA\w+/$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(".detail .side .badge").first).to_have_class(re.compile("st-draft"))
    draft = Qualification.objects.get()
    assert draft.state == "draft" and draft.uscc == "" and draft.legal_rep_id_number == ""
    _shot(page, screenshot_dir, "forms-draft-saved")

    # "Submit for review" on its page: back to the wizard, told what is missing.
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/portal/qualifications/QUA\w+/edit/$"))
    expect(page.locator(".alert-error")).to_be_visible()
    draft.refresh_from_db()
    assert draft.state == "draft"
    expect(page.locator("#id_name")).to_have_value("深圳市草稿科技有限公司")
    _shot(page, screenshot_dir, "forms-draft-incomplete-submit")
