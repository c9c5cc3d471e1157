"""Every portal page on a phone (360–414 px wide): nothing is wider than the screen, no badge is
cut off, detail pages show the status card near the top, and the automatic check comes before
the button that submits."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings

from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.services import authorization_create, trademark_create
from tests.browser.helpers import portal_login
from tests.factories import (
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
    TemplateApplicationFactory,
    make_material,
)
from tests.states import walk_to

LONG_EMAIL = "wangmin.operations-and-compliance@shenzhen-hexun-huagu-technology.example.cn"


@pytest.fixture
def world(db):
    """An account with something on every page: colleagues with long e-mail addresses, an
    approved qualification with a trademark and a partner authorization, a draft
    qualification, a rejected signature with findings, an approved one with a template under
    review, and notifications."""
    reviewer, senior = StaffFactory(role="Reviewer"), StaffFactory(role="Senior reviewer")
    customer = CustomerFactory(
        username="wangmin-operations-compliance", email=LONG_EMAIL, first_name="敏", last_name="王"
    )
    account = customer.account
    CustomerFactory(account=account, email="li.si.a.very.long.mailbox.name@hexun.example.cn")
    qualification = walk_to(
        QualificationFactory(account=account),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    trademark_create(
        qualification=qualification,
        user=customer,
        name="和讯",
        registration_number="12345678",
        owner_name=qualification.name,
        certificate=make_material(account, "trademark_certificate", user=customer),
    )
    authorization_create(
        qualification=qualification,
        user=customer,
        partner_name="深圳市伙伴科技有限公司",
        partner_uscc=sample_uscc(777),
        partner_legal_rep_name="李四",
        partner_legal_rep_id_number=sample_resident_id(777),
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 12, 31),
        letter=make_material(account, "authorization_letter", user=customer),
    )
    draft = QualificationFactory(
        account=account, name="深圳市和讯华谷第二信息技术有限公司", uscc=sample_uscc(778)
    )
    approved = walk_to(
        SignatureApplicationFactory(qualification=qualification),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    # "和讯华" is in order in the full name but skips characters: a warning finding is stored.
    rejected = walk_to(
        SignatureApplicationFactory(qualification=qualification, content="和华谷"),
        "rejected",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    template = walk_to(
        TemplateApplicationFactory(signature=approved),
        "rejected",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    return {
        "customer": customer,
        "qualification": qualification,
        "draft": draft,
        "approved": approved,
        "rejected": rejected,
        "template": template,
    }


def _pages(world) -> list[tuple[str, str]]:
    q, d = world["qualification"].public_id, world["draft"].public_id
    s, r = world["approved"].public_id, world["rejected"].public_id
    t = world["template"].public_id
    return [
        ("dashboard", "/portal/"),
        ("account", "/portal/account/"),
        ("notifications", "/portal/notifications/"),
        ("qualification-list", "/portal/qualifications/"),
        ("qualification-new", "/portal/qualifications/new/"),
        ("qualification-detail", f"/portal/qualifications/{q}/"),
        ("qualification-draft", f"/portal/qualifications/{d}/"),
        ("qualification-edit", f"/portal/qualifications/{d}/edit/"),
        ("qualification-change", f"/portal/qualifications/{q}/change/"),
        ("trademark-new", f"/portal/qualifications/{q}/trademarks/new/"),
        ("authorization-new", f"/portal/qualifications/{q}/authorizations/new/"),
        ("signature-list", "/portal/signatures/"),
        ("signature-new", "/portal/signatures/new/"),
        ("signature-approved", f"/portal/signatures/{s}/"),
        ("signature-rejected", f"/portal/signatures/{r}/"),
        ("signature-edit", f"/portal/signatures/{r}/edit/"),
        ("template-list", "/portal/templates/"),
        ("template-new", "/portal/templates/new/"),
        ("template-detail", f"/portal/templates/{t}/"),
        ("template-edit", f"/portal/templates/{t}/edit/"),
    ]


ANONYMOUS_PAGES = [
    ("login", "/portal/login/"),
    ("signup", "/portal/signup/"),
    ("password-reset", "/portal/password-reset/"),
    ("password-reset-sent", "/portal/password-reset/sent/"),
]

#: Elements wider than the screen, and badges cut off by their box or by a card that hides
#: what overflows it.
LAYOUT_PROBLEMS = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen`);
  }
  const classes = (el) => typeof el.className === "string" && el.className.trim()
    ? "." + el.className.trim().split(/\\s+/).join(".") : "";
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes(el);
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (!box.width || getComputedStyle(el).position === "fixed") continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      problems.push(`${name(el)} spans ${Math.round(box.left)}..${Math.round(box.right)}px`);
    }
  }
  for (const badge of document.querySelectorAll(".badge")) {
    const box = badge.getBoundingClientRect();
    if (!box.width) continue;
    if (badge.scrollWidth > badge.clientWidth + 1) {
      problems.push(`badge "${badge.textContent.trim()}" is cut off inside its box`);
    }
    for (let up = badge.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX === "visible") continue;
      const outer = up.getBoundingClientRect();
      if (box.right > outer.right + 0.5 || box.left < outer.left - 0.5) {
        problems.push(`badge "${badge.textContent.trim()}" is clipped by ${name(up)}`);
      }
    }
  }
  return problems;
}"""


