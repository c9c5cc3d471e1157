"""How a material's file goes to a browser (``signatures.serving``): the name offered for saving
(the customer's name cleaned, the checked extension), inline images and downloaded documents,
the declared type, and the headers that keep the browser from running or caching the file."""

from __future__ import annotations

import io

import pytest

from signatures.models import Material
from signatures.services import material_open
from signatures.serving import MATERIAL_POLICY, download_name, material_response
from tests.factories import make_material


def _material(
    original_name: str = "licence.pdf",
    *,
    kind: str = "business_license",
    extension: str = ".pdf",
    mime_type: str = "application/pdf",
) -> Material:
    return Material(
        kind=kind, original_name=original_name, extension=extension, mime_type=mime_type
    )


@pytest.mark.parametrize(
    ("original_name", "expected"),
    [
        ("营业执照.png", "营业执照.pdf"),
        ("licence", "licence.pdf"),
        # What a name claims after its first dot is dropped: the checked extension is used.
        ("licence.html.pdf", "licence.pdf"),
        ("Xinjiang licence.jpg", "Xinjiang licence.pdf"),
        # Characters a file system or a header cannot take are removed, not replaced.
        ('a"b\\c:d*e?f<g>h|i.png', "abcdefghi.pdf"),
        ("tab\there.png", "tabhere.pdf"),
        # Leading and trailing dots and spaces go; a name of nothing but them takes the kind.
        (". licence .png", "licence.pdf"),
        ("...png", "business_license.pdf"),
        (".html", "html.pdf"),
        ("", "business_license.pdf"),
        ("C:/Users/zhang/执照.png", "执照.pdf"),
    ],
)
def test_download_name_is_the_customers_name_with_the_checked_extension(original_name, expected):
    assert download_name(_material(original_name)) == expected


def test_download_name_without_a_name_is_the_kind():
    assert download_name(_material(None, kind="authorization_letter")) == (
        "authorization_letter.pdf"
    )


def test_download_name_keeps_at_most_80_characters_of_the_name():
    assert download_name(_material("a" * 80 + ".png")) == "a" * 80 + ".pdf"
    assert download_name(_material("b" * 81 + ".png")) == "b" * 80 + ".pdf"
    assert download_name(_material("c" * 200)) == "c" * 80 + ".pdf"


def test_download_name_of_a_material_without_an_extension_has_none():
    assert download_name(_material("scan.png", extension="")) == "scan"


def test_an_image_is_shown_inline_with_its_checked_type(customer):
    material = make_material(customer.account, "business_license", user=customer)
    handle = material_open(material=material, user=customer)
    response = material_response(material, handle)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="business_license.png"'
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\x89PNG") and len(body) == material.size


def test_a_pdf_is_a_download():
    response = material_response(_material("licence.png"), io.BytesIO(b"%PDF-1.7 body"))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="licence.pdf"'
    assert b"".join(response.streaming_content) == b"%PDF-1.7 body"


def test_a_name_outside_ascii_is_offered_in_utf8():
    response = material_response(_material("营业执照.pdf"), io.BytesIO(b"%PDF"))
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf"
    )


def test_a_material_without_a_recorded_type_is_sent_as_bytes_never_guessed():
    material = _material("licence.pdf", mime_type="")
    response = material_response(material, io.BytesIO(b"%PDF"))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="licence.pdf"'


def test_the_declared_type_is_the_checked_one_not_the_extensions():
    # The type comes from what the file was checked to be, not from the name's extension.
    material = _material("scan.png", extension=".png", mime_type="image/jpeg")
    response = material_response(material, io.BytesIO(b"\xff\xd8\xff"))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="scan.png"'


@pytest.mark.parametrize(
    "material",
    [_material(), _material("id.png", extension=".png", mime_type="image/png")],
    ids=["pdf", "image"],
)
def test_every_file_goes_with_the_protective_headers(material):
    response = material_response(material, io.BytesIO(b"data"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == MATERIAL_POLICY
    assert MATERIAL_POLICY == (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
