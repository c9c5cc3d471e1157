"""An oversized upload is refused by name without being kept whole: the upload handler keeps at
most the limit of each file, and a request announcing more than the request limit is answered
413 before its body is read."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from signatures.models import Material
from signatures.upload_handlers import BoundedUploadHandler
from tests.factories import png_bytes


@pytest.fixture
def small_limits(settings):
    settings.UPLOAD_POLICY = {
        **settings.UPLOAD_POLICY,
        "MAX_BYTES": 100_000,
        "MAX_REQUEST_BYTES": 1_000_000,
    }
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 50_000
    return settings.UPLOAD_POLICY


def receive(handler: BoundedUploadHandler, total: int, chunk: int = 64 * 1024):
    handler.new_file("business_license", "scan.png", "image/png", total)
    sent = 0
    while sent < total:
        size = min(chunk, total - sent)
        assert handler.receive_data_chunk(b"\x89" * size, sent) is None
        sent += size
    return handler.file_complete(sent)


def test_upload_handler_keeps_no_more_than_the_limit(small_limits):
    upload = receive(BoundedUploadHandler(RequestFactory().post("/")), total=5_000_000)
    assert upload.oversized
    assert upload.size == 5_000_000  # the real size, for the message
    kept = upload.read()
    assert len(kept) == small_limits["MAX_BYTES"] + 1


def test_upload_handler_keeps_a_file_within_the_limit_whole(small_limits):
    upload = receive(BoundedUploadHandler(RequestFactory().post("/")), total=80_000)
    assert not upload.oversized
    assert upload.size == 80_000
    assert upload.read() == b"\x89" * 80_000
    assert upload.name == "scan.png"


def test_upload_over_the_file_limit_is_refused_by_name(client, customer, small_limits):
    client.force_login(customer)
    big = SimpleUploadedFile("licence.png", b"\x89PNG" + b"\x00" * 300_000, "image/png")
    response = client.post(
        reverse("signatures:qualification_create"),
        {
            "entity_kind": "enterprise",
            "name": "深圳市示例科技有限公司",
            "business_license": big,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["business_license"]
    assert len(errors) == 1 and "0.3 MB" in errors[0]
    assert not Material.objects.exists()


def test_request_over_the_request_limit_is_answered_413_unread(client, customer, small_limits):
    client.force_login(customer)
    files = {
        f"f{n}": SimpleUploadedFile(f"{n}.png", png_bytes((64, 40)) + b"\x00" * 90_000)
        for n in range(12)
    }
    response = client.post(reverse("signatures:qualification_create"), files)
    assert response.status_code == 413
    assert response["Connection"] == "close"
    assert "MB" in response.content.decode()
    assert not Material.objects.exists()


def test_request_limit_leaves_ordinary_posts_alone(client, customer, small_limits):
    client.force_login(customer)
    body = io.BytesIO(png_bytes((64, 40)))
    body.name = "licence.png"
    response = client.post(reverse("signatures:qualification_create"), {"business_license": body})
    assert response.status_code == 200
