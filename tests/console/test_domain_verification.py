"""Domains a qualification lists are declared by the customer; a reviewer marks each verified
with the evidence checked (the ICP filing screenshot, and the filing number it shows), on the
review page. The console and the portal say which domains are verified and which are not."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviewportal.errors import PermissionRefused, ReviewError
from reviewportal.models import AccessLog
from reviewportal.services import lifecycle as lc
from signatures.models import DomainVerification, Material
from signatures.selectors import domain_statuses
from signatures.services import (
    domain_verification_withdraw,
    domain_verify,
    qualification_change_start,
)
from tests.console.conftest import url
from tests.factories import png_bytes

ICP = "京ICP备12345678号-1"


@pytest.fixture
def qualification(approved_qualification):
    approved_qualification.verified_domains = ["jiguang.cn", "jpush.cn"]
    approved_qualification.save(update_fields=["verified_domains"])
    return approved_qualification


def _verify(qualification, user, domain="jiguang.cn", **kwargs):
    kwargs.setdefault("data", png_bytes((80, 50), "gray"))
    kwargs.setdefault("original_name", "icp.png")
    return domain_verify(qualification=qualification, domain=domain, user=user, **kwargs)


# --- The service ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "senior"])
def test_a_reviewer_verifies_a_domain_with_the_icp_screenshot(request, qualification, role):
    user = request.getfixturevalue(role)
    verification = _verify(qualification, user, domain=" JiGuang.cn. ", icp_number=ICP)

    assert verification.domain == "jiguang.cn"
    assert verification.icp_number == ICP and verification.verified_by == user
    evidence = verification.evidence
    assert evidence.kind == "icp_screenshot" and evidence.account == qualification.account
    assert evidence.uploaded_by == user
    statuses = {s.domain: s.verified for s in domain_statuses(qualification)}
    assert statuses == {"jiguang.cn": True, "jpush.cn": False}
    entry = LogEntry.objects.get_for_object(verification).get()
    assert entry.action == LogEntry.Action.CREATE and entry.actor == user
    assert entry.additional_data == {"item": qualification.public_id, "domain": "jiguang.cn"}


@pytest.mark.parametrize("role", ["support", "auditor", "customer"])
def test_others_may_not_verify_a_domain(request, qualification, role):
    with pytest.raises(PermissionRefused):
        _verify(qualification, request.getfixturevalue(role))
    assert not DomainVerification.objects.exists()
    assert not Material.objects.filter(kind="icp_screenshot").exists()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"domain": "example.com"}, "unknown_domain"),
        ({"domain": ""}, "unknown_domain"),
        ({"icp_number": "ICP 12345678"}, "icp_number"),
        ({"icp_number": "京ICP备12345678"}, "icp_number"),
        ({"data": b"%PDF-1.4 not a screenshot"}, "evidence"),
        ({"data": b"GIF89a\x01\x00\x01\x00"}, "evidence"),
    ],
)
def test_a_refused_verification_writes_nothing(qualification, reviewer, kwargs, code):
    with pytest.raises(ReviewError) as refused:
        _verify(qualification, reviewer, **kwargs)
    assert refused.value.code == code
    assert not DomainVerification.objects.exists()
    assert not Material.objects.filter(kind="icp_screenshot").exists()


def test_a_domain_is_verified_once(qualification, reviewer, senior):
    _verify(qualification, reviewer)
    with pytest.raises(ReviewError) as refused:
        _verify(qualification, senior)
    assert refused.value.code == "verified_already"
    assert DomainVerification.objects.count() == 1
    assert Material.objects.filter(kind="icp_screenshot").count() == 1


def test_a_withdrawn_verification_shows_the_domain_unverified_again(qualification, reviewer):
    verification = _verify(qualification, reviewer)
    domain_verification_withdraw(verification=verification, user=reviewer)
    assert [s.verified for s in domain_statuses(qualification)] == [False, False]
    entry = LogEntry.objects.filter(action=LogEntry.Action.DELETE).get()
    assert entry.actor == reviewer and entry.additional_data["domain"] == "jiguang.cn"


def test_withdrawing_needs_the_same_permission(qualification, reviewer, support):
    verification = _verify(qualification, reviewer)
    with pytest.raises(PermissionRefused):
        domain_verification_withdraw(verification=verification, user=support)
    assert DomainVerification.objects.count() == 1


def test_a_change_keeps_the_verifications_of_the_domains_it_keeps(
    qualification, customer, reviewer
):
    _verify(qualification, reviewer, domain="jpush.cn")
    change = qualification_change_start(
        qualification=qualification,
        user=customer,
        materials=list(qualification.materials.all()),
        verified_domains=["jpush.cn", "new.example.cn"],
    )
    assert [(s.domain, s.verified) for s in domain_statuses(change)] == [
        ("jpush.cn", True),
        ("new.example.cn", False),
    ]
    # A domain verified while the change is reviewed is kept on the qualification in force.
    verification = _verify(change, reviewer, domain="new.example.cn")
    assert verification.qualification == qualification
    lc.review_claim(item=change, user=reviewer)
    lc.review_approve(item=change, user=reviewer)
    qualification.refresh_from_db()
    assert [(s.domain, s.verified) for s in domain_statuses(qualification)] == [
        ("jpush.cn", True),
        ("new.example.cn", True),
    ]


# --- The console ---------------------------------------------------------------------------------


def test_the_review_page_labels_the_domains_and_offers_the_verification(
    client, qualification, reviewer
):
    client.force_login(reviewer)
    page = client.get(url(qualification)).content.decode()
    assert "自有域名" in page and "已验证域名" not in page
    assert page.count('class="domain unverified"') == 2
    assert page.count('class="inline-form domain-verify"') == 2


def test_support_sees_the_domains_without_the_form(client, qualification, support):
    client.force_login(support)
    page = client.get(url(qualification)).content.decode()
    assert page.count('class="domain unverified"') == 2
    assert "domain-verify" not in page


def test_verifying_from_the_review_page_and_opening_the_evidence(
    client, qualification, reviewer, tmp_path
):
    client.force_login(reviewer)
    upload = tmp_path / "备案截图.png"
    upload.write_bytes(png_bytes((80, 50), "gray"))
    with upload.open("rb") as evidence:
        response = client.post(
            url(qualification, "domain"),
            {"domain": "jiguang.cn", "icp_number": ICP, "evidence": evidence},
        )
    assert response.status_code == 302 and response.url.endswith("#qualification")
    verification = DomainVerification.objects.get()
    page = client.get(url(qualification)).content.decode()
    assert 'class="domain verified"' in page and ICP in page
    assert "已将 jiguang.cn 标记为已核验" in page
    evidence_url = url(qualification, "material", verification.evidence_id)
    assert evidence_url in page
    assert client.get(evidence_url).status_code == 200
    assert AccessLog.objects.filter(
        user=reviewer, object_id=verification.evidence_id, action="view_material"
    ).exists()


def test_the_review_page_says_why_a_verification_is_refused(client, qualification, reviewer):
    client.force_login(reviewer)
    response = client.post(url(qualification, "domain"), {"domain": "jiguang.cn"}, follow=True)
    assert "请附上您核对过的ICP备案截图" in response.content.decode()
    response = client.post(
        url(qualification, "domain"),
        {"domain": "evil.example", "evidence": _file(png_bytes())},
        follow=True,
    )
    assert "域名 evil.example 不是" in response.content.decode()
    assert not DomainVerification.objects.exists()
    assert not Material.objects.filter(kind="icp_screenshot").exists()


def test_withdrawing_from_the_review_page(client, qualification, reviewer, support):
    verification = _verify(qualification, reviewer)
    client.force_login(support)
    client.post(url(qualification, "domain_withdraw", verification.pk))
    assert DomainVerification.objects.count() == 1
    client.force_login(reviewer)
    response = client.post(url(qualification, "domain_withdraw", verification.pk))
    assert response.status_code == 302
    assert not DomainVerification.objects.exists()


def test_a_signature_review_page_shows_the_qualification_domains(
    client, make_signature, qualification, reviewer
):
    _verify(qualification, reviewer)
    item = make_signature("under_review")
    client.force_login(reviewer)
    page = client.get(url(item)).content.decode()
    assert 'class="domain verified"' in page and 'class="domain unverified"' in page


# --- The portal ----------------------------------------------------------------------------------


def test_the_customer_sees_which_domains_are_verified(client, qualification, customer, reviewer):
    _verify(qualification, reviewer)
    client.force_login(customer)
    page = client.get(
        reverse("signatures:qualification_detail", args=[qualification.public_id])
    ).content.decode()
    assert "自有域名" in page
    assert 'jiguang.cn <span class="muted">已核验</span>' in page
    assert 'jpush.cn <span class="muted">待核验</span>' in page


def _file(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("icp.png", data, content_type="image/png")


def test_the_statuses_bring_the_evidence_and_the_verifier_in_one_query(
    qualification, reviewer, senior, django_assert_num_queries
):
    # The review page shows, for every domain, who verified it and the screenshot: read with
    # the verifications, not one query per domain.
    _verify(qualification, reviewer, domain="jiguang.cn", icp_number=ICP)
    _verify(qualification, senior, domain="jpush.cn", icp_number=ICP)
    with django_assert_num_queries(1):
        shown = [
            (s.domain, s.verification.verified_by.username, s.verification.evidence.kind)
            for s in domain_statuses(qualification)
        ]
    assert shown == [
        ("jiguang.cn", reviewer.username, "icp_screenshot"),
        ("jpush.cn", senior.username, "icp_screenshot"),
    ]
