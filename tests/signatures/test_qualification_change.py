"""A qualification change is reviewed against the qualification in force (field by field and
material by material), and approving a change that makes approved signatures no longer fit
puts those back for re-review, the customer told why."""

from __future__ import annotations

from django.urls import reverse

from reviewportal.models import Notification, ReviewState
from reviewportal.services import lifecycle as lc
from signatures.services import material_create, qualification_change_start
from tests.factories import SignatureApplicationFactory, png_bytes
from tests.states import walk_to

S = ReviewState


def _approved_signature(qualification, content, customer, reviewer, senior):
    item = SignatureApplicationFactory(qualification=qualification, content=content)
    return walk_to(item, "approved", customer=customer, reviewer=reviewer, senior=senior)


def test_change_review_page_compares_with_the_qualification_in_force(
    client, approved_qualification, customer, reviewer
):
    old_licence = approved_qualification.materials.get(kind="business_license")
    new_licence = material_create(
        account=customer.account,
        user=customer,
        kind="business_license",
        data=png_bytes((64, 40), "navy"),
        original_name="新营业执照.png",
    )
    materials = [
        *approved_qualification.materials.exclude(kind="business_license"),
        new_licence,
    ]
    change = qualification_change_start(
        qualification=approved_qualification,
        user=customer,
        name="深圳市新讯华谷信息技术有限公司",
        materials=materials,
    )
    client.force_login(reviewer)
    page = client.get(
        reverse("admin:signatures_qualification_change", args=[change.pk])
    ).content.decode()
    diff = page[page.index('id="diff"') : page.index("</section>", page.index('id="diff"'))]
    assert "首次提交" not in diff
    assert approved_qualification.public_id in diff  # the column of what is in force
    assert "深圳市和讯华谷信息技术有限公司" in diff and "深圳市新讯华谷信息技术有限公司" in diff
    assert "主体全称" in diff  # the field's name as the reviewer knows it
    # The licence was replaced; the ID cards are the same files and are not listed.
    assert 'class="material-replaced"' in diff
    assert old_licence.original_name in diff and new_licence.original_name in diff
    assert diff.count('<tr class="material-') == 1


def test_approved_rename_puts_signatures_that_no_longer_fit_back_for_rereview(
    approved_qualification, customer, reviewer, senior
):
    fits_old_only = _approved_signature(
        approved_qualification, "和讯华谷", customer, reviewer, senior
    )
    fits_both = _approved_signature(approved_qualification, "华谷", customer, reviewer, senior)
    before = Notification.objects.count()
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, name="深圳市新途华谷信息技术有限公司"
    )
    change = lc.review_claim(item=change, user=reviewer)
    lc.review_approve(item=change, user=reviewer)  # a plain reviewer may approve the change

    fits_old_only.refresh_from_db()
    fits_both.refresh_from_db()
    assert fits_old_only.state == S.REREVIEW
    assert "SIG_NOT_ENTITY_NAME" in {f["code"] for f in fits_old_only.current_revision.findings}
    assert fits_both.state == S.APPROVED
    told = Notification.objects.order_by("pk")[before:]
    bodies = [n.body for n in told if fits_old_only.public_id in n.body or "和讯华谷" in n.body]
    assert any(approved_qualification.public_id in body for body in bodies), [n.body for n in told]


def test_change_that_keeps_the_name_leaves_signatures_approved(
    approved_qualification, customer, reviewer, senior
):
    signature = _approved_signature(approved_qualification, "和讯华谷", customer, reviewer, senior)
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_name="王五"
    )
    change = lc.review_claim(item=change, user=reviewer)
    lc.review_approve(item=change, user=reviewer)
    signature.refresh_from_db()
    assert signature.state == S.APPROVED
