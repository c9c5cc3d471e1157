"""The signature pages: live pre-check, server-side refusal, after-hours notice, list with
per-carrier status, detail with reasons, edit-and-resubmit, withdraw and urgent review."""

import json
from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from portal.helpers import LIST_PAGE_SIZE
from reviewportal.models import UrgentTicket
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from signatures.models import Material, Qualification, SignatureApplication
from tests.factories import QualificationFactory, SignatureApplicationFactory, png_bytes


def _post(client, **extra):
    return client.post(
        reverse("signatures:signature_create"),
        {"sig_type": "company", "purpose": "self", "use_case": "登录验证码", **extra},
    )


def test_live_precheck_reports_blocking_findings(portal_client, approved_qualification):
    url = reverse("signatures:signature_precheck")
    params = {"qualification": approved_qualification.public_id, "sig_type": "company"}
    bad = portal_client.get(url, {**params, "content": "和讯华谷123"}).json()
    assert bad["blocking"] is True
    assert "SIG_DIGITS" in {f["code"] for f in bad["findings"]}
    good = portal_client.get(url, {**params, "content": "和讯华谷"}).json()
    assert good["blocking"] is False


def test_live_precheck_counts_chosen_files(portal_client, approved_qualification):
    url = reverse("signatures:signature_precheck")
    params = {
        "qualification": approved_qualification.public_id,
        "sig_type": "app",
        "content": "和讯华谷",
    }
    without = {f["code"] for f in portal_client.get(url, params).json()["findings"]}
    with_icp = portal_client.get(url, {**params, "material": "icp_screenshot"}).json()
    assert "SIG_MATERIALS_MISSING" in without
    assert "SIG_MATERIALS_MISSING" not in {f["code"] for f in with_icp["findings"]}


def test_blocked_signature_is_refused_with_findings_and_its_file_kept_unused(
    portal_client, approved_qualification
):
    response = _post(
        portal_client,
        qualification=approved_qualification.public_id,
        content="和讯华谷123",
        icp_screenshot=SimpleUploadedFile("icp.png", png_bytes(), content_type="image/png"),
    )
    assert response.status_code == 200
    assert "SIG_DIGITS" in {f.code for f in response.context["findings"]}
    assert response.context["form"].non_field_errors()
    assert not SignatureApplication.objects.exists()
    # The valid file stays chosen for the corrected sending, attached to nothing yet.
    (kept,) = Material.objects.filter(kind="icp_screenshot")
    assert response.context["form"].fields["icp_screenshot"].staged == kept
    assert not kept.signatures.exists()


def test_signature_is_submitted(portal_client, approved_qualification):
    response = _post(
        portal_client, qualification=approved_qualification.public_id, content="和讯华谷"
    )
    item = SignatureApplication.objects.get()
    assert response["Location"] == reverse("signatures:signature_detail", args=[item.public_id])
    assert item.state == "pending_review"
    assert item.created_by.account_id == approved_qualification.account_id


def test_draft_qualification_cannot_carry_a_signature(portal_client, account):
    draft = QualificationFactory(account=account)
    response = _post(portal_client, qualification=draft.public_id, content="和讯华谷")
    assert "qualification" in response.context["form"].errors


def test_after_hours_notice(monday_clock, portal_client, approved_qualification):
    url = reverse("signatures:signature_create")
    assert "after-hours" not in portal_client.get(url).content.decode()
    with time_machine.travel(datetime.fromisoformat("2026-11-23T17:05:00+08:00")):
        assert 'data-testid="after-hours"' in portal_client.get(url).content.decode()
    # Saturday 2026-11-28 is not a working day: the notice shows in the morning too.
    with time_machine.travel(datetime.fromisoformat("2026-11-28T10:00:00+08:00")):
        assert 'data-testid="after-hours"' in portal_client.get(url).content.decode()


def test_list_shows_status_and_filing_per_carrier(portal_client, world):
    response = portal_client.get(reverse("signatures:signature_list"))
    body = response.content.decode()
    assert world["signature"].public_id in body
    assert "中国移动" in body and "中国电信" in body
    assert body.count("fl-queued") == 3
    filtered = portal_client.get(reverse("signatures:signature_list"), {"status": "rejected"})
    assert world["signature"].public_id not in filtered.content.decode()


def test_the_list_shows_a_page_of_signatures(portal_client, approved_qualification):
    SignatureApplicationFactory.create_batch(
        LIST_PAGE_SIZE + 1, qualification=approved_qualification
    )
    url = reverse("signatures:signature_list")
    first = portal_client.get(url)
    assert len(first.context["items"]) == LIST_PAGE_SIZE
    assert 'href="?page=2" rel="next"' in first.content.decode()
    (last,) = portal_client.get(url, {"page": 2}).context["items"]
    assert last == SignatureApplication.objects.order_by("created_at", "pk").first()


