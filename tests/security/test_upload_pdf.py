"""PDFs that carry active content (scripts, launch actions, embedded files, automatic actions,
rich media, XFA forms) are refused, also when the names are #xx-escaped or hidden in a
compressed object stream; and every material is served so that a browser never runs it:
PDFs as downloads, every file with nosniff and a sandboxing content security policy."""

from __future__ import annotations

import zlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from signatures.models import Material
from signatures.services import material_create
from tests.factories import make_material


def pdf(*objects: bytes) -> bytes:
    """A small PDF with ``objects`` numbered from 1 (object 1 is the catalog)."""
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    for number, obj in enumerate(objects, 1):
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    return body + b"trailer\n<< /Root 1 0 R /Size %d >>\nstartxref\n0\n%%%%EOF\n" % (
        len(objects) + 1
    )


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def object_stream(objects: bytes, *, type_name=b"/ObjStm", filter_name=b"/FlateDecode") -> bytes:
    data = zlib.compress(objects) if filter_name.endswith(b"ecode") else objects
    return stream(b"/Type " + type_name + b" /N 1 /First 4 /Filter " + filter_name, data)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"

ACTIVE = {
    "open-action-javascript": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>",  # noqa: E501
        PAGES,
    ),
    "hex-escaped-names": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Java#53cript /J#53 (app.alert(1)) >> >>",  # noqa: E501
        PAGES,
    ),
    "launch": pdf(CATALOG, PAGES, b"<< /Type /Action /S /Launch /F (cmd.exe) >>"),
    "embedded-file": pdf(CATALOG, PAGES, stream(b"/Type /EmbeddedFile", b"MZ\x90\x00 payload")),
    "additional-actions": pdf(
        CATALOG, PAGES, b"<< /Type /Page /Parent 2 0 R /AA << /O 4 0 R >> >>"
    ),
    "rich-media": pdf(CATALOG, PAGES, b"<< /Type /Annot /Subtype /RichMedia >>"),
    "xfa-form": pdf(b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /XFA 3 0 R >> >>", PAGES),
    "behind-a-stream-claiming-to-be-longer": pdf(
        CATALOG,
        stream(b"/Filter /FlateDecode", zlib.compress(b"q Q")).replace(
            b"/Length 11", b"/Length 400"
        ),
        b"<< /S /JavaScript /JS (app.alert(1)) >>",
    ),
    "javascript-in-object-stream": pdf(
        CATALOG, PAGES, object_stream(b"5 0 << /S /JavaScript /JS (app.alert(1)) >>")
    ),
    "escaped-object-stream": pdf(
        CATALOG,
        PAGES,
        object_stream(
            b"5 0 << /S /Launch /F (calc) >>",
            type_name=b"/Obj#53tm",
            filter_name=b"/Flate#44ecode",
        ),
    ),
}


def upload(customer, data: bytes, kind="authorization_letter"):
    return material_create(
        account=customer.account, user=customer, kind=kind, data=data, original_name="x.pdf"
    )


@pytest.mark.parametrize("case", sorted(ACTIVE))
def test_upload_pdf_with_active_content_is_refused(customer, case):
    with pytest.raises(ValidationError) as excinfo:
        upload(customer, ACTIVE[case])
    assert excinfo.value.code == "pdf_active_content"
    assert "PDF" in excinfo.value.messages[0]
    assert not Material.objects.exists()


def test_upload_pdf_object_stream_that_cannot_be_read_is_refused(customer):
    data = pdf(CATALOG, PAGES, object_stream(b"5 0 << >>", filter_name=b"/LZWDecode"))
    with pytest.raises(ValidationError) as excinfo:
        upload(customer, data)
    assert excinfo.value.code == "pdf_unreadable"


def test_upload_plain_pdf_with_links_and_binary_streams_is_accepted(customer):
    # Names like /JS or /AA inside a page's binary content are data, not actions; a link and an
    # open-at-page destination are harmless.
    content = zlib.compress(b"BT /F1 12 Tf (Hello) Tj ET") + b"\x00/JS /AA\n/Launch\xff"
    data = pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
        PAGES,
        PAGE,
        stream(b"/Filter /FlateDecode", content),
        b"<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://example.cn/) >> >>",
        object_stream(b"7 0 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
    )
    material = upload(customer, data)
    assert material.mime_type == "application/pdf"


@pytest.fixture
def pdf_material(customer):
    return upload(customer, pdf(CATALOG, PAGES, PAGE), kind="business_license")


def assert_served_safely(response, *, disposition: str) -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(disposition)
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_portal_serves_pdf_as_a_download_in_a_sandbox(client, customer, pdf_material):
    client.force_login(customer)
    response = client.get(reverse("portal:material", args=[pdf_material.pk]))
    assert_served_safely(response, disposition="attachment")
    assert response["Content-Disposition"].endswith('.pdf"')
    assert response["Content-Type"] == "application/pdf"


def test_portal_serves_images_inline_in_a_sandbox(client, customer):
    material = make_material(customer.account, "business_license", user=customer)
    client.force_login(customer)
    response = client.get(reverse("portal:material", args=[material.pk]))
    assert_served_safely(response, disposition="inline")


def test_download_name_keeps_the_checked_extension(client, customer):
    data = pdf(CATALOG, PAGES, PAGE)
    material = material_create(
        account=customer.account,
        user=customer,
        kind="business_license",
        data=data,
        original_name='营业执照".html',
    )
    client.force_login(customer)
    disposition = client.get(reverse("portal:material", args=[material.pk]))["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert ".html" not in disposition and disposition.endswith(".pdf")


def test_console_serves_pdf_as_a_download_in_a_sandbox(
    client, reviewer, customer, approved_qualification, pdf_material
):
    approved_qualification.materials.add(pdf_material)
    client.force_login(reviewer)
    response = client.get(
        reverse(
            "admin:signatures_qualification_material",
            args=[approved_qualification.pk, pdf_material.pk],
        )
    )
    assert_served_safely(response, disposition="attachment")
    image = approved_qualification.materials.exclude(pk=pdf_material.pk).first()
    response = client.get(
        reverse(
            "admin:signatures_qualification_material", args=[approved_qualification.pk, image.pk]
        )
    )
    assert_served_safely(response, disposition="inline")
