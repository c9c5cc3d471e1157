"""Decoding an upload is bounded in pixels and in memory: the decoded size is computed from the
header before any pixel is decoded; a JPEG too big for the budget is decoded at a reduced scale,
a PNG too big for it is refused; PNG text chunks cannot inflate into a memory bomb; a truncated
image is refused, never padded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from signatures.models import Material
from signatures.services import material_create


def upload(customer, data: bytes, kind="business_license", name="scan.png"):
    return material_create(
        account=customer.account, user=customer, kind=kind, data=data, original_name=name
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose header announces ``width`` × ``height`` RGB pixels; its image data is
    ``idat`` (none by default), so decoding it could only fail."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(idat))
        + _chunk(b"IEND", b"")
    )


def test_upload_png_over_the_memory_budget_is_refused_from_its_header(customer):
    # 7000 × 7000 is under the pixel limit (49 of 50 megapixels) but would take 147 MB decoded:
    # the refusal comes from the header (the image data here could not even be decoded).
    with pytest.raises(ValidationError) as excinfo:
        upload(customer, png_header_only(7000, 7000))
    assert excinfo.value.code == "too_large_to_decode"
    assert "7000×7000" in excinfo.value.messages[0]
    assert "JPEG" in excinfo.value.messages[0]
    assert not Material.objects.exists()


def test_upload_png_within_the_budget_is_kept_whole(customer, settings):
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_DECODED_BYTES": 200 * 150 * 3}
    buffer = io.BytesIO()
    Image.new("RGB", (200, 150), "red").save(buffer, format="PNG")
    material = upload(customer, buffer.getvalue())
    assert (material.width, material.height) == (200, 150)


def test_upload_png_just_over_the_budget_is_refused(customer, settings):
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_DECODED_BYTES": 200 * 150 * 3 - 1}
    buffer = io.BytesIO()
    Image.new("RGB", (200, 150), "red").save(buffer, format="PNG")
    with pytest.raises(ValidationError) as excinfo:
        upload(customer, buffer.getvalue())
    assert excinfo.value.code == "too_large_to_decode"


def test_upload_big_jpeg_is_decoded_at_a_reduced_scale(customer, settings):
    # 1600 × 1200 RGB is 5.8 MB decoded; with a 1 MB budget libjpeg decodes it at 1/4 scale.
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_DECODED_BYTES": 1_000_000}
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), "white").save(buffer, format="JPEG", quality=80)
    material = upload(customer, buffer.getvalue(), name="photo.jpg")
    assert (material.width, material.height) == (400, 300)
    with material.file.open("rb") as fh:
        assert Image.open(fh).size == (400, 300)


def test_upload_jpeg_too_big_even_at_an_eighth_is_refused(customer, settings):
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_DECODED_BYTES": 10_000}
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), "white").save(buffer, format="JPEG", quality=80)
    with pytest.raises(ValidationError) as excinfo:
        upload(customer, buffer.getvalue(), name="photo.jpg")
    assert excinfo.value.code == "too_large_to_decode"


def test_upload_png_with_inflating_text_chunks_is_refused(customer):
    # Eight zTXt chunks of 1 MB of text each fit in 10 kB of file: without a bound on text,
    # decoding would hold 8 MB of text for a 64 × 40 image.
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), "white").save(buffer, format="PNG")
    data = buffer.getvalue()
    text = b"".join(
        _chunk(b"zTXt", b"Comment%d\x00\x00" % n + zlib.compress(b"A" * 1_000_000, 9))
        for n in range(8)
    )
    bomb = data[:-12] + text + data[-12:]
    assert len(bomb) < 20_000
    with pytest.raises(ValidationError) as excinfo:
        upload(customer, bomb)
    assert excinfo.value.code == "bad_image"


def test_upload_truncated_jpeg_is_refused(customer):
    buffer = io.BytesIO()
    Image.effect_noise((300, 200), 60).convert("RGB").save(buffer, format="JPEG")
    data = buffer.getvalue()
    with pytest.raises(ValidationError) as excinfo:
        upload(customer, data[: len(data) // 2], name="cut.jpg")
    assert excinfo.value.code == "bad_image"
