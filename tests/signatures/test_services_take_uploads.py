"""A form's new files reach the services as uploads, which the service stores inside its own
transaction: what it accepts has its documents, what it refuses keeps neither row nor file."""

import os

import pytest
from django.core.exceptions import ValidationError

from signatures.models import Material
from signatures.services import (
    Upload,
    orphan_files_removed,
    qualification_update,
    trademark_create,
)
from tests.factories import QualificationFactory, png_bytes


def _certificate() -> Upload:
    return Upload(kind="trademark_certificate", data=png_bytes(), original_name="证书.png")


def test_an_accepted_upload_is_stored_as_the_items_document(approved_qualification, customer):
    trademark = trademark_create(
        qualification=approved_qualification,
        user=customer,
        name="极光",
        registration_number="12345678",
        owner_name=approved_qualification.name,
        certificate=_certificate(),
    )
    certificate = trademark.certificate
    assert certificate.kind == "trademark_certificate"
    assert certificate.account_id == approved_qualification.account_id
    assert certificate.original_name == "证书.png"
    assert certificate.file.storage.exists(certificate.file.name)


def _stored_files() -> set[str]:
    storage = Material._meta.get_field("file").storage
    found = set()
    for root, _dirs, files in os.walk(storage.path("")):
        found |= {os.path.join(root, name) for name in files}
    return found


def test_a_refused_service_keeps_neither_the_row_nor_the_file(approved_qualification, customer):
    before, files = Material.objects.count(), _stored_files()
    with orphan_files_removed(), pytest.raises(ValidationError):
        trademark_create(
            qualification=approved_qualification,
            user=customer,
            name="",  # refused: a trademark has a name
            registration_number="12345678",
            owner_name=approved_qualification.name,
            certificate=_certificate(),
        )
    assert Material.objects.count() == before
    assert _stored_files() == files


def test_a_bad_file_is_refused_by_its_content(approved_qualification, customer):
    before = Material.objects.count()
    with pytest.raises(ValidationError):
        trademark_create(
            qualification=approved_qualification,
            user=customer,
            name="极光",
            registration_number="12345678",
            owner_name=approved_qualification.name,
            certificate=Upload(
                kind="trademark_certificate", data=b"not an image", original_name="x.png"
            ),
        )
    assert Material.objects.count() == before


def test_a_draft_edited_with_submit_is_submitted_in_the_same_call(account, customer):
    draft = QualificationFactory(account=account)
    item = qualification_update(qualification=draft, user=customer, submit=True, name=draft.name)
    assert item.state == "pending_review"


def test_a_draft_edited_without_submit_stays_a_draft(account, customer):
    draft = QualificationFactory(account=account)
    item = qualification_update(qualification=draft, user=customer, name=draft.name)
    assert item.state == "draft"
