"""A submit that stores its uploads and is then refused by a service leaves no file behind in
the private storage: the refused transaction's Material rows are gone, and so are their files."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from signatures.models import Material, Qualification
from tests.factories import QualificationFactory, png_bytes
from tests.states import walk_to


@pytest.fixture
def portal_client(client, customer):
    client.force_login(customer)
    return client


def stored_files() -> set[str]:
    found = set()

    def walk(path):
        dirs, files = default_storage.listdir(path)
        found.update(f"{path}/{f}" for f in files)
        for d in dirs:
            walk(f"{path}/{d}" if path else d)

    try:
        walk("")
    except FileNotFoundError:
        return set()
    return found


def png(name: str, color: str = "red") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes((64, 40), color), content_type="image/png")


def qualification_data(qualification, **extra) -> dict:
    return {
        "entity_kind": "enterprise",
        "name": qualification.name,
        "uscc": qualification.uscc,
        "legal_rep_name": "李四",
        "legal_rep_id_number": qualification.legal_rep_id_number,
        "is_mainland": "on",
        "license_valid_from": "2015-03-01",
        **extra,
    }


def test_upload_refused_edit_leaves_no_file(portal_client, approved_qualification):
    # The edit form is valid and its upload is stored; the service then refuses to edit an
    # approved qualification in place.
    before = stored_files()
    url = reverse("signatures:qualification_edit", args=[approved_qualification.public_id])
    response = portal_client.post(
        url, qualification_data(approved_qualification, business_license=png("licence.png"))
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Material.objects.count() == 3
    assert stored_files() == before


def test_upload_refused_second_change_leaves_no_file(portal_client, approved_qualification):
    url = reverse("signatures:qualification_change", args=[approved_qualification.public_id])
    first = portal_client.post(url, qualification_data(approved_qualification))
    assert first.status_code == 302
    before = stored_files()
    response = portal_client.post(
        url,
        qualification_data(approved_qualification, legal_rep_id_front=png("id.png", "blue")),
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Qualification.objects.filter(change_of=approved_qualification).count() == 1
    assert stored_files() == before


def test_upload_refused_signature_edit_leaves_no_file(
    portal_client, customer, reviewer, senior, signature
):
    approved = walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    before = stored_files()
    response = portal_client.post(
        reverse("signatures:signature_edit", args=[approved.public_id]),
        {
            "qualification": approved.qualification.public_id,
            "sig_type": "company",
            "content": approved.content,
            "purpose": "self",
            "use_case": "登录验证码",
            "other": png("other.png", "green"),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Material.objects.filter(kind="other").exists()
    assert stored_files() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_refused_edit_leaves_no_file_with_real_commits(client, customer, reviewer):
    """The same as in production: the view's transaction really rolls back."""
    qualification = walk_to(
        QualificationFactory(account=customer.account),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    client.force_login(customer)
    before = stored_files()
    response = client.post(
        reverse("signatures:qualification_edit", args=[qualification.public_id]),
        qualification_data(qualification, business_license=png("licence.png", "yellow")),
    )
    assert response.status_code == 200
    assert Material.objects.count() == 3
    assert stored_files() == before


def test_upload_kept_when_the_submit_succeeds(portal_client, approved_qualification):
    """The clean-up never touches the files of what was saved."""
    url = reverse("signatures:qualification_change", args=[approved_qualification.public_id])
    before = stored_files()
    response = portal_client.post(
        url, qualification_data(approved_qualification, business_license=png("new.png", "navy"))
    )
    assert response.status_code == 302
    new = Material.objects.get(original_name="new.png")
    assert stored_files() == before | {new.file.name}