def test_rejection_reasons_in_the_customers_language_then_edit_and_resubmit(
    portal_client, customer, reviewer, approved_qualification
):
    item = SignatureApplication.objects.create(
        account=customer.account,
        qualification=approved_qualification,
        sig_type="company",
        content="和讯",
        purpose="self",
    )
    item = lc.review_submit(item=item, user=customer)
    lc.review_claim(item=item, user=reviewer)
    lc.review_reject(item=item, user=reviewer, reasons=["sig_abbreviation"], comment="请用全称")
    url = reverse("signatures:signature_detail", args=[item.public_id])
    body = portal_client.get(url).content.decode()
    from reviewportal.models import ReasonCode

    reason = ReasonCode.objects.get(code="sig_abbreviation")
    assert reason.customer_text_zh in body and "请用全称" in body
    portal_client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert escape(reason.customer_text_en) in portal_client.get(url).content.decode()

    edit = reverse("signatures:signature_edit", args=[item.public_id])
    assert portal_client.get(edit).status_code == 200
    response = portal_client.post(
        edit,
        {
            "qualification": approved_qualification.public_id,
            "sig_type": "company",
            "content": "和讯华谷",
            "purpose": "self",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == "pending_review" and item.content == "和讯华谷"
    assert item.current_revision.number == 2


def test_withdraw_and_urgent_review(portal_client, customer, approved_qualification):
    item = SignatureApplication.objects.create(
        account=customer.account,
        qualification=approved_qualification,
        sig_type="company",
        content="和讯华谷",
        purpose="self",
    )
    item = lc.review_submit(item=item, user=customer)
    response = portal_client.post(
        reverse("signatures:signature_urgent", args=[item.public_id]), {"reason": "明天上线"}
    )
    assert response.status_code == 302
    ticket = UrgentTicket.objects.get()
    assert ticket.reason == "明天上线" and ticket.object_id == item.pk
    # A second request while the first is open is refused with a message.
    portal_client.post(
        reverse("signatures:signature_urgent", args=[item.public_id]), {"reason": "再催"}
    )
    assert UrgentTicket.objects.count() == 1
    portal_client.post(reverse("signatures:signature_withdraw", args=[item.public_id]))
    item.refresh_from_db()
    assert item.state == "withdrawn"


def test_approved_signature_offers_no_edit_or_withdraw(portal_client, world):
    body = portal_client.get(
        reverse("signatures:signature_detail", args=[world["signature"].public_id])
    ).content.decode()
    assert reverse("signatures:signature_edit", args=[world["signature"].public_id]) not in body
    assert reverse("signatures:signature_withdraw", args=[world["signature"].public_id]) not in body


def test_check_number_endpoint(portal_client):
    url = reverse("signatures:check_number")

    def check(kind, value):
        body = json.dumps({"kind": kind, "value": value})
        return portal_client.post(url, body, content_type="application/json").json()["valid"]

    assert check("uscc", sample_uscc(5))
    wrong = sample_uscc(5)[:-1] + ("0" if sample_uscc(5)[-1] != "0" else "1")
    assert not check("uscc", wrong)
    rid = sample_resident_id(5)
    assert check("resident_id", rid)
    bad = rid[:-1] + ("0" if rid[-1] != "0" else "1")
    assert not check("resident_id", bad)


def test_qualification_form_refuses_wrong_check_digits(portal_client):
    uscc = sample_uscc(5)
    response = portal_client.post(
        reverse("signatures:qualification_create"),
        {
            "entity_kind": "enterprise",
            "name": "某公司",
            "legal_rep_name": "张三",
            "uscc": uscc[:-1] + ("0" if uscc[-1] != "0" else "1"),
            "legal_rep_id_number": "110105198001010000",
        },
    )
    errors = response.context["form"].errors
    assert "uscc" in errors and "legal_rep_id_number" in errors
    assert not Qualification.objects.exists()


def test_change_of_an_approved_qualification(
    portal_client, customer, reviewer, approved_qualification
):
    url = reverse("signatures:qualification_change", args=[approved_qualification.public_id])
    data = {
        "entity_kind": "enterprise",
        "name": "深圳市和讯华谷信息技术股份有限公司",
        "uscc": approved_qualification.uscc,
        "legal_rep_name": "李四",
        "legal_rep_id_number": approved_qualification.legal_rep_id_number,
        "is_mainland": "on",
    }
    response = portal_client.post(url, data)
    change = Qualification.objects.get(change_of=approved_qualification)
    assert response["Location"] == reverse(
        "signatures:qualification_detail", args=[change.public_id]
    )
    assert change.state == "pending_review" and change.legal_rep_name == "李四"
    approved_qualification.refresh_from_db()
    assert approved_qualification.legal_rep_name == "张三"
    assert approved_qualification.materials.count() == change.materials.count() == 3
    # Only one change at a time: the page no longer offers it.
    detail = reverse("signatures:qualification_detail", args=[approved_qualification.public_id])
    assert url not in portal_client.get(detail).content.decode()


@pytest.mark.parametrize(
    ("submitted", "after", "message"),
    [
        (False, "draft", "Your changes were saved."),
        (True, "pending_review", "Your changes were saved and resubmitted for review."),
    ],
)
def test_the_signature_edit_says_whether_it_resubmitted(
    portal_client, customer, reviewer, approved_qualification, submitted, after, message
):
    """A draft stays a draft when edited, and the message does not claim otherwise."""
    item = SignatureApplication.objects.create(
        account=customer.account,
        qualification=approved_qualification,
        sig_type="company",
        content="和讯",
        purpose="self",
    )
    if submitted:
        item = lc.review_submit(item=item, user=customer)
        lc.review_claim(item=item, user=reviewer)
        lc.review_reject(item=item, user=reviewer, reasons=["sig_abbreviation"], comment="全称")
    portal_client.cookies["django_language"] = "en"
    response = portal_client.post(
        reverse("signatures:signature_edit", args=[item.public_id]),
        {
            "qualification": approved_qualification.public_id,
            "sig_type": "company",
            "content": "和讯华谷",
            "purpose": "self",
        },
        follow=True,
    )
    item.refresh_from_db()
    assert (item.state, item.content) == (after, "和讯华谷")
    assert [str(m) for m in response.context["messages"]] == [message]
