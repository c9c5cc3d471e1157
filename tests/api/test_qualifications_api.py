"""The qualification resource: register, read, list, edit and resubmit, submit, withdraw,
expedite, and the change flow of an approved one; ID numbers only masked; each account sees
and names only its own."""

from __future__ import annotations

import json

import pytest

from api.models import IdempotentRequest
from reviewportal.models import AccountRole, ReasonCode, ReviewState
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from signatures.models import Qualification
from tests.api.conftest import PUBLIC_ID, client_for
from tests.factories import QualificationFactory, enterprise_materials, make_material
from tests.states import walk_to

pytestmark = pytest.mark.django_db

URL = "/api/v1/qualifications"
S = ReviewState
ID_NUMBER = sample_resident_id(7301)


def _body(customer=None, **extra):
    body = {
        "entity_kind": "enterprise",
        "name": "杭州云栖数据科技有限公司",
        "uscc": sample_uscc(7301),
        "legal_rep_name": "李四",
        "legal_rep_id_number": ID_NUMBER,
        "license_valid_from": "2019-04-01",
        "verified_domains": ["yunqi.example.cn"],
    }
    if customer is not None:
        materials = enterprise_materials(customer.account, customer)
        body["materials"] = [m.public_id for m in materials]
    body.update(extra)
    return body


