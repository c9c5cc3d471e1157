"""The clean-up of staged uploads: files kept for a refused form that nobody used are deleted
(rows and files) once they can no longer be used; anything attached, anything a revision's
snapshot names (a document an edit replaced), anything younger is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from signatures.models import Material
from signatures.services import (
    domain_verify,
    material_create,
    materials_staged_purge,
    qualification_update,
)
from signatures.tasks import staged_uploads_purge
from tests.factories import QualificationFactory, make_material, png_bytes
from tests.states import walk_to


def _stored(material: Material) -> bool:
    return material.file.storage.exists(material.file.name)


def _aged(account, user, *, hours: float, kind: str = "other") -> Material:
    with time_machine.travel(timezone.now() - timedelta(hours=hours)):
        return make_material(account, kind, user=user)


@pytest.fixture
def leftovers(customer):
    """A staged upload past the staging time and its grace, one still in its grace hour, and
    one fresh: only the first goes."""
    return {
        "old": _aged(customer.account, customer, hours=26),
        "grace": _aged(customer.account, customer, hours=24.5),
        "fresh": _aged(customer.account, customer, hours=1),
    }


def test_a_dry_run_counts_and_deletes_nothing(leftovers):
    result = materials_staged_purge()
    assert (result.count, result.size, result.committed) == (1, leftovers["old"].size, False)
    assert Material.objects.count() == 3 and _stored(leftovers["old"])


def test_commit_deletes_the_rows_and_the_files_of_expired_staged_uploads(leftovers):
    result = materials_staged_purge(commit=True)
    assert (result.count, result.committed, result.files_left) == (1, True, ())
    assert not Material.objects.filter(pk=leftovers["old"].pk).exists()
    assert not _stored(leftovers["old"])
    for kept in ("grace", "fresh"):
        assert Material.objects.filter(pk=leftovers[kept].pk).exists() and _stored(leftovers[kept])


def test_attached_materials_and_the_history_are_kept(customer, reviewer):
    with time_machine.travel(timezone.now() - timedelta(hours=48)):
        qualification = QualificationFactory(account=customer.account)
        walk_to(qualification, "rejected", customer=customer, reviewer=reviewer, senior=None)
        old_licence = qualification.materials.get(kind="business_license")
    # The customer replaces the licence and resubmits: the old one is attached to nothing,
    # yet revision 1 names it.
    new_licence = material_create(
        account=customer.account,
        user=customer,
        kind="business_license",
        data=png_bytes((64, 40), "navy"),
        original_name="新执照.png",
    )
    qualification_update(
        qualification=qualification,
        user=customer,
        materials=[*qualification.materials.exclude(pk=old_licence.pk), new_licence],
    )
    old_licence.refresh_from_db()
    assert old_licence.in_revision and not old_licence.qualifications.exists()
    before = Material.objects.count()

    assert materials_staged_purge(commit=True).count == 0
    assert Material.objects.count() == before and _stored(old_licence)


def test_a_domain_verifications_evidence_is_kept(customer, reviewer, approved_qualification):
    with time_machine.travel(timezone.now() - timedelta(hours=48)):
        verification = domain_verify(
            qualification=approved_qualification,
            domain="jiguang.cn",
            user=reviewer,
            data=png_bytes(),
            original_name="icp.png",
        )
    assert materials_staged_purge(commit=True).count == 0
    assert Material.objects.filter(pk=verification.evidence_id).exists()


def test_a_run_deletes_at_most_its_limit_oldest_first(customer):
    oldest = _aged(customer.account, customer, hours=40)
    older = _aged(customer.account, customer, hours=30)
    assert materials_staged_purge(commit=True, limit=1).count == 1
    assert not Material.objects.filter(pk=oldest.pk).exists()
    assert Material.objects.filter(pk=older.pk).exists()


def test_the_hourly_task_deletes_them(eager_tasks, leftovers):
    staged_uploads_purge.delay()
    assert set(Material.objects.values_list("pk", flat=True)) == {
        leftovers["grace"].pk,
        leftovers["fresh"].pk,
    }


def test_the_command_is_a_dry_run_unless_told_to_commit(leftovers, capsys):
    call_command("purge_staged_uploads")
    assert "1 staged upload(s)" in capsys.readouterr().out
    assert Material.objects.count() == 3
    call_command("purge_staged_uploads", "--commit")
    assert "Deleted 1 staged upload(s)" in capsys.readouterr().out
    assert Material.objects.count() == 2
    call_command("purge_staged_uploads")
    assert "nothing to do" in capsys.readouterr().out


def test_the_command_refuses_a_limit_below_one(db):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_staged_uploads", "--limit", "0")
