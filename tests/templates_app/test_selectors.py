"""What the template pre-check is given from the database (``templates.selectors``): the text,
kind and industry, the kinds of the attached materials, the domains the signature's
qualification lists and whether the signature is approved; and the findings stored with a
revision."""

import datetime as dt

import pytest

from reviewportal.errors import PrecheckBlocked
from reviewportal.models import ReviewState
from reviewportal.services import lifecycle as lc
from templates.rules import TemplateCheckInput
from templates.selectors import template_check_input, template_findings, template_precheck_values
from tests.factories import (
    QualificationFactory,
    SignatureApplicationFactory,
    TemplateApplicationFactory,
    make_material,
)
from tests.states import walk_to
from tests.templates_app.helpers import UNAPPROVED_SIGNATURE_STATES, revoke

S = ReviewState
ON = dt.date(2026, 11, 23)
LINK_TO_SECOND_DOMAIN = "您的订单已发货，详情见 https://m.jpush.cn/o/${id} 。"


@pytest.fixture
def two_domain_signature(account, customer, reviewer, senior):
    """An approved signature whose qualification lists two domains, the second one less usual."""
    qualification = QualificationFactory(
        account=account, verified_domains=["jiguang.cn", "jpush.cn"]
    )
    qualification = walk_to(
        qualification, S.APPROVED, customer=customer, reviewer=reviewer, senior=None
    )
    signature = SignatureApplicationFactory(qualification=qualification)
    return walk_to(signature, S.APPROVED, customer=customer, reviewer=reviewer, senior=senior)


def _codes(findings):
    return [f["code"] for f in findings]


def test_check_input_carries_every_value_of_the_application(customer, two_domain_signature):
    letter = make_material(customer.account, "live_streaming_commitment_letter", user=customer)
    licence = make_material(customer.account, "business_license", user=customer)
    item = TemplateApplicationFactory(
        signature=two_domain_signature,
        content="您关注的主播${name}开播了。",
        kind="notification",
        industry="live_streaming",
    )
    item.materials.set([letter, licence])
    assert template_check_input(item, on=ON) == TemplateCheckInput(
        content="您关注的主播${name}开播了。",
        kind="notification",
        industry="live_streaming",
        material_kinds=frozenset({"live_streaming_commitment_letter", "business_license"}),
        verified_domains=("jiguang.cn", "jpush.cn"),
        signature_approved=True,
    )