#: The status card: the first card of a detail page's side column.
STATUS_CARD = ".detail .side > .card"


def _top(page, selector) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"]


def _check_layout(page, name, problems):
    found = page.evaluate(LAYOUT_PROBLEMS)
    problems.extend(f"{name}: {p}" for p in found[:5])


@pytest.mark.parametrize("width, language", [(360, "en"), (360, "zh-hans"), (414, "en")])
def test_portal_pages_fit_a_phone(page, world, width, language, screenshot_dir):
    """The narrowest phone in both languages, and the widest in English (its labels are
    longer); the other pages' tests run at 390 px."""
    page.set_viewport_size({"width": width, "height": 844})
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": page.base_url}]
    )
    problems: list[str] = []
    for name, url in ANONYMOUS_PAGES:
        page.goto(url)
        _check_layout(page, f"{name} ({language})", problems)
        if (width, language) == (360, "zh-hans"):
            page.screenshot(path=f"{screenshot_dir}/phone-{name}.png", full_page=True)
    portal_login(page, world["customer"])
    for name, url in _pages(world):
        response = page.goto(url)
        assert response.ok, url
        page.wait_for_load_state("networkidle")
        _check_layout(page, f"{name} ({language})", problems)
        if (width, language) == (360, "zh-hans"):
            page.screenshot(path=f"{screenshot_dir}/phone-{name}.png", full_page=True)
    assert not problems, "\n".join(problems)


def test_detail_pages_show_the_status_near_the_top_on_a_phone(page, world, screenshot_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    portal_login(page, world["customer"])
    for item, url in (
        ("qualification", f"/portal/qualifications/{world['qualification'].public_id}/"),
        ("signature", f"/portal/signatures/{world['approved'].public_id}/"),
        ("rejected", f"/portal/signatures/{world['rejected'].public_id}/"),
        ("template", f"/portal/templates/{world['template'].public_id}/"),
    ):
        page.goto(url)
        status = _top(page, STATUS_CARD)
        # Before everything else of the page: the application's data, reasons, timeline.
        for other in page.locator(".detail .main > section").all():
            box = other.bounding_box()
            assert box is None or status < box["y"], f"{item}: status card below a section"
        # Within the first screen.
        assert status < 844 / 2, f"{item}: status card at {status}px"
    # A rejected item: its reasons and stored findings come before the button that resubmits.
    page.goto(f"/portal/signatures/{world['rejected'].public_id}/")
    page.screenshot(path=f"{screenshot_dir}/phone-order-rejected.png", full_page=True)
    assert _top(page, "#rejection") < _top(page, "[data-testid=edit]")
    assert _top(page, "#findings") < _top(page, "[data-testid=edit]")
    # A draft: its status at the top, the submit button after its data.
    page.goto(f"/portal/qualifications/{world['draft'].public_id}/")
    assert _top(page, STATUS_CARD) < _top(page, ".main > section")


@pytest.mark.parametrize("form", ["signature", "template"])
def test_findings_come_before_the_submit_button_on_a_phone(page, world, form, screenshot_dir):
    page.set_viewport_size({"width": 390, "height": 844})
    portal_login(page, world["customer"])
    if form == "signature":
        page.goto("/portal/signatures/new/")
        page.fill("#id_content", "测试")
    else:
        page.goto(f"/portal/templates/new/?signature={world['approved'].public_id}")
        page.fill("#id_content", "【和讯】您的验证码为${code}")
    page.locator(".finding.sev-block").first.wait_for()
    page.screenshot(path=f"{screenshot_dir}/phone-order-{form}-form.png", full_page=True)
    findings, button = _top(page, "#findings"), _top(page, "button[data-submit]")
    assert findings < button
    # The check sits just above the button, not pages away from it.
    assert button - findings < 844
