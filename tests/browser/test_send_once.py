"""Back and send again, and a double-click, create nothing twice: for the qualification wizard,
the signature form and the template form the customer ends on the one result."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Material, Qualification, SignatureApplication
from signatures.selectors import staged_material_filter
from templates.models import TemplateApplication
from tests.browser.helpers import portal_login
from tests.factories import CustomerFactory, StaffFactory, png_bytes
from tests.states import walk_to


def _fill_wizard(page, tmp_path, n=1):
    page.goto("/portal/qualifications/new/")
    page.select_option("#id_entity_kind", "enterprise")
    page.fill("#id_name", "深圳市一次科技有限公司")
    page.fill("#id_uscc", sample_uscc(7000 + n))
    page.fill("#id_legal_rep_name", "张三")
    page.fill("#id_legal_rep_id_number", sample_resident_id(7000 + n))
    page.fill("#id_license_valid_from", "2015-03-01")
    for kind, color in (
        ("business_license", "#dfe8f7"),
        ("legal_rep_id_front", "#f3e6d8"),
        ("legal_rep_id_back", "#e2f1e4"),
    ):
        path = tmp_path / f"{kind}.png"
        path.write_bytes(png_bytes((480, 320), color))
        page.set_input_files(f"#id_{kind}", str(path))
    # Walk through the wizard's steps, as a customer does (each one is a history entry).
    page.click('a[href="#step-materials"]')
    page.click('a[href="#step-submit"]')


def _back_to_the_form(page, path):
    for _ in range(4):
        page.go_back()
        if urlsplit(page.url).path == path:
            return
    raise AssertionError(f"Back never reached {path}: {page.url}")


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def approved_signature(customer):
    from tests.factories import QualificationFactory, SignatureApplicationFactory

    reviewer, senior = StaffFactory(role="Reviewer"), StaffFactory(role="Senior reviewer")
    qualification = walk_to(
        QualificationFactory(account=customer.account),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    signature = SignatureApplicationFactory(qualification=qualification)
    return walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)


def test_wizard_back_and_send_again_creates_one_qualification(page, customer, tmp_path):
    portal_login(page, customer)
    _fill_wizard(page, tmp_path)
    page.click("button[name=submit]")
    page.wait_for_url(re.compile(r".*/portal/qualifications/QUA\w+/(#.*)?$"))
    first = page.url.split("#")[0]
    _back_to_the_form(page, "/portal/qualifications/new/")
    # The browser restores some fields; the customer types the others again and sends.
    if not page.input_value("#id_uscc"):
        page.fill("#id_uscc", sample_uscc(7001))
        page.fill("#id_legal_rep_id_number", sample_resident_id(7001))
    page.click("button[name=submit]")
    page.wait_for_load_state("networkidle")
    assert Qualification.objects.count() == 1
    item = Qualification.objects.get()
    # Either the first result again, or the form saying which qualification already exists.
    if page.url.split("#")[0] != first:
        expect(page.locator("#field-uscc .error")).to_contain_text(item.public_id)
    # Only the first sending's files are used; a refused second sending keeps its files only
    # as staged ones (attached to nothing, for a corrected sending).
    assert set(Material.objects.exclude(staged_material_filter())) == set(item.materials.all())
    assert item.materials.count() == 3


def test_wizard_double_click_creates_one_qualification(page, customer, tmp_path):
    portal_login(page, customer)
    _fill_wizard(page, tmp_path, n=2)
    page.dblclick("button[name=submit]")
    page.wait_for_url(re.compile(r".*/portal/qualifications/QUA\w+/(#.*)?$"))
    page.wait_for_load_state("networkidle")
    assert Qualification.objects.count() == 1
    assert Qualification.objects.get().state == "pending_review"
    assert Material.objects.count() == 3


def _fill_signature(page, qualification):
    page.goto("/portal/signatures/new/")
    page.select_option("#id_qualification", qualification.public_id)
    page.fill("#id_content", "和讯")
    page.fill("#id_use_case", "注册登录验证码")
    expect(page.locator("button[data-submit]")).to_be_enabled()


def test_signature_back_and_send_again_creates_one(page, customer, approved_signature):
    portal_login(page, customer)
    _fill_signature(page, approved_signature.qualification)
    page.click("button[data-submit]")
    page.wait_for_url(re.compile(r".*/portal/signatures/SIG\w+/$"))
    _back_to_the_form(page, "/portal/signatures/new/")
    if not page.input_value("#id_content"):
        _fill_signature(page, approved_signature.qualification)
    expect(page.locator("button[data-submit]")).to_be_enabled()
    page.click("button[data-submit]")
    page.wait_for_load_state("networkidle")
    assert SignatureApplication.objects.filter(content="和讯").count() == 1


def test_signature_double_click_creates_one(page, customer, approved_signature):
    portal_login(page, customer)
    _fill_signature(page, approved_signature.qualification)
    page.dblclick("button[data-submit]")
    page.wait_for_url(re.compile(r".*/portal/signatures/SIG\w+/$"))
    page.wait_for_load_state("networkidle")
    assert SignatureApplication.objects.filter(content="和讯").count() == 1


def _fill_template(page, signature):
    page.goto(f"/portal/templates/new/?signature={signature.public_id}")
    page.fill("#id_name", "注册验证码")
    page.select_option("#id_kind", "verification")
    page.fill("#id_content", "您的注册验证码为${code}，5分钟内有效。")
    expect(page.locator("button[data-submit]")).to_be_enabled()


def test_template_back_and_send_again_creates_one(page, customer, approved_signature):
    portal_login(page, customer)
    _fill_template(page, approved_signature)
    page.click("button[data-submit]")
    page.wait_for_url(re.compile(r".*/portal/templates/TPL\w+/$"))
    _back_to_the_form(page, "/portal/templates/new/")
    if not page.input_value("#id_content"):
        _fill_template(page, approved_signature)
    page.click("button[data-submit]")
    page.wait_for_load_state("networkidle")
    assert TemplateApplication.objects.count() == 1


def test_template_double_click_creates_one(page, customer, approved_signature):
    portal_login(page, customer)
    _fill_template(page, approved_signature)
    page.dblclick("button[data-submit]")
    page.wait_for_url(re.compile(r".*/portal/templates/TPL\w+/$"))
    page.wait_for_load_state("networkidle")
    assert TemplateApplication.objects.count() == 1
