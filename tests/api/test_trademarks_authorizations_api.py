"""Trademarks and partner authorizations through the API: recorded, read and listed, never
changed (the portal has no edit for them either); the partner's ID number only masked; each
account names only its own qualifications and materials."""

from __future__ import annotations

import json

import pytest

from api.models import IdempotentRequest
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Authorization, Trademark
from signatures.services import authorization_create, trademark_create
from tests.factories import QualificationFactory, make_material

pytestmark = pytest.mark.django_db

TRADEMARKS = "/api/v1/trademarks"
AUTHORIZATIONS = "/api/v1/authorizations"
PARTNER_ID = sample_resident_id(8101)


def _trademark(qualification, **extra):
    certificate = make_material(qualification.account, "trademark_certificate")
    return {
        "qualification": qualification.public_id,
        "name": "极光",
        "registration_number": "12345678",
        "owner_name": qualification.name,
        "certificate": certificate.public_id,
        **extra,
    }


def _authorization(qualification, **extra):
    account = qualification.account
    return {
        "qualification": qualification.public_id,
        "partner_name": "杭州云栖数据科技有限公司",
        "partner_entity_kind": "enterprise",
        "partner_uscc": sample_uscc(8101),
        "partner_legal_rep_name": "李四",
        "partner_legal_rep_id_number": PARTNER_ID,
        "valid_from": "2026-01-01",
        "valid_until": "2027-12-31",
        "letter": make_material(account, "authorization_letter").public_id,
        "partner_materials": [
            make_material(account, "business_license").public_id,
            make_material(account, "legal_rep_id_front").public_id,
        ],
        **extra,
    }


@pytest.fixture
def theirs(other_customer):
    return QualificationFactory(account=other_customer.account)


# --- trademarks --------------------------------------------------------------------------------


def test_trademark_create_records_it_through_the_service(api, approved_qualification):
    body = _trademark(approved_qualification)
    response = api.post(TRADEMARKS, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    trademark = Trademark.objects.get(public_id=data["id"])
    assert trademark.qualification == approved_qualification
    assert trademark.certificate.public_id == body["certificate"]
    assert data == {
        "id": trademark.public_id,
        "qualification": approved_qualification.public_id,
        "name": "极光",
        "registration_number": "12345678",
        "owner_name": approved_qualification.name,
        "certificate": body["certificate"],
        "created_at": data["created_at"],
    }
    assert response["Location"] == f"{TRADEMARKS}/{trademark.public_id}"
    assert api.get(response["Location"]).json() == data


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "", "blank"),
        ("registration_number", "x" * 41, "max_length"),
        ("certificate", None, "null"),
        ("colour", "red", "unknown_field"),
    ],
)
def test_trademark_create_bad_data_points_at_the_field(
    api, approved_qualification, field, value, code
):
    response = api.post(
        TRADEMARKS, _trademark(approved_qualification, **{field: value}), format="json"
    )
    assert response.status_code == 422
    assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [(f"#/{field}", code)]
    assert not Trademark.objects.exists()


def test_trademark_certificate_must_be_a_trademark_certificate(api, approved_qualification):
    licence = make_material(approved_qualification.account, "business_license")
    response = api.post(
        TRADEMARKS,
        _trademark(approved_qualification, certificate=licence.public_id),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["pointer"], error["code"]) == ("#/certificate", "wrong_kind")
    assert "Trademark registration certificate" in error["detail"]
    assert not Trademark.objects.exists()


