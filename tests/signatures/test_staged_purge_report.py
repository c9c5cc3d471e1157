"""What a run of the staged-upload clean-up reports and for which instant it runs: the bytes it
deleted, a file it could not delete (logged with its name, reported in ``files_left``, its row
gone all the same), an explicit ``now`` for both the count and the deletion, the default
size of one run; and that a revision marks as history only the materials it names."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import time_machine
from django.utils import timezone

from signatures.models import Material
from signatures.services import materials_staged_purge
from tests.factories import QualificationFactory, make_material, png_bytes
from tests.states import walk_to


def _aged(account, user, *, hours: float, data: bytes | None = None) -> Material:
    with time_machine.travel(timezone.now() - timedelta(hours=hours)):
        return make_material(account, "other", user=user, data=data)


def _undeletable(material: Material) -> str:
    """Put a non-empty folder where the material's file was: storage cannot delete it."""
    path = material.file.path
    os.remove(path)
    os.makedirs(path)
    with open(os.path.join(path, "keep"), "w") as fh:
        fh.write("x")
    return material.file.name


def test_a_committed_run_reports_the_count_and_bytes_it_deleted(customer):
    small = _aged(customer.account, customer, hours=30, data=png_bytes((8, 8)))
    large = _aged(customer.account, customer, hours=30, data=png_bytes((120, 90), "navy"))
    assert small.size != large.size
    result = materials_staged_purge(commit=True)
    assert (result.count, result.size, result.committed, result.files_left) == (
        2,
        small.size + large.size,
        True,
        (),
    )


def test_a_file_that_cannot_be_deleted_is_logged_and_reported(customer, caplog):
    kept = _aged(customer.account, customer, hours=30)
    gone = _aged(customer.account, customer, hours=30)
    name = _undeletable(kept)
    with caplog.at_level(logging.ERROR, logger="signatures.services"):
        result = materials_staged_purge(commit=True)
    assert (result.count, result.committed, result.files_left) == (2, True, (name,))
    assert not Material.objects.exists()
    assert not gone.file.storage.exists(gone.file.name)
    [record] = caplog.records
    assert record.getMessage() == f"Could not delete the staged upload {name}"
    assert record.levelno == logging.ERROR and record.exc_info is not None


def test_an_explicit_instant_decides_what_is_counted_and_deleted(customer):
    fresh = _aged(customer.account, customer, hours=1)
    later = timezone.now() + timedelta(hours=30)
    assert materials_staged_purge().count == 0
    assert materials_staged_purge(now=later).count == 1
    result = materials_staged_purge(commit=True, now=later)
    assert (result.count, result.size) == (1, fresh.size)
    assert not Material.objects.filter(pk=fresh.pk).exists()


def test_an_instant_before_the_upload_expired_keeps_it(customer):
    old = _aged(customer.account, customer, hours=30)
    earlier = timezone.now() - timedelta(hours=20)
    assert materials_staged_purge(now=earlier).count == 0
    assert materials_staged_purge(commit=True, now=earlier).count == 0
    assert Material.objects.filter(pk=old.pk).exists()


def test_one_run_takes_at_most_5000_by_default(customer):
    with time_machine.travel(timezone.now() - timedelta(hours=30)):
        Material.objects.bulk_create(
            Material(
                account=customer.account,
                kind="other",
                file=f"accounts/{customer.account_id}/materials/none/{n}.png",
                original_name=f"{n}.png",
                mime_type="image/png",
                extension=".png",
                size=1,
                sha256=f"{n:064d}",
            )
            for n in range(5001)
        )
    result = materials_staged_purge()
    assert (result.count, result.size) == (5000, 5000)


def test_a_revision_marks_only_the_materials_it_names_as_history(customer, reviewer):
    staged = _aged(customer.account, customer, hours=30)
    qualification = QualificationFactory(account=customer.account)
    walk_to(qualification, "pending_review", customer=customer, reviewer=reviewer, senior=None)
    named = set(qualification.materials.values_list("pk", flat=True))
    assert len(named) == 3
    assert set(Material.objects.filter(in_revision=True).values_list("pk", flat=True)) == named
    staged.refresh_from_db()
    assert staged.in_revision is False
    assert materials_staged_purge(commit=True).count == 1
    assert not Material.objects.filter(pk=staged.pk).exists()
