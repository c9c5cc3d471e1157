"""The domains a qualification lists and which of them a reviewer verified
(``signatures.selectors.domain_statuses``), as the qualification's portal page shows them.

Verifications belong to the qualification in force: a change under review shows those of the
domains it keeps and nothing for a domain it adds, in the order the qualification lists them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from signatures.selectors import domain_statuses
from signatures.services import domain_verify, qualification_change_start
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def _verify(qualification, domain, reviewer):
    return domain_verify(
        qualification=qualification,
        domain=domain,
        user=reviewer,
        data=png_bytes(),
        original_name="icp.png",
        icp_number="粤ICP备12345678号-1",
    )


def _shown(statuses):
    return [(s.domain, s.verified, s.verification) for s in statuses]


def test_each_domain_with_its_verification_in_the_listed_order(approved_qualification, reviewer):
    approved_qualification.verified_domains = ["jiguang.cn", "hexun.com.cn"]
    approved_qualification.save(update_fields=["verified_domains"])
    verification = _verify(approved_qualification, "hexun.com.cn", reviewer)

    statuses = domain_statuses(approved_qualification)

    assert _shown(statuses) == [
        ("jiguang.cn", False, None),
        ("hexun.com.cn", True, verification),
    ]
    assert statuses[1].verification.verified_by == reviewer
    assert statuses[1].verification.evidence.kind == verification.evidence.kind


def test_a_change_shows_the_verifications_of_the_qualification_in_force(
    approved_qualification, customer, reviewer
):
    verification = _verify(approved_qualification, "jiguang.cn", reviewer)
    change = qualification_change_start(
        qualification=approved_qualification,
        user=customer,
        verified_domains=["jiguang.cn", "new-hexun.cn"],
    )

    assert _shown(domain_statuses(change)) == [
        ("jiguang.cn", True, verification),
        ("new-hexun.cn", False, None),
    ]
    assert _shown(domain_statuses(approved_qualification)) == [("jiguang.cn", True, verification)]


def test_the_portal_page_says_which_domains_are_verified(
    portal_client, approved_qualification, reviewer
):
    approved_qualification.verified_domains = ["jiguang.cn", "hexun.com.cn"]
    approved_qualification.save(update_fields=["verified_domains"])
    _verify(approved_qualification, "hexun.com.cn", reviewer)

    page = portal_client.get(
        reverse("signatures:qualification_detail", args=[approved_qualification.public_id])
    ).content.decode()

    with translation.override("zh-hans"):
        verified, not_yet = (
            str(translation.gettext("verified")),
            translation.gettext("not verified yet"),
        )
    assert f'jiguang.cn <span class="muted">{not_yet}</span>' in page
    assert f'hexun.com.cn <span class="muted">{verified}</span>' in page
