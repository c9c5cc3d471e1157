"""Checking uploaded materials by their content, never by their name (SPEC §2 Material).

``inspect_upload`` returns the bytes to store. Images are decoded within a memory budget known
from their header before any pixel is decoded (a JPEG over it is decoded at a reduced scale, a
PNG over it is refused), turned upright and re-encoded with pixels only: no EXIF (GPS position,
device), XMP, ICC profile, comment or text chunk survives. PDFs are accepted only for letters,
licences and certificates, must be complete and must carry no active content
(``signatures.pdfcheck``).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from signatures.models import PDF_ALLOWED_KINDS
from signatures.pdfcheck import PdfActiveContent, PdfUnreadable, check_pdf

# PNG text chunks are decompressed while the image is read; Pillow allows 64 MB of them in all.
# Scanners and phones write a few kilobytes: 2 MB in all is plenty and bounds a text bomb.
PngImagePlugin.MAX_TEXT_MEMORY = 2 * 1024 * 1024

IMAGE_TYPES = {"image/jpeg": (".jpg", "JPEG"), "image/png": (".png", "PNG")}
PDF_TYPE = "application/pdf"


@dataclass(frozen=True)
class CleanUpload:
    data: bytes
    mime_type: str
    extension: str
    sha256: str
    width: int | None
    height: int | None


#: Bytes per decoded pixel by Pillow mode (what the decoder allocates).
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "I;16": 2, "RGB": 3, "YCbCr": 3}
#: What is kept of an image's info when it is re-encoded: transparency is part of the pixels.
_KEPT_INFO = ("transparency",)


def _limits() -> tuple[int, int, int]:
    policy = settings.UPLOAD_POLICY
    return policy["MAX_BYTES"], policy["MAX_PIXELS"], policy["MAX_DECODED_BYTES"]


def _decoded_bytes(size: tuple[int, int], mode: str) -> int:
    return size[0] * size[1] * _BYTES_PER_PIXEL.get(mode, 4)


def too_large(size: int) -> ValidationError:
    """The refusal of a file of ``size`` bytes, over the limit."""
    max_bytes = settings.UPLOAD_POLICY["MAX_BYTES"]
    return ValidationError(
        _("The file is %(size).1f MB; the limit is %(limit).0f MB.")
        % {"size": size / 1_048_576, "limit": max_bytes / 1_048_576},
        code="too_large",
    )


def inspect_upload(*, data: bytes, kind: str) -> CleanUpload:
    """Validate ``data`` for a material of ``kind`` and return what to store.

    Raises ``ValidationError`` with a message for the customer when the file is empty, too large,
    not a JPEG/PNG (or PDF where the kind allows one), truncated, or has too many pixels."""
    max_bytes, max_pixels, max_decoded = _limits()
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > max_bytes:
        raise too_large(len(data))
    guessed = filetype.guess(data[:8192])
    mime = guessed.mime if guessed else None
    if mime == PDF_TYPE:
        if kind not in PDF_ALLOWED_KINDS:
            raise ValidationError(
                _(
                    "This material must be a photo (JPEG or PNG); PDF is accepted only for "
                    "letters, licences and certificates."
                ),
                code="pdf_not_allowed",
            )
        return _inspect_pdf(data)
    if mime not in IMAGE_TYPES:
        raise ValidationError(
            _(
                "This file is not a JPEG or PNG image%(pdf)s (its content was checked, not its "
                "name)."
            )
            % {"pdf": _(" or a PDF") if kind in PDF_ALLOWED_KINDS else ""},
            code="bad_type",
        )
    return _inspect_image(data, mime, max_pixels, max_decoded)


def _inspect_pdf(data: bytes) -> CleanUpload:
    # A complete PDF ends with an end-of-file marker; a cut-off upload does not.
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationError(
            _("The PDF is incomplete or damaged; please upload it again."), code="bad_pdf"
        )
    try:
        check_pdf(data)
    except PdfActiveContent:
        raise ValidationError(
            _(
                "This PDF contains scripts, actions or embedded files, which are not accepted. "
                "Print it to a new PDF (or scan the paper document) and upload that."
            ),
            code="pdf_active_content",
        ) from None
    except PdfUnreadable:
        raise ValidationError(
            _(
                "Part of this PDF is compressed in a way that cannot be checked. Print it to a "
                "new PDF (or scan the paper document) and upload that."
            ),
            code="pdf_unreadable",
        ) from None
    return CleanUpload(
        data=data,
        mime_type=PDF_TYPE,
        extension=".pdf",
        sha256=hashlib.sha256(data).hexdigest(),
        width=None,
        height=None,
    )


def _decode_scale(probe: Image.Image, pil_format: str, max_decoded: int) -> int:
    """The reduction (1, or for a JPEG 2, 4 or 8, which libjpeg decodes directly) at which the
    image fits the decoding budget; refuses an image that fits at none."""
    width, height = probe.size
    scales = (1, 2, 4, 8) if pil_format == "JPEG" else (1,)
    for scale in scales:
        reduced = (-(-width // scale), -(-height // scale))
        if _decoded_bytes(reduced, probe.mode) <= max_decoded:
            return scale
    raise ValidationError(
        _(
            "The image is %(w)s×%(h)s pixels, too large to be processed. Save it as a JPEG, "
            "or at a smaller size, and upload it again."
        )
        % {"w": width, "h": height},
        code="too_large_to_decode",
    )


def _inspect_image(data: bytes, mime: str, max_pixels: int, max_decoded: int) -> CleanUpload:
    extension, pil_format = IMAGE_TYPES[mime]
    try:
        with Image.open(io.BytesIO(data)) as probe:
            # The header says how big the decoded image would be: refuse before decoding it.
            width, height = probe.size
            if width * height > max_pixels:
                raise ValidationError(
                    _("The image is %(w)s×%(h)s pixels; at most %(mp).0f megapixels are accepted.")
                    % {"w": width, "h": height, "mp": max_pixels / 1_000_000},
                    code="too_many_pixels",
                )
            scale = _decode_scale(probe, pil_format, max_decoded)
            if scale > 1:
                probe.draft(probe.mode, (width // scale, height // scale))
            probe.load()
            image = ImageOps.exif_transpose(probe)
            if pil_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            # Pixels only: what the encoder would otherwise copy from the original (comment,
            # ICC profile, XMP, text) is dropped with the rest of the info.
            image.info = {k: v for k, v in image.info.items() if k in _KEPT_INFO}
            out = io.BytesIO()
            save_args = (
                {"quality": 92, "optimize": True} if pil_format == "JPEG" else {"optimize": True}
            )
            # Saving without passing exif= drops the EXIF block (GPS, device, time).
            image.save(out, format=pil_format, **save_args)
            width, height = image.size
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("The image has too many pixels to be processed safely."), code="too_many_pixels"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("The image is damaged or incomplete; please upload it again."), code="bad_image"
        ) from exc
    cleaned = out.getvalue()
    return CleanUpload(
        data=cleaned,
        mime_type=mime,
        extension=extension,
        sha256=hashlib.sha256(cleaned).hexdigest(),
        width=width,
        height=height,
    )
