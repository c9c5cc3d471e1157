"""Approving a qualification change copies the change onto the qualification in force: exactly
the change's materials (a replaced licence replaces the old one, kept ID photos stay) and every
one of ``Qualification.DATA_FIELDS`` (SPEC §2 "change flow"; ``qualification_change_apply``,
called by ``review_approve``)."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewportal.models import ReviewState
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from signatures.models import Qualification
from signatures.selectors import material_ids_in
from signatures.services import qualification_change_start
from tests.factories import make_material, png_bytes

pytestmark = pytest.mark.django_db

S = ReviewState

#: A change that alters every data field of the factory's qualification.
CHANGED = {
    "entity_kind": "other",
    "name": "深圳市新途华谷数据服务有限公司",
    "uscc": sample_uscc(8123),
    "legal_rep_name": "王五",
    "legal_rep_id_number": sample_resident_id(8123),
    "agent_name": "赵六",
    "agent_id_number": sample_resident_id(8124),
    "is_mainland": False,
    "license_valid_from": dt.date(2016, 4, 1),
    "license_valid_until": dt.date(2036, 3, 31),
    "verified_domains": ["huagu-data.cn", "xintu.example.cn"],
}


def _approve(change, reviewer):
    change = lc.review_claim(item=change, user=reviewer)
    decision = lc.review_approve(item=change, user=reviewer)
    assert decision.outcome == "approve"  # a plain approval, not a first of two
    return Qualification.objects.get(pk=change.pk)


def _pks(qualification) -> set[int]:
    return set(qualification.materials.values_list("pk", flat=True))


def test_the_test_changes_every_data_field():
    assert set(CHANGED) == set(Qualification.DATA_FIELDS)


def test_approved_change_replaces_the_licence_keeps_the_id_photos_and_copies_every_field(
    approved_qualification, customer, reviewer
):
    original = approved_qualification
    before = {f: getattr(original, f) for f in Qualification.DATA_FIELDS}
    assert all(before[f] != CHANGED[f] for f in CHANGED), before
    old_licence = original.materials.get(kind="business_license")
    id_front = original.materials.get(kind="legal_rep_id_front")
    id_back = original.materials.get(kind="legal_rep_id_back")
    new_licence = make_material(
        customer.account, "business_license", user=customer, data=png_bytes((80, 50), "navy")
    )

    change = qualification_change_start(
        qualification=original,
        user=customer,
        materials=[new_licence, id_front, id_back],
        **CHANGED,
    )
    assert change.state == S.PENDING_REVIEW
    # In force until the change is approved.
    original.refresh_from_db()
    assert _pks(original) == {old_licence.pk, id_front.pk, id_back.pk}
    assert original.name == before["name"]

    approved_change = _approve(change, reviewer)

    original = Qualification.objects.get(pk=original.pk)
    assert original.state == S.APPROVED
    assert original.change_of_id is None
    assert _pks(original) == {new_licence.pk, id_front.pk, id_back.pk}
    assert sorted(original.materials.values_list("kind", flat=True)) == [
        "business_license",
        "legal_rep_id_back",
        "legal_rep_id_front",
    ]
    for field in Qualification.DATA_FIELDS:
        assert getattr(original, field) == CHANGED[field], field
        assert getattr(original, field) == getattr(approved_change, field), field
    # The change itself keeps what it was approved with.
    assert _pks(approved_change) == {new_licence.pk, id_front.pk, id_back.pk}
    # The new revision of the qualification in force records the new snapshot.
    snapshot = original.current_revision.snapshot
    assert set(material_ids_in(snapshot)) == {new_licence.pk, id_front.pk, id_back.pk}
    assert snapshot["name"] == CHANGED["name"]
    assert snapshot["uscc"] == CHANGED["uscc"]


def test_approved_change_drops_a_document_it_no_longer_has_and_adds_a_new_one(
    approved_qualification, customer, reviewer
):
    """A public institution's change: its certificate and the agent's ID card replace the
    business licence and the legal representative's card."""
    original = approved_qualification
    kept = original.materials.get(kind="legal_rep_id_front")
    certificate = make_material(customer.account, "institution_certificate", user=customer)
    agent_front = make_material(customer.account, "agent_id_front", user=customer)
    agent_back = make_material(customer.account, "agent_id_back", user=customer)
    change = qualification_change_start(
        qualification=original,
        user=customer,
        materials=[certificate, kept, agent_front, agent_back],
        entity_kind="public_institution",
        agent_name="赵六",
        agent_id_number=sample_resident_id(8125),
    )

    _approve(change, reviewer)

    original = Qualification.objects.get(pk=original.pk)
    assert _pks(original) == {certificate.pk, kept.pk, agent_front.pk, agent_back.pk}
    assert original.entity_kind == "public_institution"
    assert original.agent_name == "赵六"
    assert original.agent_id_number == sample_resident_id(8125)


def test_change_without_new_materials_keeps_the_same_ones_after_approval(
    approved_qualification, customer, reviewer
):
    original = approved_qualification
    materials = _pks(original)
    change = qualification_change_start(qualification=original, user=customer, agent_name="赵六")
    assert _pks(change) == materials  # the change starts from the documents in force

    _approve(change, reviewer)

    original = Qualification.objects.get(pk=original.pk)
    assert _pks(original) == materials
    assert original.agent_name == "赵六"
