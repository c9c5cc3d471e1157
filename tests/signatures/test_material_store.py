"""What storing an upload records (kind, name, size, dimensions, uploader), the exact words for an
unknown kind, and the files that must not outlive their rows: one whose row cannot be written,
and those of a service that refused after storing them (``orphan_files_removed``), a file that
cannot be deleted being logged by name."""

from __future__ import annotations

import logging
import os

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from reviewportal.models import User
from signatures.models import Material
from signatures.services import material_create, orphan_files_removed
from tests.factories import png_bytes


class Refused(Exception):
    """What a service raises after an upload was stored: its transaction is rolled back."""


def _upload(customer, *, kind="business_license", data=None, name="营业执照.png", user=None):
    return material_create(
        account=customer.account,
        user=user or customer,
        kind=kind,
        data=data or png_bytes((64, 40)),
        original_name=name,
    )


def _stored(name: str) -> bool:
    return Material._meta.get_field("file").storage.exists(name)


def _files(settings) -> list[str]:
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


def test_an_upload_records_what_was_checked_and_who_sent_it(customer):
    material = _upload(customer)
    material.refresh_from_db()
    assert (material.account, material.kind, material.original_name) == (
        customer.account,
        "business_license",
        "营业执照.png",
    )
    assert (material.mime_type, material.extension) == ("image/png", ".png")
    assert (material.width, material.height) == (64, 40)
    assert material.size == material.file.size and material.size > 0
    assert len(material.sha256) == 64 and material.sha256 in material.file.name
    assert material.uploaded_by == customer
    assert material.in_revision is False


def test_an_upload_without_a_name_is_called_upload(customer):
    assert _upload(customer, name="").original_name == "upload"
    assert _upload(customer, name=None, data=png_bytes((8, 8))).original_name == "upload"


def test_a_long_name_is_cut_to_255_characters(customer):
    material = _upload(customer, name="执" * 300 + ".png")
    material.refresh_from_db()
    assert material.original_name == "执" * 255


def test_a_pdf_is_accepted_for_a_kind_that_takes_one(customer):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    material = _upload(customer, kind="business_license", data=pdf, name="执照.pdf")
    assert (material.kind, material.mime_type, material.extension) == (
        "business_license",
        "application/pdf",
        ".pdf",
    )
    assert (material.width, material.height) == (None, None)


def test_an_unknown_kind_is_refused_in_these_words(customer, settings):
    with pytest.raises(ValidationError) as excinfo:
        _upload(customer, kind="selfie")
    assert excinfo.value.messages == ["Unknown material kind: selfie"]
    assert not Material.objects.exists() and _files(settings) == []


def test_the_file_of_a_row_that_cannot_be_written_is_deleted(customer, settings):
    # The uploader was never saved: the row cannot point at it.
    ghost = User(username="ghost", account=customer.account)
    with pytest.raises(ValueError):
        _upload(customer, user=ghost)
    assert not Material.objects.exists()
    assert _files(settings) == []


# --- orphan_files_removed -----------------------------------------------------------------------


def test_files_of_a_refused_service_are_deleted_and_the_others_kept(customer):
    with orphan_files_removed():
        kept = _upload(customer)
        with pytest.raises(Refused), transaction.atomic():
            gone = _upload(customer, data=png_bytes((30, 30), "navy"))
            assert _stored(gone.file.name)
            raise Refused
        assert _stored(gone.file.name)  # deleted when the block ends, not before
    assert not _stored(gone.file.name)
    assert _stored(kept.file.name)
    assert list(Material.objects.all()) == [kept]


def test_outside_the_block_a_stored_upload_is_left_alone(customer):
    with pytest.raises(Refused), transaction.atomic():
        material = _upload(customer)
        raise Refused
    # Nobody watches for orphans here: the file stays (the staged clean-up is for later).
    assert _stored(material.file.name)


def test_an_orphan_that_cannot_be_deleted_is_logged_by_name(customer, caplog):
    with caplog.at_level(logging.ERROR, logger="signatures.services"), orphan_files_removed():
        with pytest.raises(Refused), transaction.atomic():
            gone = _upload(customer)
            raise Refused
        # A non-empty folder where the file was: storage cannot delete it.
        path = gone.file.path
        os.remove(path)
        os.makedirs(path)
        with open(os.path.join(path, "keep"), "w") as fh:
            fh.write("x")
    [record] = caplog.records
    assert record.getMessage() == f"Could not delete the orphaned upload {gone.file.name}"
    assert record.levelno == logging.ERROR and record.exc_info is not None
