"""How a material's file is sent to a browser: so that the browser never runs it.

Images are shown inline (reviewers compare them on the page); PDFs are downloads, since a
browser's PDF viewer runs what is in them. Every file goes with ``nosniff`` (the declared type
is the checked one), a content security policy that sandboxes it and allows it to load nothing,
and ``no-store`` (materials carry identity documents)."""

from __future__ import annotations

import re
from pathlib import PurePath

from django.http import FileResponse

from signatures.models import Material

#: A document served on its own: no script, no plug-in, no request to anywhere, no form.
MATERIAL_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]+")


def download_name(material: Material) -> str:
    """The name offered for saving: the customer's name for the file, with the extension of
    what the file was checked to be (never the one the customer's name claims)."""
    stem = _UNSAFE_NAME.sub("", PurePath(material.original_name or "").stem).strip(" .")
    # A name like "licence.html.pdf" keeps only what precedes the first dot.
    stem = stem.split(".")[0].strip() or material.kind
    return f"{stem[:80]}{material.extension or ''}"


def material_response(material: Material, handle) -> FileResponse:
    """Stream ``handle`` (opened by ``material_open``, which checked the right and logged the
    view) as ``material``'s file."""
    inline = material.mime_type.startswith("image/")
    response = FileResponse(
        handle,
        content_type=material.mime_type or "application/octet-stream",
        as_attachment=not inline,
        filename=download_name(material),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MATERIAL_POLICY
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
