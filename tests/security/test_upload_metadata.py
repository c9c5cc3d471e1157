"""Stored images carry pixels only: JPEG comments, EXIF (with GPS), XMP and ICC profiles, and
PNG text, eXIf and iCCP chunks are all gone after the re-encoding."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from signatures.services import material_create

SECRETS = (
    b"secret-comment",
    b"secret-exif",
    b"secret-gps",
    b"secret-xmp",
    b"secret-text",
    b"secret-ztxt",
    b"secret-itxt",
    b"Shenzhen",
)


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "secret-exif description"  # ImageDescription
    exif[0x0110] = "PhoneModel Shenzhen"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (22.0, 32.0, 10.5)
    gps[3] = "E"
    gps[4] = (113.0, 56.0, 30.2)
    gps[0x001C] = b"ASCII\x00\x00\x00secret-gps area"  # GPSAreaInformation
    return exif.tobytes()


XMP = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description dc:title="secret-xmp title" xmlns:dc="http://purl.org/dc/'
    b'elements/1.1/"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def _icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_metadata() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(
        buffer,
        format="JPEG",
        comment=b"secret-comment from the scanner",
        exif=_exif(),
        xmp=XMP,
        icc_profile=_icc(),
    )
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        len(data).to_bytes(4, "big")
        + kind
        + data
        + (zlib.crc32(kind + data) & 0xFFFFFFFF).to_bytes(4, "big")
    )


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-text chunk")
    info.add_text("Author", "secret-ztxt chunk", zip=True)
    info.add_itxt("Description", "secret-itxt 深圳 chunk", lang="zh", tkey="描述")
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(
        buffer, format="PNG", pnginfo=info, exif=_exif(), icc_profile=_icc()
    )
    data = buffer.getvalue()
    # An XMP packet in its own iTXt chunk, as image editors write it, before the end chunk.
    xmp = _chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP)
    return data[:-12] + xmp + data[-12:]


@pytest.mark.parametrize(
    ("make", "name"), [(jpeg_with_metadata, "id.jpg"), (png_with_metadata, "id.png")]
)
def test_upload_image_keeps_no_metadata(customer, make, name):
    data = make()
    visible = {b"secret-exif", b"secret-gps", b"secret-xmp", b"Shenzhen"}
    visible |= {b"secret-comment"} if name.endswith(".jpg") else {b"secret-text", b"secret-itxt"}
    assert all(secret in data for secret in visible)  # the upload does carry them
    material = material_create(
        account=customer.account,
        user=customer,
        kind="legal_rep_id_front",
        data=data,
        original_name=name,
    )
    with material.file.open("rb") as fh:
        stored = fh.read()
    for secret in SECRETS:
        assert secret not in stored
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert not {"comment", "xmp", "XML:com.adobe.xmp", "icc_profile", "exif"} & set(image.info)
    assert not getattr(image, "text", {})
    if image.format == "JPEG":
        # Only the JFIF header and the image itself: no APPn segment but APP0, no COM.
        markers = _jpeg_markers(stored)
        assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE]
    else:
        assert _png_chunk_types(stored) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def _jpeg_markers(data: bytes) -> list[int]:
    markers, i = [], 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the entropy-coded image follows
            break
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return markers


def _png_chunk_types(data: bytes) -> set[bytes]:
    types, i = set(), 8
    while i + 8 <= len(data):
        length = int.from_bytes(data[i : i + 4], "big")
        types.add(data[i + 4 : i + 8])
        i += 12 + length
    return types
