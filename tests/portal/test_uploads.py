"""Uploads through the portal's forms: a bad file is refused with a message on its field and
nothing is stored (no Material row, no file, no qualification)."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Material, Qualification
from tests.factories import png_bytes


def _stored_files() -> list[str]:
    found = []

    def walk(path):
        dirs, files = default_storage.listdir(path)
        found.extend(files)
        for d in dirs:
            walk(f"{path}/{d}" if path else d)

    try:
        walk("")
    except FileNotFoundError:
        return []
    return found


def _entity(**extra):
    return {
        "entity_kind": "enterprise",
        "name": "深圳市和讯华谷信息技术有限公司",
        "uscc": sample_uscc(11),
        "legal_rep_name": "张三",
        "legal_rep_id_number": sample_resident_id(11),
        "is_mainland": "on",
        "license_valid_from": "2015-03-01",
        "submit": "1",
        **extra,
    }


def _pixel_bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000), 0).save(buffer, format="PNG")
    return buffer.getvalue()


BAD_FILES = {
    "renamed-executable": (
        "licence.png",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
    ),
    "truncated-image": ("licence.png", png_bytes((300, 200), "blue")[:80]),
    "pixel-bomb": ("licence.png", _pixel_bomb()),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_upload_is_refused_with_a_message_and_nothing_stored(portal_client, case):
    name, data = BAD_FILES[case]
    response = portal_client.post(
        reverse("signatures:qualification_create"),
        _entity(business_license=SimpleUploadedFile(name, data, content_type="image/png")),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["business_license"]
    assert errors and all(errors)
    assert escape(errors[0]) in response.content.decode()
    assert not Material.objects.exists()
    assert not Qualification.objects.exists()
    assert _stored_files() == []


def test_oversized_image_is_refused(portal_client, settings):
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_BYTES": 2000}
    big = png_bytes((400, 400), "red") + b"\x00" * 4000
    response = portal_client.post(
        reverse("signatures:qualification_create"),
        _entity(business_license=SimpleUploadedFile("big.png", big, content_type="image/png")),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["business_license"]
    assert not Material.objects.exists()
    assert _stored_files() == []


def test_good_uploads_are_stored_and_previewed_through_the_access_checked_view(portal_client):
    files = {
        kind: SimpleUploadedFile(f"{kind}.png", png_bytes(), content_type="image/png")
        for kind in ("business_license", "legal_rep_id_front", "legal_rep_id_back")
    }
    response = portal_client.post(reverse("signatures:qualification_create"), _entity(**files))
    assert response.status_code == 302
    qualification = Qualification.objects.get()
    assert qualification.state == "pending_review"
    assert sorted(m.kind for m in qualification.materials.all()) == sorted(files)
    material = qualification.materials.first()
    preview = portal_client.get(reverse("portal:material", args=[material.pk]))
    assert preview.status_code == 200
    assert preview["Content-Type"] == "image/png"
    assert preview["Cache-Control"] == "private, no-store"
    assert b"".join(preview.streaming_content)[:4] == b"\x89PNG"
    from reviewportal.models import AccessLog

    assert AccessLog.objects.filter(object_id=material.pk).count() == 1
