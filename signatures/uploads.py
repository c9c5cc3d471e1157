"""Checking uploaded materials by their content, never by their name (SPEC §2 Material).

``inspect_upload`` returns the bytes to store: images are decoded with a pixel limit (against
decompression bombs), turned upright and re-encoded without EXIF (which can carry GPS position
and device data); PDFs are accepted only for letters and licences and must be complete.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from signatures.models import PDF_ALLOWED_KINDS

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


def _limits() -> tuple[int, int]:
    policy = settings.UPLOAD_POLICY
    return policy["MAX_BYTES"], policy["MAX_PIXELS"]


def inspect_upload(*, data: bytes, kind: str) -> CleanUpload:
    """Validate ``data`` for a material of ``kind`` and return what to store.

    Raises ``ValidationError`` with a message for the customer when the file is empty, too large,
    not a JPEG/PNG (or PDF where the kind allows one), truncated, or has too many pixels."""
    max_bytes, max_pixels = _limits()
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB.")
            % {"size": len(data) / 1_048_576, "limit": max_bytes / 1_048_576},
            code="too_large",
        )
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
    return _inspect_image(data, mime, max_pixels)


def _inspect_pdf(data: bytes) -> CleanUpload:
    # A complete PDF ends with an end-of-file marker; a cut-off upload does not.
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationError(
            _("The PDF is incomplete or damaged; please upload it again."), code="bad_pdf"
        )
    return CleanUpload(
        data=data,
        mime_type=PDF_TYPE,
        extension=".pdf",
        sha256=hashlib.sha256(data).hexdigest(),
        width=None,
        height=None,
    )


def _inspect_image(data: bytes, mime: str, max_pixels: int) -> CleanUpload:
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
            probe.load()
            image = ImageOps.exif_transpose(probe)
            if pil_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
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
