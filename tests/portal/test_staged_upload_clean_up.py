"""Which uploads the clean-up of staged files deletes, and which it keeps
(``signatures.selectors.staged_materials_expired``, ``material_ids_in``).

A staged upload (kept for a refused form) is deleted once it has been unused for the staging
time and an hour's grace, as of the instant the clean-up is asked about; a file a revision's
snapshot names (wherever the snapshot nests it) is history and stays, attached or not."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from signatures.models import Material
from signatures.selectors import material_ids_in, staged_materials_expired
from signatures.services import materials_staged_purge
from tests.factories import make_material

pytestmark = pytest.mark.django_db

#: ``UPLOAD_POLICY["STAGED_HOURS"]`` (24) and the purge's grace (1 hour).
PURGE_AFTER = timedelta(hours=25)


def test_the_clean_up_is_as_of_the_instant_asked(customer):
    staged = make_material(customer.account, "other", user=customer)
    later = timezone.now() + PURGE_AFTER + timedelta(minutes=1)

    assert list(staged_materials_expired()) == []
    assert list(staged_materials_expired(now=later)) == [staged]
    assert (
        list(staged_materials_expired(now=timezone.now() + PURGE_AFTER - timedelta(minutes=1)))
        == []
    )

    counted = materials_staged_purge(now=later)
    assert (counted.count, counted.committed) == (1, False)
    done = materials_staged_purge(now=later, commit=True)
    assert (done.count, done.committed) == (1, True)
    assert not Material.objects.filter(pk=staged.pk).exists()


def test_the_clean_up_lists_the_oldest_first(customer):
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=40)):
        first = make_material(customer.account, "other", user=customer)
    with time_machine.travel(now - timedelta(hours=30)):
        second = make_material(customer.account, "other", user=customer)
    make_material(customer.account, "other", user=customer)

    assert list(staged_materials_expired(now=now)) == [first, second]


# --- material_ids_in: what a revision's snapshot names ------------------------------------------


def _material(pk: int, **extra) -> dict:
    return {"id": pk, "kind": "business_license", "sha256": f"{pk:064x}", **extra}


def test_the_materials_a_snapshot_names_wherever_it_nests_them():
    snapshot = {
        "id": 900,  # the item's own id: not a material
        "content": "和讯华谷",
        "materials": [_material(1, name="licence.png"), _material(2, name="front.png")],
        "qualification": {
            "name": "深圳市和讯华谷信息技术有限公司",
            "materials": [[_material(3)]],
        },
        "trademark": {"id": 7, "name": "和讯", "certificate": _material(4, name="tm.png")},
        "authorization": {"letter": _material(5), "partner_materials": []},
    }

    assert sorted(material_ids_in(snapshot)) == [1, 2, 3, 4, 5]


def test_a_snapshot_names_a_material_only_by_id_kind_and_checksum():
    assert list(material_ids_in({"id": 3, "kind": "other"})) == []
    assert list(material_ids_in({"id": 3, "sha256": "0" * 64})) == []
    assert list(material_ids_in({"id": "3", "kind": "other", "sha256": "0" * 64})) == []
    assert list(material_ids_in({"kind": "other", "sha256": "0" * 64, "id": None})) == []
    # Exactly the three keys (a snapshot stored before file names were recorded) is enough.
    assert list(material_ids_in({"id": 3, "kind": "other", "sha256": "0" * 64})) == [3]
    assert list(material_ids_in([None, "text", 3, [_material(6)]])) == [6]
