"""The words a reviewer reads when a domain verification is refused (the domain is not the
qualification's, the ICP number is not in the register's form, the domain is verified already,
the screenshot fails the upload checks), and what the evidence keeps of the file it was sent."""

from __future__ import annotations

import pytest

from reviewportal.errors import ReviewError
from signatures.models import DomainVerification
from signatures.services import domain_verify
from tests.factories import png_bytes


def _verify(qualification, user, **overrides):
    fields = {
        "domain": "jiguang.cn",
        "data": png_bytes((80, 50), "gray"),
        "original_name": "备案截图.png",
    }
    fields.update(overrides)
    return domain_verify(qualification=qualification, user=user, **fields)


def _refusal(qualification, user, **overrides) -> tuple[str, str]:
    with pytest.raises(ReviewError) as refused:
        _verify(qualification, user, **overrides)
    assert not DomainVerification.objects.exists()
    return str(refused.value), refused.value.code


def test_a_domain_the_qualification_does_not_list_is_named(approved_qualification, reviewer):
    assert _refusal(approved_qualification, reviewer, domain=" Example.COM. ") == (
        f"The domain example.com is not one of the domains of {approved_qualification.public_id}.",
        "unknown_domain",
    )


def test_a_missing_domain_shows_as_a_dash(approved_qualification, reviewer):
    assert _refusal(approved_qualification, reviewer, domain="") == (
        f"The domain — is not one of the domains of {approved_qualification.public_id}.",
        "unknown_domain",
    )


def test_an_icp_number_not_in_the_registers_form_is_refused(approved_qualification, reviewer):
    assert _refusal(approved_qualification, reviewer, icp_number="ICP 12345678") == (
        "Write the ICP filing number as the register shows it, e.g. 京ICP备12345678号-1.",
        "icp_number",
    )


def test_a_domain_verified_already_is_named(approved_qualification, reviewer, senior):
    _verify(approved_qualification, reviewer)
    with pytest.raises(ReviewError) as refused:
        _verify(approved_qualification, senior, domain="JIGUANG.cn")
    assert (str(refused.value), refused.value.code) == (
        "The domain jiguang.cn is verified already.",
        "verified_already",
    )
    assert DomainVerification.objects.count() == 1


def test_a_screenshot_refused_by_the_upload_checks_says_why(approved_qualification, reviewer):
    assert _refusal(approved_qualification, reviewer, data=b"GIF89a\x01\x00\x01\x00") == (
        "This file is not a JPEG or PNG image (its content was checked, not its name).",
        "evidence",
    )


def test_without_an_icp_number_the_verification_records_none(approved_qualification, reviewer):
    verification = DomainVerification.objects.get(pk=_verify(approved_qualification, reviewer).pk)
    assert verification.icp_number == ""


def test_the_evidence_keeps_the_name_the_screenshot_was_sent_with(approved_qualification, reviewer):
    verification = _verify(approved_qualification, reviewer)
    evidence = DomainVerification.objects.get(pk=verification.pk).evidence
    assert (evidence.kind, evidence.original_name, evidence.uploaded_by) == (
        "icp_screenshot",
        "备案截图.png",
        reviewer,
    )
    assert (evidence.width, evidence.height) == (80, 50)
