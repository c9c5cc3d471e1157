"""The template resource: list, change, withdraw, expedite and revisions, each as the signature
resource does them; another account's signature is named as one that does not exist, and a
refused write leaves nothing behind."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from reviewportal.models import ReasonCode, ReviewState, UrgentTicket
from reviewportal.selectors import revisions_for
from reviewportal.services import lifecycle as lc
from templates.models import TemplateApplication
from tests.api.conftest import PUBLIC_ID, template_body
from tests.factories import (
    QualificationFactory,
    SignatureApplicationFactory,
    TemplateApplicationFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/templates"


@pytest.fixture
def submitted(api, approved_signature):
    """A template applied for and submitted through the API: the answer of its creation."""
    response = api.post(URL, template_body(approved_signature, submit=True), format="json")
    assert response.status_code == 201, response.json()
    return response


# --- list --------------------------------------------------------------------------------------


def test_template_list_shows_only_the_accounts_own_in_change_order(
    api, approved_signature, other_customer
):
    first = TemplateApplicationFactory(signature=approved_signature)
    TemplateApplicationFactory(
        signature=SignatureApplicationFactory(
            qualification=QualificationFactory(account=other_customer.account)
        )
    )
    second = TemplateApplicationFactory(signature=approved_signature, name="订单通知")
    response = api.get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [first.public_id, second.public_id]
    assert rows[1]["name"] == "订单通知"
    assert rows[1]["signature"] == approved_signature.public_id


def test_template_list_pages_by_cursor_without_repeats(api, approved_signature):
    made = [
        TemplateApplicationFactory(signature=approved_signature, name=f"通知{n}") for n in range(5)
    ]
    seen, pages = [], 0
    url = f"{URL}?page_size=2"
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
        pages += 1
    assert seen == [item.public_id for item in made]
    assert pages == 3


def test_template_list_updated_since_filters_and_refuses_a_naive_time(api, approved_signature):
    template = TemplateApplicationFactory(signature=approved_signature)
    later = api.get(URL, {"updated_since": "2099-01-01T00:00:00+08:00"})
    assert later.status_code == 200 and later.json()["results"] == []
    earlier = api.get(URL, {"updated_since": "2000-01-01T00:00:00+08:00"})
    assert [r["id"] for r in earlier.json()["results"]] == [template.public_id]
    naive = api.get(URL, {"updated_since": "2000-01-01T00:00:00"})
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["pointer"] == "#/updated_since"


def test_template_list_state_filter(api, approved_signature, submitted):
    TemplateApplicationFactory(signature=approved_signature, name="草稿")
    pending = api.get(URL, {"state": "pending_review"}).json()["results"]
    assert [r["id"] for r in pending] == [submitted.json()["id"]]
    assert api.get(URL, {"state": "approved"}).json()["results"] == []


# --- create under another account's signature -------------------------------------------------


def test_template_create_refuses_another_accounts_signature(other_api, approved_signature):
    response = other_api.post(URL, template_body(approved_signature, submit=True), format="json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_failed"
    (error,) = problem["errors"]
    assert (error["pointer"], error["code"]) == ("#/signature", "not_found")
    # Named exactly as an ID that does not exist: nothing tells the signature is someone's.
    nowhere = {**template_body(approved_signature), "signature": "SIGNOPE"}
    missing = other_api.post(URL, nowhere, format="json")
    assert missing.json()["errors"] == problem["errors"]
    assert not TemplateApplication.objects.exists()


# --- change ------------------------------------------------------------------------------------


def test_template_update_with_a_stale_etag_is_412_and_writes_nothing(api, submitted):
    url, stale = submitted["Location"], submitted["ETag"]
    first = api.patch(url, {"remark": "第一次"}, format="json", HTTP_IF_MATCH=stale)
    assert first.status_code == 200, first.json()
    assert first["ETag"] != stale
    second = api.patch(
        url, {"remark": "第二次", "name": "改名"}, format="json", HTTP_IF_MATCH=stale
    )
    assert second.status_code == 412
    assert second["Content-Type"] == "application/problem+json"
    problem = second.json()
    assert (problem["status"], problem["code"]) == (412, "precondition_failed")
    item = TemplateApplication.objects.get(public_id=submitted.json()["id"])
    assert (item.remark, item.name) == ("第一次", "登录验证码")
    # The first change resubmitted it (revision 2); the refused one made no revision.
    assert revisions_for(item).count() == 2
    assert api.get(url)["ETag"] == first["ETag"]


def test_template_update_requires_if_match(api, submitted):
    response = api.patch(submitted["Location"], {"remark": "晚上发送"}, format="json")
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert TemplateApplication.objects.get(public_id=submitted.json()["id"]).remark == ""


# --- withdraw, urgent, revisions ---------------------------------------------------------------


def test_template_withdraw_of_a_submitted_one(api, submitted):
    url = submitted["Location"]
    response = api.post(f"{url}/withdraw", {"reason": "内容要改"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == ReviewState.WITHDRAWN
    item = TemplateApplication.objects.get(public_id=submitted.json()["id"])
    assert item.state == ReviewState.WITHDRAWN
    again = api.post(f"{url}/withdraw", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "transition_refused"


def test_template_urgent_request_opens_a_ticket(api, submitted, customer):
    url = submitted["Location"]
    response = api.post(f"{url}/urgent", {"reason": "明天上线"}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["id"].startswith("URG") and data["reason"] == "明天上线"
    ticket = UrgentTicket.objects.get(public_id=data["id"])
    item = TemplateApplication.objects.get(public_id=submitted.json()["id"])
    assert ticket.content_type == ContentType.objects.get_for_model(TemplateApplication)
    assert (ticket.object_id, ticket.requested_by, ticket.state) == (item.pk, customer, "open")
    again = api.post(f"{url}/urgent", {"reason": "再催一次"}, format="json")
    assert again.status_code == 422
    assert again.json()["code"] == "urgent_ticket_open"
    assert UrgentTicket.objects.count() == 1


def test_template_urgent_request_needs_a_reason_and_a_submitted_template(api, approved_signature):
    draft = api.post(URL, template_body(approved_signature), format="json")
    no_reason = api.post(f"{draft['Location']}/urgent", {}, format="json")
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["pointer"] == "#/reason"
    of_a_draft = api.post(f"{draft['Location']}/urgent", {"reason": "急"}, format="json")
    assert of_a_draft.status_code == 409
    assert not UrgentTicket.objects.exists()


def test_template_revisions_list_each_submission_with_its_findings(api, submitted):
    url = submitted["Location"]
    changed = api.patch(
        url,
        {"content": "您的验证码为${code}，10分钟内有效，请勿泄露。"},
        format="json",
        HTTP_IF_MATCH=submitted["ETag"],
    )
    assert changed.status_code == 200, changed.json()
    revisions = api.get(f"{url}/revisions")
    assert revisions.status_code == 200
    data = revisions.json()
    assert [r["number"] for r in data] == [1, 2]
    assert all(r["decisions"] == [] for r in data)
    item = TemplateApplication.objects.get(public_id=submitted.json()["id"])
    stored = {r.number: r.findings for r in revisions_for(item)}
    assert [[f["code"] for f in r["findings"]] for r in data] == [
        [f["code"] for f in stored[1]],
        [f["code"] for f in stored[2]],
    ]


def test_template_revisions_show_the_rejection_in_the_callers_language(api, submitted, reviewer):
    item = TemplateApplication.objects.get(public_id=submitted.json()["id"])
    item = lc.review_claim(item=item, user=reviewer)
    reason = ReasonCode.objects.filter(applies_to__in=["template", "any"]).first()
    lc.review_reject(item=item, user=reviewer, reasons=[reason], comment="请说明用途")
    (revision,) = api.get(f"{submitted['Location']}/revisions", HTTP_ACCEPT_LANGUAGE="en").json()
    (decision,) = revision["decisions"]
    assert decision["outcome"] == "reject" and decision["comment"] == "请说明用途"
    assert decision["reasons"] == [
        {"code": reason.code, "title": reason.title_en, "text": reason.customer_text_en}
    ]


# --- created and submitted at once, blocked by the pre-check -----------------------------------


def test_template_create_with_submit_blocked_names_nothing_that_does_not_exist(
    api, approved_signature
):
    body = template_body(
        approved_signature, kind="notification", content="【和讯华谷】您的订单已发货。", submit=True
    )
    response = api.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "precheck_blocked"
    assert [e["code"] for e in problem["errors"]] == ["TPL_BRACKETS"]
    assert problem["detail"].startswith("Nothing was created")
    assert problem["errors"][0]["detail"] in problem["detail"]
    assert PUBLIC_ID.findall(problem["detail"]) == []
    assert not TemplateApplication.objects.exists()
