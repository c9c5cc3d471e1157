"""A qualification is submitted only with the documents its entity kind needs (SPEC §2, seed
004): the service refuses it, whatever the form sent; a draft may be saved without them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviewportal.errors import PrecheckBlocked, ReviewError
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services.lifecycle import review_submit
from signatures.models import Qualification
from signatures.rules import QualificationCheckInput, qualification_missing
from signatures.services import qualification_create, qualification_update
from tests.factories import make_material


@pytest.mark.parametrize(
    ("entity", "kinds", "missing"),
    [
        ("enterprise", set(), ["business_license", "legal_rep_id"]),
        ("enterprise", {"business_license", "legal_rep_id_front"}, ["legal_rep_id"]),
        (
            "enterprise",
            {"institution_certificate", "legal_rep_id_front", "legal_rep_id_back"},
            ["business_license"],
        ),
        ("enterprise", {"business_license", "legal_rep_id_front", "legal_rep_id_back"}, []),
        ("public_institution", {"institution_certificate", "agent_id_front", "agent_id_back"}, []),
        (
            "public_institution",
            {"institution_certificate", "agent_id_front"},
            ["legal_rep_or_agent_id"],
        ),
        ("non_profit", {"agent_id_front", "agent_id_back"}, ["institution_certificate"]),
        (
            "government",
            {"institution_certificate", "agent_id_front", "agent_id_back"},
            ["legal_rep_id"],
        ),
        ("other", {"business_license", "legal_rep_id_front", "legal_rep_id_back"}, []),
        ("other", {"institution_certificate", "legal_rep_id_front", "legal_rep_id_back"}, []),
        ("other", {"legal_rep_id_front", "legal_rep_id_back"}, ["entity_certificate"]),
    ],
)
def test_qualification_missing_per_entity_kind(entity, kinds, missing):
    assert qualification_missing(QualificationCheckInput(entity, frozenset(kinds))) == missing


def fields(n: int, **extra) -> dict:
    return {
        "entity_kind": "enterprise",
        "name": "深圳市材料科技有限公司",
        "uscc": sample_uscc(6000 + n),
        "legal_rep_name": "张三",
        "legal_rep_id_number": sample_resident_id(6000 + n),
        **extra,
    }


def test_submission_without_materials_is_refused_and_nothing_kept(customer):
    with pytest.raises(PrecheckBlocked) as refused:
        qualification_create(account=customer.account, user=customer, submit=True, **fields(1))
    assert [f["code"] for f in refused.value.findings] == ["QUA_MATERIALS_MISSING"]
    assert not Qualification.objects.exists()


def test_submission_with_half_the_id_card_is_refused(customer):
    account = customer.account
    materials = [
        make_material(account, k, user=customer) for k in ("business_license", "legal_rep_id_front")
    ]
    with pytest.raises(PrecheckBlocked):
        qualification_create(
            account=account, user=customer, submit=True, materials=materials, **fields(2)
        )


def test_institution_submits_with_the_agents_id(customer):
    account = customer.account
    materials = [
        make_material(account, k, user=customer)
        for k in ("institution_certificate", "agent_id_front", "agent_id_back")
    ]
    item = qualification_create(
        account=account,
        user=customer,
        submit=True,
        materials=materials,
        **fields(
            3,
            entity_kind="public_institution",
            legal_rep_id_number="",
            agent_name="李四",
            agent_id_number=sample_resident_id(6103),
        ),
    )
    assert item.state == "pending_review"


def test_draft_is_saved_without_materials(customer):
    item = qualification_create(account=customer.account, user=customer, **fields(4))
    assert item.state == "draft"


def test_resubmission_that_drops_a_document_is_refused(customer, reviewer):
    from reviewportal.services.lifecycle import review_claim, review_reject

    account = customer.account
    materials = [
        make_material(account, k, user=customer)
        for k in ("business_license", "legal_rep_id_front", "legal_rep_id_back")
    ]
    item = qualification_create(
        account=account, user=customer, submit=True, materials=materials, **fields(5)
    )
    item = review_claim(item=item, user=reviewer)
    review_reject(item=item, user=reviewer, reasons=["other"], comment="请补充")
    item.refresh_from_db()
    with pytest.raises(PrecheckBlocked):
        qualification_update(qualification=item, user=customer, materials=materials[:1])
    item.refresh_from_db()
    assert item.state == "rejected"
    assert item.materials.count() == 3


def test_portal_wizard_refuses_a_submission_without_documents(client, customer):
    client.force_login(customer)
    response = client.post(
        reverse("signatures:qualification_create"),
        {**fields(6), "is_mainland": "on", "submit": "1"},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "营业执照" in errors or "business licence" in errors
    assert not Qualification.objects.exists()


def test_portal_wizard_saves_a_draft_without_documents(client, customer):
    client.force_login(customer)
    response = client.post(
        reverse("signatures:qualification_create"),
        {**fields(7), "is_mainland": "on", "save": "1"},
    )
    assert response.status_code == 302
    assert Qualification.objects.get().state == "draft"


def test_wizard_marks_slots_per_entity_kind(client, customer):
    client.force_login(customer)
    page = client.get(reverse("signatures:qualification_create")).content.decode()
    assert (
        'id="field-business_license" data-show-when="entity_kind=enterprise|other" '
        'data-required-when="entity_kind=enterprise"' in page
    )
    assert (
        'id="field-agent_id_front" data-show-when="entity_kind=public_institution|non_profit"'
        in page
    )
    assert (
        'id="field-legal_rep_id_number" '
        'data-required-when="entity_kind=enterprise|government|other"' in page
    )


# --- A draft saved incomplete is refused by the submission service itself -----------------------


@pytest.mark.parametrize(
    ("lacks", "missing"),
    [
        ({"uscc": ""}, ["Unified social credit code"]),
        ({"legal_rep_name": ""}, ["Legal representative"]),
        ({"legal_rep_id_number": ""}, ["Legal representative ID number"]),
        (
            {"uscc": "", "legal_rep_name": "", "legal_rep_id_number": ""},
            [
                "Unified social credit code",
                "Legal representative",
                "Legal representative ID number",
            ],
        ),
    ],
)
def test_submitting_an_incomplete_draft_is_refused_by_the_service(customer, lacks, missing):
    fields = {
        "entity_kind": "enterprise",
        "name": "深圳市和讯华谷信息技术有限公司",
        "uscc": sample_uscc(640),
        "legal_rep_name": "张三",
        "legal_rep_id_number": sample_resident_id(640),
        **lacks,
    }
    draft = qualification_create(account=customer.account, user=customer, **fields)
    draft.materials.set(
        [make_material(customer.account, k) for k in ("business_license", "legal_rep_id_front",
                                                       "legal_rep_id_back")]
    )  # fmt: skip
    with pytest.raises(ReviewError) as refused:
        review_submit(item=draft, user=customer)
    assert refused.value.code == "incomplete"
    assert str(refused.value).endswith(": " + ", ".join(missing) + ".")
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.current_revision is None


def test_an_agents_id_completes_a_draft_of_a_kind_that_may_give_one(customer):
    draft = qualification_create(
        account=customer.account,
        user=customer,
        entity_kind="public_institution",
        name="某某市第一人民医院",
        uscc=sample_uscc(641),
        legal_rep_name="李四",
        agent_name="王五",
        agent_id_number=sample_resident_id(641),
    )
    assert draft.submission_gaps() == []
    enterprise = qualification_create(
        account=customer.account,
        user=customer,
        entity_kind="enterprise",
        name="某某公司",
        uscc=sample_uscc(642),
        legal_rep_name="李四",
        agent_name="王五",
        agent_id_number=sample_resident_id(642),
    )
    assert enterprise.submission_gaps() == ["Legal representative ID number"]