def _wrong_check_digit(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


@pytest.fixture
def theirs(other_customer):
    return QualificationFactory(account=other_customer.account)


# --- create ------------------------------------------------------------------------------------


def test_qualification_create_makes_a_draft_with_the_id_number_masked(api, customer):
    response = api.post(URL, _body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    item = Qualification.objects.get(public_id=data["id"])
    assert item.state == S.DRAFT and item.created_by == customer
    assert item.legal_rep_id_number == ID_NUMBER
    assert data["legal_rep_id_number_masked"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert data["agent_id_number_masked"] == ""
    assert ID_NUMBER not in response.content.decode()
    assert "legal_rep_id_number" not in data
    assert data["uscc"] == sample_uscc(7301) and data["license_valid_from"] == "2019-04-01"
    assert data["change_of"] is None and data["open_change"] is None
    assert response["Location"] == f"{URL}/{item.public_id}"
    assert response["ETag"].startswith('"')


def test_qualification_create_with_submit_submits_it(api, customer):
    response = api.post(URL, _body(customer, submit=True), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == S.PENDING_REVIEW and data["revision"] == 1
    assert data["due_at"] is not None and len(data["materials"]) == 3


def test_qualification_draft_may_lack_what_a_submission_needs(api):
    draft = api.post(URL, {"name": "杭州云栖数据科技有限公司"}, format="json")
    assert draft.status_code == 201, draft.json()
    refused = api.post(URL, {"name": "杭州云栖数据科技有限公司", "submit": True}, format="json")
    assert refused.status_code == 422
    pointers = {e["pointer"] for e in refused.json()["errors"]}
    assert {"#/uscc", "#/legal_rep_name", "#/legal_rep_id_number"} <= pointers
    assert Qualification.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("uscc", _wrong_check_digit(sample_uscc(7301))),
        ("legal_rep_id_number", _wrong_check_digit(ID_NUMBER)),
        ("entity_kind", "company"),
        ("license_valid_from", "2019-13-01"),
        ("verified_domains", "yunqi.example.cn"),
        ("name", 17),
    ],
)
def test_qualification_create_bad_data_points_at_the_field(api, field, value):
    response = api.post(URL, _body(**{field: value}), format="json")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert [e["pointer"] for e in problem["errors"]] == [f"#/{field}"]
    assert not Qualification.objects.exists()


def test_qualification_create_licence_ending_before_it_starts_points_at_its_end(api):
    response = api.post(URL, _body(license_valid_until="2019-03-31"), format="json")
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/license_valid_until"]


def test_qualification_create_refuses_unknown_fields_naming_them(api):
    response = api.post(URL, _body(legal_rep_id="x", colour="red"), format="json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["pointer"], e["code"]) for e in errors] == [
        ("#/colour", "unknown_field"),
        ("#/legal_rep_id", "unknown_field"),
    ]
    assert not Qualification.objects.exists()


def test_qualification_create_refuses_another_accounts_material(api, other_customer):
    material = make_material(other_customer.account, "business_license")
    response = api.post(URL, _body(materials=[material.public_id]), format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/materials"
    assert not Qualification.objects.exists()


def test_qualification_create_of_a_company_the_account_has_points_at_the_credit_code(api):
    assert api.post(URL, _body(), format="json").status_code == 201
    again = api.post(URL, _body(), format="json")
    assert again.status_code == 422
    assert again.json()["errors"][0] == {
        "pointer": "#/uscc",
        "code": "duplicate",
        "detail": again.json()["errors"][0]["detail"],
    }


def test_qualification_create_replays_an_idempotent_repeat_and_keeps_no_id_number(api):
    first = api.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="register-1")
    again = api.post(URL, _body(), format="json", HTTP_IDEMPOTENCY_KEY="register-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"] and again["ETag"] == first["ETag"]
    assert Qualification.objects.count() == 1
    stored = IdempotentRequest.objects.get()
    assert ID_NUMBER not in json.dumps(stored.body) + stored.fingerprint


# --- read and list -----------------------------------------------------------------------------


def test_qualification_routes_of_another_account_are_404_and_change_nothing(api, theirs):
    base = f"{URL}/{theirs.public_id}"
    assert api.get(base).status_code == 404
    assert api.patch(base, {"name": "x"}, format="json", HTTP_IF_MATCH="*").status_code == 404
    for action in ("submit", "withdraw", "urgent", "change"):
        response = api.post(f"{base}/{action}", {"reason": "x"}, format="json")
        assert response.status_code == 404, action
        assert response.json()["code"] == "not_found"
    assert api.get(f"{base}/revisions").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == S.DRAFT and theirs.name != "x" and not theirs.changes.exists()


def test_qualification_list_shows_only_the_accounts_own_in_change_order(
    api, customer, approved_qualification, theirs
):
    draft = api.post(URL, _body(), format="json").json()
    rows = api.get(URL).json()["results"]
    assert [row["id"] for row in rows] == [approved_qualification.public_id, draft["id"]]
    assert all(ID_NUMBER not in json.dumps(row) for row in rows)


def test_qualification_list_filters_by_state_and_time(api, approved_qualification):
    assert [r["id"] for r in api.get(URL, {"state": "approved"}).json()["results"]] == [
        approved_qualification.public_id
    ]
    assert api.get(URL, {"state": "draft"}).json()["results"] == []
    assert api.get(URL, {"state": "nonsense"}).status_code == 422
    later = api.get(URL, {"updated_since": "2099-01-01T00:00:00+08:00"})
    assert later.json()["results"] == []


def test_qualification_list_tells_changes_apart(api, approved_qualification, theirs):
    change = api.post(f"{URL}/{approved_qualification.public_id}/change", {}, format="json")
    assert change.status_code == 201, change.json()
    change_id = change.json()["id"]
    both = [r["id"] for r in api.get(URL).json()["results"]]
    assert both == [approved_qualification.public_id, change_id]
    in_force = api.get(URL, {"is_change": "false"}).json()["results"]
    assert [r["id"] for r in in_force] == [approved_qualification.public_id]
    assert in_force[0]["open_change"] == change_id
    changes = api.get(URL, {"is_change": "true"}).json()["results"]
    assert [(r["id"], r["change_of"]) for r in changes] == [
        (change_id, approved_qualification.public_id)
    ]
    of_it = api.get(URL, {"change_of": approved_qualification.public_id}).json()["results"]
    assert [r["id"] for r in of_it] == [change_id]
    assert api.get(URL, {"is_change": "maybe"}).status_code == 422
    foreign = api.get(URL, {"change_of": theirs.public_id})
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["pointer"] == "#/change_of"


def test_qualification_rejection_reasons_in_the_callers_language(api, customer, reviewer):
    item = walk_to(
        QualificationFactory(account=customer.account),
        "under_review",
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    reason = ReasonCode.objects.filter(applies_to__in=["qualification", "any"]).first()
    lc.review_reject(item=item, user=reviewer, reasons=[reason], comment="请补充营业执照")
    english = api.get(f"{URL}/{item.public_id}", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = api.get(f"{URL}/{item.public_id}").json()
    assert english["state"] == S.REJECTED
    assert english["rejection"]["reasons"][0]["text"] == reason.customer_text_en
    assert chinese["rejection"]["reasons"][0]["text"] == reason.customer_text_zh
    assert english["rejection"]["comment"] == "请补充营业执照"


def test_qualification_list_query_count_does_not_grow_with_rows(
    api, account, django_assert_max_num_queries
):
    for _n in range(2):
        QualificationFactory(account=account, with_materials=False)
    with django_assert_max_num_queries(12) as few:
        api.get(URL)
    for _n in range(8):
        QualificationFactory(account=account, with_materials=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(URL).json()["results"]) == 10


# --- edit, submit, withdraw, expedite ----------------------------------------------------------


def test_qualification_update_requires_if_match(api):
    created = api.post(URL, _body(), format="json")
    response = api.patch(created["Location"], {"legal_rep_name": "王五"}, format="json")
    assert response.status_code == 428
    assert Qualification.objects.get().legal_rep_name == "李四"


def test_qualification_update_with_a_stale_etag_is_412_and_writes_nothing(api):
    created = api.post(URL, _body(), format="json")
    url, stale = created["Location"], created["ETag"]
    first = api.patch(url, {"legal_rep_name": "王五"}, format="json", HTTP_IF_MATCH=stale)
    assert first.status_code == 200, first.json()
    assert first["ETag"] != stale
    second = api.patch(url, {"legal_rep_name": "赵六"}, format="json", HTTP_IF_MATCH=stale)
    assert second.status_code == 412
    assert second.json()["code"] == "precondition_failed"
    assert Qualification.objects.get().legal_rep_name == "王五"


def test_qualification_update_of_a_submitted_one_resubmits(api, customer):
    created = api.post(URL, _body(customer, submit=True), format="json")
    response = api.patch(
        created["Location"],
        {"agent_name": "王五", "agent_id_number": sample_resident_id(7302)},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["revision"] == 2 and data["state"] == S.PENDING_REVIEW
    assert data["agent_id_number_masked"].endswith(sample_resident_id(7302)[-4:])
    assert data["legal_rep_id_number_masked"].endswith(ID_NUMBER[-4:])


def test_qualification_update_may_not_drop_the_id_number_of_a_submitted_one(api, customer):
    created = api.post(URL, _body(customer, submit=True), format="json")
    response = api.patch(
        created["Location"],
        {"legal_rep_id_number": ""},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/legal_rep_id_number"
    item = Qualification.objects.get()
    assert item.legal_rep_id_number == ID_NUMBER and item.current_revision.number == 1


def test_qualification_update_refuses_another_accounts_material(api, other_customer):
    created = api.post(URL, _body(), format="json")
    material = make_material(other_customer.account, "business_license")
    response = api.patch(
        created["Location"], {"materials": [material.public_id]}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/materials"
    assert not Qualification.objects.get().materials.exists()


@pytest.mark.parametrize("state", [S.APPROVED, S.REREVIEW])
def test_qualification_update_of_an_approved_one_says_to_start_a_change(
    api, account, customer, reviewer, senior, state
):
    item = walk_to(
        QualificationFactory(account=account), state, customer=customer, reviewer=reviewer,
        senior=senior,
    )  # fmt: skip
    url = f"{URL}/{item.public_id}"
    response = api.patch(url, {"name": "改名"}, format="json", HTTP_IF_MATCH=api.get(url)["ETag"])
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "change_required"
    assert f"POST {url}/change" in problem["detail"]
    item.refresh_from_db()
    assert item.name != "改名" and not item.changes.exists()


def test_qualification_submit_withdraw_and_urgent(api, customer):
    created = api.post(URL, _body(customer), format="json")
    url = created["Location"]
    submitted = api.post(f"{url}/submit", {}, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["state"] == S.PENDING_REVIEW
    assert api.post(f"{url}/submit", {}, format="json").status_code == 409
    urgent = api.post(f"{url}/urgent", {"reason": "下周签约"}, format="json")
    assert urgent.status_code == 201, urgent.json()
    assert urgent.json()["id"].startswith("URG")
    assert api.get(url).json()["urgent"] is False  # until support accepts the ticket
    revisions = api.get(f"{url}/revisions").json()
    assert [r["number"] for r in revisions] == [1]
    withdrawn = api.post(f"{url}/withdraw", {"reason": "换一家公司"}, format="json")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["state"] == S.WITHDRAWN


def test_qualification_submit_of_an_incomplete_draft_is_422(api):
    created = api.post(URL, {"name": "杭州云栖数据科技有限公司"}, format="json")
    response = api.post(f"{created['Location']}/submit", {}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "incomplete"
    assert Qualification.objects.get().state == S.DRAFT


# --- the change flow ---------------------------------------------------------------------------


def test_qualification_change_is_a_qualification_of_its_own_under_review(
    api, approved_qualification
):
    url = f"{URL}/{approved_qualification.public_id}"
    response = api.post(
        f"{url}/change",
        {"name": "深圳市和讯华谷科技有限公司", "verified_domains": ["jpush.cn"]},
        format="json",
        HTTP_IF_MATCH=api.get(url)["ETag"],
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    change = Qualification.objects.get(public_id=data["id"])
    assert response["Location"] == f"{URL}/{change.public_id}"
    assert change.change_of == approved_qualification
    assert data["change_of"] == approved_qualification.public_id
    assert data["state"] == S.PENDING_REVIEW and data["name"] == "深圳市和讯华谷科技有限公司"
    # The rest is copied from the qualification in force, the ID number too.
    assert data["uscc"] == approved_qualification.uscc
    assert change.legal_rep_id_number == approved_qualification.legal_rep_id_number
    assert sorted(data["materials"]) == sorted(
        approved_qualification.materials.values_list("public_id", flat=True)
    )
    original = api.get(url).json()
    assert original["state"] == S.APPROVED and original["name"] != data["name"]
    assert original["open_change"] == change.public_id


def test_qualification_change_as_a_draft_then_edited_and_withdrawn(api, approved_qualification):
    created = api.post(
        f"{URL}/{approved_qualification.public_id}/change", {"submit": False}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["state"] == S.DRAFT
    edited = api.patch(
        created["Location"],
        {"legal_rep_name": "王五"},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert edited.status_code == 200, edited.json()
    assert edited.json()["legal_rep_name"] == "王五" and edited.json()["state"] == S.DRAFT
    submitted = api.post(f"{created['Location']}/submit", {}, format="json")
    assert submitted.json()["state"] == S.PENDING_REVIEW
    withdrawn = api.post(f"{created['Location']}/withdraw", {}, format="json")
    assert withdrawn.json()["state"] == S.WITHDRAWN
    assert api.get(f"{URL}/{approved_qualification.public_id}").json()["open_change"] is None


def test_qualification_change_once_at_a_time_and_of_an_approved_one_only(
    api, approved_qualification
):
    change_url = f"{URL}/{approved_qualification.public_id}/change"
    first = api.post(change_url, {}, format="json")
    assert first.status_code == 201
    second = api.post(change_url, {"name": "另一个名字"}, format="json")
    assert second.status_code == 409 and second.json()["code"] == "transition_refused"
    of_a_change = api.post(f"{first['Location']}/change", {}, format="json")
    assert of_a_change.status_code == 409
    draft = api.post(URL, _body(), format="json")
    assert api.post(f"{draft['Location']}/change", {}, format="json").status_code == 409
    assert approved_qualification.changes.count() == 1


def test_qualification_change_approved_becomes_the_originals_data(
    api, approved_qualification, reviewer
):
    created = api.post(
        f"{URL}/{approved_qualification.public_id}/change",
        {"name": "深圳市和讯华谷科技有限公司"},
        format="json",
    )
    change = Qualification.objects.get(public_id=created.json()["id"])
    change = lc.review_claim(item=change, user=reviewer)
    lc.review_approve(item=change, user=reviewer)
    original = api.get(f"{URL}/{approved_qualification.public_id}").json()
    assert original["name"] == "深圳市和讯华谷科技有限公司" and original["open_change"] is None
    # The applied change is history: edited no more, changed through its original.
    applied = api.patch(created["Location"], {"name": "x"}, format="json", HTTP_IF_MATCH="*")
    assert applied.status_code == 409 and applied.json()["code"] == "change_required"
    assert f"{URL}/{approved_qualification.public_id}/change" in applied.json()["detail"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"uscc": "91440300000000000X"}, "#/uscc"),
        ({"legal_rep_id_number": ""}, "#/legal_rep_id_number"),
        ({"change_of": "QUA1"}, "#/change_of"),
        ({"license_valid_until": "2000-01-01"}, "#/license_valid_until"),
    ],
)
def test_qualification_change_with_bad_data_points_at_the_field(
    api, approved_qualification, body, pointer
):
    response = api.post(f"{URL}/{approved_qualification.public_id}/change", body, format="json")
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]
    assert not approved_qualification.changes.exists()


def test_qualification_change_refuses_another_accounts_material(
    api, approved_qualification, other_customer
):
    material = make_material(other_customer.account, "business_license")
    response = api.post(
        f"{URL}/{approved_qualification.public_id}/change",
        {"materials": [material.public_id]},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/materials"
    assert not approved_qualification.changes.exists()


def test_qualification_change_with_a_stale_etag_is_412(api, approved_qualification, customer):
    url = f"{URL}/{approved_qualification.public_id}"
    stale = api.get(url)["ETag"]
    approved_qualification.save()  # someone else changed it since (a new updated_at)
    response = api.post(f"{url}/change", {}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert not approved_qualification.changes.exists()


def test_qualification_change_is_replayed_for_an_idempotent_repeat(api, approved_qualification):
    url = f"{URL}/{approved_qualification.public_id}/change"
    first = api.post(url, {"name": "新名字有限公司"}, format="json", HTTP_IDEMPOTENCY_KEY="c1")
    again = api.post(url, {"name": "新名字有限公司"}, format="json", HTTP_IDEMPOTENCY_KEY="c1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert approved_qualification.changes.count() == 1


# --- keys --------------------------------------------------------------------------------------


def test_qualification_writes_with_a_read_key_are_403_and_change_nothing(
    read_api, customer, approved_qualification
):
    url = f"{URL}/{approved_qualification.public_id}"
    assert read_api.get(url).status_code == 200
    assert read_api.get(URL).status_code == 200
    answers = [
        read_api.post(URL, _body(), format="json"),
        read_api.patch(url, {"name": "x"}, format="json", HTTP_IF_MATCH="*"),
        read_api.post(f"{url}/change", {}, format="json"),
        read_api.post(f"{url}/withdraw", {}, format="json"),
        read_api.post(f"{url}/submit", {}, format="json"),
        read_api.post(f"{url}/urgent", {"reason": "x"}, format="json"),
    ]
    assert [a.status_code for a in answers] == [403] * 6
    assert {a.json()["code"] for a in answers} == {"scope_refused"}
    assert Qualification.objects.count() == 1
    approved_qualification.refresh_from_db()
    assert approved_qualification.state == S.APPROVED


def test_qualification_key_of_an_admin_made_read_only_stops(write_key, customer):
    customer.account_role = AccountRole.VIEWER
    customer.save()
    response = client_for(write_key[1]).post(URL, _body(), format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "inactive_key"
    assert not Qualification.objects.exists()


def test_schema_documents_the_real_name_routes_with_id_numbers_only_masked(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/qualifications",
        "/api/v1/qualifications/{id}/change",
        "/api/v1/trademarks/{id}",
        "/api/v1/authorizations",
    ):
        assert path in schema["paths"], path
    assert set(schema["paths"]["/api/v1/trademarks/{id}"]) == {"get"}
    shown = schema["components"]["schemas"]
    for name, field in (
        ("Qualification", "legal_rep_id_number"),
        ("Qualification", "agent_id_number"),
        ("Authorization", "partner_legal_rep_id_number"),
    ):
        assert field not in shown[name]["properties"]
        assert f"{field}_masked" in shown[name]["properties"]
    assert "legal_rep_id_number" in shown["QualificationCreateRequest"]["properties"]


# --- created and submitted at once, blocked by the pre-check -----------------------------------


def _assert_blocked_naming_nothing(response) -> None:
    assert response.status_code == 422, response.json()
    problem = response.json()
    assert problem["code"] == "precheck_blocked" and problem["errors"]
    assert problem["detail"].startswith("Nothing was created")
    assert PUBLIC_ID.findall(problem["detail"]) == []


def test_qualification_create_with_submit_blocked_names_nothing_that_does_not_exist(api):
    # Everything but the documents an enterprise needs: the pre-check blocks the submission.
    response = api.post(URL, _body(submit=True), format="json", HTTP_ACCEPT_LANGUAGE="en")
    _assert_blocked_naming_nothing(response)
    assert not Qualification.objects.exists()


def test_qualification_change_blocked_names_nothing_that_does_not_exist(
    api, approved_qualification
):
    url = f"{URL}/{approved_qualification.public_id}"
    response = api.post(
        f"{url}/change", {"materials": []}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    _assert_blocked_naming_nothing(response)
    assert not approved_qualification.changes.exists()
    assert api.get(url).json()["open_change"] is None