def test_trademark_create_names_only_the_accounts_own(
    api, approved_qualification, theirs, other_customer
):
    foreign = api.post(TRADEMARKS, _trademark(theirs), format="json")
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["pointer"] == "#/qualification"
    their_certificate = make_material(other_customer.account, "trademark_certificate")
    response = api.post(
        TRADEMARKS,
        _trademark(approved_qualification, certificate=their_certificate.public_id),
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/certificate"
    assert not Trademark.objects.exists()


def test_trademark_of_a_change_is_refused_it_belongs_to_the_qualification_in_force(
    api, approved_qualification
):
    change = api.post(
        f"/api/v1/qualifications/{approved_qualification.public_id}/change", {}, format="json"
    ).json()
    body = {**_trademark(approved_qualification), "qualification": change["id"]}
    response = api.post(TRADEMARKS, body, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/qualification"


def test_trademark_of_another_account_is_404(api, theirs, other_customer):
    trademark = trademark_create(
        qualification=theirs, user=other_customer, name="别家", registration_number="1",
        owner_name=theirs.name,
    )  # fmt: skip
    assert api.get(f"{TRADEMARKS}/{trademark.public_id}").status_code == 404
    assert api.get(TRADEMARKS).json()["results"] == []


def test_trademark_is_never_changed_or_deleted_through_the_api(api, approved_qualification):
    created = api.post(TRADEMARKS, _trademark(approved_qualification), format="json")
    url = created["Location"]
    assert api.patch(url, {"name": "别的"}, format="json", HTTP_IF_MATCH="*").status_code == 405
    assert api.put(url, {"name": "别的"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    assert Trademark.objects.get().name == "极光"


def test_trademark_list_filters_by_qualification_and_time(api, customer, approved_qualification):
    other = QualificationFactory(account=customer.account)
    first = api.post(TRADEMARKS, _trademark(approved_qualification), format="json").json()
    second = api.post(TRADEMARKS, _trademark(other, name="华谷"), format="json").json()
    assert [r["id"] for r in api.get(TRADEMARKS).json()["results"]] == [first["id"], second["id"]]
    mine = api.get(TRADEMARKS, {"qualification": other.public_id}).json()["results"]
    assert [r["id"] for r in mine] == [second["id"]]
    since = api.get(TRADEMARKS, {"updated_since": first["created_at"]}).json()["results"]
    assert [r["id"] for r in since] == [second["id"]]
    assert api.get(TRADEMARKS, {"state": "draft"}).status_code == 422


def test_trademark_list_of_another_accounts_qualification_is_422(api, theirs):
    response = api.get(TRADEMARKS, {"qualification": theirs.public_id})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/qualification"


def test_trademark_create_with_a_read_key_is_403(read_api, approved_qualification):
    assert read_api.get(TRADEMARKS).status_code == 200
    response = read_api.post(TRADEMARKS, _trademark(approved_qualification), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "scope_refused"
    assert not Trademark.objects.exists()


def test_trademark_create_replays_an_idempotent_repeat(api, approved_qualification):
    body = _trademark(approved_qualification)
    first = api.post(TRADEMARKS, body, format="json", HTTP_IDEMPOTENCY_KEY="tm-1")
    again = api.post(TRADEMARKS, body, format="json", HTTP_IDEMPOTENCY_KEY="tm-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert Trademark.objects.count() == 1


# --- authorizations ----------------------------------------------------------------------------


def test_authorization_create_records_it_with_the_partner_id_masked(api, approved_qualification):
    body = _authorization(approved_qualification)
    response = api.post(AUTHORIZATIONS, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    authorization = Authorization.objects.get(public_id=data["id"])
    assert authorization.partner_legal_rep_id_number == PARTNER_ID
    assert data["partner_legal_rep_id_number_masked"] == PARTNER_ID[:6] + "*" * 8 + PARTNER_ID[-4:]
    assert PARTNER_ID not in response.content.decode()
    assert data["letter"] == body["letter"]
    assert data["partner_materials"] == body["partner_materials"]
    assert (data["valid_from"], data["valid_until"]) == ("2026-01-01", "2027-12-31")
    assert response["Location"] == f"{AUTHORIZATIONS}/{authorization.public_id}"
    read = api.get(response["Location"])
    assert read.json() == data and PARTNER_ID not in read.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("partner_uscc", sample_uscc(8101)[:-1] + ("0" if sample_uscc(8101)[-1] != "0" else "1")),
        ("partner_legal_rep_id_number", PARTNER_ID[:-1] + ("0" if PARTNER_ID[-1] != "0" else "1")),
        ("partner_entity_kind", "company"),
        ("valid_until", "2025-12-31"),
        ("valid_from", "2026-02-30"),
        ("letter", None),
        ("partner_materials", "MAT1"),
    ],
)
def test_authorization_create_bad_data_points_at_the_field(
    api, approved_qualification, field, value
):
    response = api.post(
        AUTHORIZATIONS, _authorization(approved_qualification, **{field: value}), format="json"
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == [f"#/{field}"]
    assert not Authorization.objects.exists()


def test_authorization_materials_must_be_of_their_kinds(api, approved_qualification):
    account = approved_qualification.account
    body = _authorization(approved_qualification)
    wrong_letter = make_material(account, "business_license").public_id
    response = api.post(AUTHORIZATIONS, {**body, "letter": wrong_letter}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/letter"
    screenshot = make_material(account, "icp_screenshot").public_id
    partner = [*body["partner_materials"], screenshot]
    response = api.post(AUTHORIZATIONS, {**body, "partner_materials": partner}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/partner_materials/2"
    assert response.json()["errors"][0]["code"] == "wrong_kind"
    assert not Authorization.objects.exists()


def test_authorization_create_names_only_the_accounts_own(
    api, approved_qualification, theirs, other_customer
):
    foreign = api.post(AUTHORIZATIONS, _authorization(theirs), format="json")
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["pointer"] == "#/qualification"
    their_letter = make_material(other_customer.account, "authorization_letter").public_id
    body = _authorization(approved_qualification)
    response = api.post(AUTHORIZATIONS, {**body, "letter": their_letter}, format="json")
    assert response.json()["errors"][0]["pointer"] == "#/letter"
    their_licence = make_material(other_customer.account, "business_license").public_id
    response = api.post(
        AUTHORIZATIONS,
        {**body, "partner_materials": [body["partner_materials"][0], their_licence]},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/partner_materials/1"
    assert not Authorization.objects.exists()


def test_authorization_of_another_account_is_404(api, theirs, other_customer):
    authorization = authorization_create(
        qualification=theirs,
        user=other_customer,
        partner_name="别家",
        partner_uscc=sample_uscc(8102),
        partner_legal_rep_name="王五",
        partner_legal_rep_id_number=sample_resident_id(8102),
        valid_from="2026-01-01",
        valid_until="2026-12-31",
    )
    assert api.get(f"{AUTHORIZATIONS}/{authorization.public_id}").status_code == 404
    assert api.get(AUTHORIZATIONS).json()["results"] == []


def test_authorization_is_never_changed_or_deleted_through_the_api(api, approved_qualification):
    created = api.post(AUTHORIZATIONS, _authorization(approved_qualification), format="json")
    url = created["Location"]
    assert api.patch(url, {"partner_name": "x"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    assert Authorization.objects.get().partner_name == "杭州云栖数据科技有限公司"


def test_authorization_create_with_a_read_key_is_403(read_api, approved_qualification):
    response = read_api.post(AUTHORIZATIONS, _authorization(approved_qualification), format="json")
    assert response.status_code == 403
    assert not Authorization.objects.exists()


def test_authorization_create_replays_an_idempotent_repeat_without_the_id_number(
    api, approved_qualification
):
    body = _authorization(approved_qualification)
    first = api.post(AUTHORIZATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="au-1")
    again = api.post(AUTHORIZATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="au-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Authorization.objects.count() == 1
    assert PARTNER_ID not in json.dumps(IdempotentRequest.objects.get().body)


def test_authorization_list_query_count_does_not_grow_with_rows(
    api, customer, approved_qualification, django_assert_max_num_queries
):
    def record(n):
        authorization_create(
            qualification=approved_qualification,
            user=customer,
            partner_name=f"伙伴{n}",
            partner_uscc=sample_uscc(8200 + n),
            partner_legal_rep_name="王五",
            partner_legal_rep_id_number=sample_resident_id(8200 + n),
            valid_from="2026-01-01",
            valid_until="2026-12-31",
            partner_materials=[make_material(customer.account, "business_license")],
        )

    for n in range(2):
        record(n)
    with django_assert_max_num_queries(10) as few:
        api.get(AUTHORIZATIONS)
    for n in range(2, 8):
        record(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = api.get(AUTHORIZATIONS).json()["results"]
    assert len(rows) == 8 and all(len(r["partner_materials"]) == 1 for r in rows)