def test_check_input_of_a_qualification_without_domains(customer, reviewer, senior, account):
    qualification = QualificationFactory(account=account, verified_domains=[])
    qualification = walk_to(
        qualification, S.APPROVED, customer=customer, reviewer=reviewer, senior=None
    )
    signature = walk_to(
        SignatureApplicationFactory(qualification=qualification),
        S.APPROVED,
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    data = template_check_input(TemplateApplicationFactory(signature=signature), on=ON)
    assert data.verified_domains == ()
    assert data.material_kinds == frozenset()
    assert data.signature_approved is True


@pytest.mark.parametrize("state", UNAPPROVED_SIGNATURE_STATES)
def test_check_input_says_when_the_signature_is_not_approved(signature_in, state):
    """A template the service refuses cannot be made with such a signature; one made earlier
    (its signature revoked since, say) or by hand is caught by the pre-check."""
    item = TemplateApplicationFactory(signature=signature_in(state))
    assert template_check_input(item, on=ON).signature_approved is False
    assert "TPL_SIGNATURE_NOT_APPROVED" in _codes(template_findings(item, on=ON))


def test_findings_of_an_application_with_an_approved_signature(approved_signature):
    item = TemplateApplicationFactory(signature=approved_signature)
    assert template_check_input(item, on=ON).signature_approved is True
    assert template_findings(item, on=ON) == []


def test_links_to_every_domain_of_the_qualification_are_owned(two_domain_signature):
    item = TemplateApplicationFactory(
        signature=two_domain_signature, kind="notification", content=LINK_TO_SECOND_DOMAIN
    )
    (finding,) = template_findings(item, on=ON)
    assert {key: value for key, value in finding.items() if key != "message"} == {
        "code": "TPL_FILING_REQUIRED",
        "severity": "info",
        "field": "content",
        "params": {"links": 1, "ips": 0, "contacts": 0},
    }


def test_a_link_to_a_domain_the_qualification_does_not_list_is_blocking(approved_signature):
    """The account's qualification lists only jiguang.cn: jpush.cn is not its own."""
    item = TemplateApplicationFactory(
        signature=approved_signature, kind="notification", content=LINK_TO_SECOND_DOMAIN
    )
    (not_owned, filing) = template_findings(item, on=ON)
    assert (not_owned["code"], not_owned["severity"], not_owned["field"]) == (
        "TPL_LINK_NOT_OWNED",
        "block",
        "content",
    )
    assert not_owned["params"] == {"items": ["jpush.cn"]}
    assert filing["code"] == "TPL_FILING_REQUIRED"


def test_domains_of_another_accounts_qualification_do_not_count(
    approved_signature, other_signature
):
    item = TemplateApplicationFactory(
        signature=approved_signature,
        kind="notification",
        content="您的订单已发货，详情见 https://yunqi.cn/o/${id} 。",
    )
    assert template_check_input(item, on=ON).verified_domains == ("jiguang.cn",)
    assert "TPL_LINK_NOT_OWNED" in _codes(template_findings(item, on=ON))


def test_findings_follow_the_attached_materials(customer, approved_signature):
    item = TemplateApplicationFactory(
        signature=approved_signature,
        kind="notification",
        industry="live_streaming",
        content="您关注的主播${name}开播了。",
    )
    assert _codes(template_findings(item, on=ON)) == ["TPL_LIVE_STREAMING_LETTER"]
    item.materials.set(
        [make_material(customer.account, "live_streaming_commitment_letter", user=customer)]
    )
    assert template_findings(item, on=ON) == []


def test_the_revision_stores_the_findings_of_the_selector(customer, approved_signature):
    item = TemplateApplicationFactory(
        signature=approved_signature,
        kind="notification",
        content="您的订单已发货，详情见 https://www.jiguang.cn/o/${id} 。",
    )
    expected = template_findings(item, on=ON)
    item = lc.review_submit(item=item, user=customer)
    assert item.current_revision.findings == expected
    assert _codes(expected) == ["TPL_FILING_REQUIRED"]


def test_a_draft_whose_signature_was_revoked_is_refused_at_submission(
    customer, senior, approved_signature
):
    item = TemplateApplicationFactory(signature=approved_signature)
    revoke(approved_signature, senior=senior)
    item.refresh_from_db()
    with pytest.raises(PrecheckBlocked) as excinfo:
        lc.review_submit(item=item, user=customer)
    assert [f["code"] for f in excinfo.value.findings if f["severity"] == "block"] == [
        "TPL_SIGNATURE_NOT_APPROVED"
    ]
    item.refresh_from_db()
    assert item.state == S.DRAFT


# --- plain values (the precheck command and the portal's live check) ---------------------------


def test_plain_values_are_passed_through():
    content = "您的订单已发货，详情见 https://m.jpush.cn/o/${id} 。"
    owned = template_precheck_values(
        content=content, kind="notification", on=ON, verified_domains=("jpush.cn",)
    )
    assert [f.code for f in owned] == ["TPL_FILING_REQUIRED"]
    unowned = template_precheck_values(
        content=content, kind="notification", on=ON, verified_domains=("jiguang.cn",)
    )
    assert [f.code for f in unowned] == ["TPL_LINK_NOT_OWNED", "TPL_FILING_REQUIRED"]
    letter = template_precheck_values(
        content="主播${name}开播了。",
        kind="notification",
        industry="live_streaming",
        material_kinds=frozenset({"live_streaming_commitment_letter"}),
        on=ON,
    )
    assert letter == []


def test_plain_values_take_the_signature_as_approved_unless_told():
    assert template_precheck_values(content="您的订单已发货。", kind="notification", on=ON) == []
    refused = template_precheck_values(
        content="您的订单已发货。", kind="notification", on=ON, signature_approved=False
    )
    assert [(f.code, f.field) for f in refused] == [("TPL_SIGNATURE_NOT_APPROVED", "signature")]
