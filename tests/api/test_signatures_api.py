"""The signature resource: create, read, list, change, submit, withdraw, expedite; each
account sees only its own."""

from __future__ import annotations

import pytest

from reviewportal.models import ReasonCode, ReviewState
from reviewportal.services import lifecycle as lc
from signatures.models import SignatureApplication
from tests.api.conftest import PUBLIC_ID
from tests.factories import QualificationFactory, SignatureApplicationFactory, make_material

pytestmark = pytest.mark.django_db

URL = "/api/v1/signatures"


def _body(qualification, **extra):
    return {
        "qualification": qualification.public_id,
        "type": "company",
        "content": "和讯华谷",
        "use_case": "注册登录验证码",
        **extra,
    }


def test_signature_create_makes_a_draft_through_the_service(api, approved_qualification, customer):
    response = api.post(URL, _body(approved_qualification), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    item = SignatureApplication.objects.get(public_id=data["id"])
    assert item.state == ReviewState.DRAFT
    assert item.created_by == customer
    assert data["qualification"] == approved_qualification.public_id
    assert data["type"] == "company" and data["state"] == "draft"
    assert response["Location"] == f"{URL}/{item.public_id}"
    assert response["ETag"].startswith('"')
    assert "+08:00" in data["created_at"]


def test_signature_create_with_submit_submits_it(api, approved_qualification):
    response = api.post(URL, _body(approved_qualification, submit=True), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == ReviewState.PENDING_REVIEW
    assert data["revision"] == 1
    assert data["submitted_at"] is not None


def test_signature_create_refuses_unknown_fields_naming_them(api, approved_qualification):
    response = api.post(URL, _body(approved_qualification, colour="red"), format="json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert {"pointer": "#/colour", "code": "unknown_field"}.items() <= problem["errors"][0].items()
    assert not SignatureApplication.objects.exists()


def test_signature_create_refuses_another_accounts_qualification(other_api, approved_qualification):
    response = other_api.post(URL, _body(approved_qualification), format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/qualification"
    assert not SignatureApplication.objects.exists()


def test_signature_create_refuses_another_accounts_material(
    other_api, other_customer, approved_qualification
):
    material = make_material(approved_qualification.account, "icp_screenshot")
    theirs = QualificationFactory(account=other_customer.account)
    response = other_api.post(URL, _body(theirs, materials=[material.public_id]), format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/materials"


def test_signature_create_validation_error_points_at_the_api_field(api, approved_qualification):
    response = api.post(URL, _body(approved_qualification, content="x" * 41), format="json")
    assert response.status_code == 422
    pointers = [e["pointer"] for e in response.json()["errors"]]
    assert "#/content" in pointers


def test_signature_create_malformed_json_is_400(api):
    response = api.generic("POST", URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


def test_signature_retrieve_of_another_account_is_404(api, other_customer):
    theirs = SignatureApplicationFactory(
        qualification=QualificationFactory(account=other_customer.account)
    )
    response = api.get(f"{URL}/{theirs.public_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_signature_list_shows_only_the_accounts_own_in_change_order(api, signature, other_customer):
    SignatureApplicationFactory(qualification=QualificationFactory(account=other_customer.account))
    second = SignatureApplicationFactory(qualification=signature.qualification, content="极光推送")
    response = api.get(URL)
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [signature.public_id, second.public_id]


def test_signature_list_pages_by_cursor_without_repeats(api, approved_qualification):
    made = [
        SignatureApplicationFactory(qualification=approved_qualification, content=f"和讯{n}")
        for n in range(5)
    ]
    seen = []
    url = f"{URL}?page_size=2"
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [item.public_id for item in made]


def test_signature_list_updated_since_filters_and_refuses_a_naive_time(api, signature):
    later = api.get(URL, {"updated_since": "2099-01-01T00:00:00+08:00"})
    assert later.status_code == 200 and later.json()["results"] == []
    earlier = api.get(URL, {"updated_since": "2000-01-01T00:00:00+08:00"})
    assert [r["id"] for r in earlier.json()["results"]] == [signature.public_id]
    naive = api.get(URL, {"updated_since": "2000-01-01T00:00:00"})
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["pointer"] == "#/updated_since"


def test_signature_list_state_filter(api, signature):
    assert api.get(URL, {"state": "draft"}).json()["results"][0]["id"] == signature.public_id
    assert api.get(URL, {"state": "approved"}).json()["results"] == []
    assert api.get(URL, {"state": "nonsense"}).status_code == 422


def test_signature_update_requires_if_match(api, signature):
    response = api.patch(f"{URL}/{signature.public_id}", {"use_case": "营销"}, format="json")
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    signature.refresh_from_db()
    assert signature.use_case != "营销"


def test_signature_update_with_a_stale_etag_is_412_and_writes_nothing(api, signature):
    stale = api.get(f"{URL}/{signature.public_id}")["ETag"]
    first = api.patch(
        f"{URL}/{signature.public_id}", {"use_case": "第一次"}, format="json", HTTP_IF_MATCH=stale
    )
    assert first.status_code == 200, first.json()
    second = api.patch(
        f"{URL}/{signature.public_id}", {"use_case": "第二次"}, format="json", HTTP_IF_MATCH=stale
    )
    assert second.status_code == 412
    assert second.json()["code"] == "precondition_failed"
    signature.refresh_from_db()
    assert signature.use_case == "第一次"
    assert first["ETag"] != stale


def test_signature_update_of_a_submitted_one_resubmits(api, approved_qualification):
    created = api.post(URL, _body(approved_qualification, submit=True), format="json")
    url = created["Location"]
    response = api.patch(url, {"use_case": "改了"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert response.status_code == 200, response.json()
    assert response.json()["revision"] == 2


def test_signature_submit_and_withdraw(api, signature):
    url = f"{URL}/{signature.public_id}"
    submitted = api.post(f"{url}/submit", {}, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["state"] == ReviewState.PENDING_REVIEW
    again = api.post(f"{url}/submit", {}, format="json")
    assert again.status_code == 409
    withdrawn = api.post(f"{url}/withdraw", {"reason": "改名"}, format="json")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["state"] == ReviewState.WITHDRAWN


def test_signature_urgent_request_opens_a_ticket(api, signature):
    url = f"{URL}/{signature.public_id}"
    api.post(f"{url}/submit", {}, format="json")
    response = api.post(f"{url}/urgent", {"reason": "明天上线"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["id"].startswith("URG")
    assert api.post(f"{url}/urgent", {}, format="json").status_code == 422


def test_signature_revisions_list_each_submission(api, signature):
    url = f"{URL}/{signature.public_id}"
    api.post(f"{url}/submit", {}, format="json")
    revisions = api.get(f"{url}/revisions").json()
    assert [r["number"] for r in revisions] == [1]
    assert revisions[0]["decisions"] == []


def test_signature_rejection_reasons_in_the_callers_language(api, approved_qualification, reviewer):
    item = SignatureApplicationFactory(qualification=approved_qualification)
    customer = approved_qualification.account.users.first()
    item = lc.review_submit(item=item, user=customer)
    item = lc.review_claim(item=item, user=reviewer)
    reason = ReasonCode.objects.filter(applies_to__in=["signature", "any"]).first()
    lc.review_reject(item=item, user=reviewer, reasons=[reason], comment="请补充")
    english = api.get(f"{URL}/{item.public_id}", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = api.get(f"{URL}/{item.public_id}", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").json()
    assert english["rejection"]["reasons"][0] == {
        "code": reason.code,
        "title": reason.title_en,
        "text": reason.customer_text_en,
    }
    assert chinese["rejection"]["reasons"][0]["text"] == reason.customer_text_zh
    assert english["rejection"]["comment"] == "请补充"


def test_signature_list_query_count_does_not_grow_with_rows(
    api, approved_qualification, django_assert_max_num_queries
):
    for n in range(3):
        SignatureApplicationFactory(qualification=approved_qualification, content=f"甲{n}")
    with django_assert_max_num_queries(12) as few:
        api.get(URL)
    for n in range(12):
        SignatureApplicationFactory(qualification=approved_qualification, content=f"乙{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        api.get(URL)


def test_signature_create_with_submit_blocked_names_nothing_that_does_not_exist(
    api, approved_qualification
):
    # An app's name as a signature: refused since 2026-05-01.
    body = _body(approved_qualification, type="app", content="极光推送", submit=True)
    response = api.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "precheck_blocked"
    assert problem["errors"] and all(e["pointer"] == "#/" for e in problem["errors"])
    assert problem["detail"].startswith("Nothing was created")
    assert all(e["detail"] in problem["detail"] for e in problem["errors"])
    assert PUBLIC_ID.findall(problem["detail"]) == []
    assert not SignatureApplication.objects.exists()
    chinese = api.post(URL, body, format="json").json()
    assert chinese["detail"].startswith("未创建任何内容")
