"""Uploads are checked by content, limited in bytes and pixels, and stripped of EXIF; a refused
upload stores nothing."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from signatures.models import Material
from signatures.services import material_create
from tests.factories import png_bytes


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (80, 60), "white")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def _stored_files() -> list[str]:
    found = []

    def walk(path):
        dirs, files = default_storage.listdir(path)
        found.extend(f"{path}/{f}" for f in files)
        for d in dirs:
            walk(f"{path}/{d}" if path else d)

    try:
        walk("")
    except FileNotFoundError:
        return []
    return found


def _upload(customer, kind, data, name="file.png"):
    return material_create(
        account=customer.account, user=customer, kind=kind, data=data, original_name=name
    )


def test_upload_png_is_stored_privately_with_checksum(customer):
    material = _upload(customer, "business_license", png_bytes())
    assert material.mime_type == "image/png"
    assert material.file.name.startswith(f"accounts/{customer.account_id}/materials/")
    assert material.sha256 in material.file.name
    with material.file.open("rb") as fh:
        assert fh.read()[:8] == b"\x89PNG\r\n\x1a\n"


def test_upload_strips_exif(customer):
    data = _jpeg_with_exif()
    assert b"PhoneModel X" in data
    material = _upload(customer, "legal_rep_id_front", data, "id.jpg")
    with material.file.open("rb") as fh:
        stored = fh.read()
    assert b"PhoneModel X" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "bad_type"),
        (png_bytes()[:60], "bad_image"),
        (b"", "empty"),
        (b"GIF89a" + b"\x00" * 100, "bad_type"),
    ],
    ids=["renamed-executable", "truncated-png", "empty", "gif"],
)
def test_upload_bad_content_is_refused_and_nothing_stored(customer, data, code):
    with pytest.raises(ValidationError) as excinfo:
        _upload(customer, "business_license", data, "licence.png")
    assert excinfo.value.code == code
    assert not Material.objects.exists()
    assert _stored_files() == []


def test_upload_oversized_file_is_refused(customer, settings):
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_BYTES": 1000}
    with pytest.raises(ValidationError) as excinfo:
        _upload(customer, "business_license", png_bytes((400, 400), "red") + b"\x00" * 2000)
    assert excinfo.value.code == "too_large"
    assert not Material.objects.exists()


def test_upload_pixel_bomb_is_refused_before_decoding(customer):
    # 20000 × 20000 pixels of one colour compress to a few hundred kilobytes.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000), 0).save(buffer, format="PNG")
    with pytest.raises(ValidationError) as excinfo:
        _upload(customer, "business_license", buffer.getvalue())
    assert excinfo.value.code == "too_many_pixels"
    assert not Material.objects.exists()


def test_upload_pdf_only_for_letters_and_licences(customer):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    material = _upload(customer, "authorization_letter", pdf, "letter.pdf")
    assert material.mime_type == "application/pdf"
    with pytest.raises(ValidationError) as excinfo:
        _upload(customer, "legal_rep_id_front", pdf, "id.pdf")
    assert excinfo.value.code == "pdf_not_allowed"


def test_upload_truncated_pdf_is_refused(customer):
    with pytest.raises(ValidationError) as excinfo:
        _upload(customer, "business_license", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "cut.pdf")
    assert excinfo.value.code == "bad_pdf"


def test_upload_unknown_kind_is_refused(customer):
    with pytest.raises(ValidationError):
        _upload(customer, "selfie", png_bytes())
