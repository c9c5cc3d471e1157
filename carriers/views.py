"""HTTP endpoints for carriers and the sending platform. Both are machine-to-machine: no
session, no CSRF token; each request is authenticated by its own signature or token. Every
answer is JSON: ``{"ok": true, …}`` or ``{"ok": false, "error": "…"}`` with a 4xx (503 when the
endpoint is not configured); the messages are in English whatever the language of the UI, as
other systems' logs and scripts read them."""

from __future__ import annotations

import hmac
import json
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carriers.services import (
    CallbackRefused,
    UsageRefused,
    callback_handle,
    signature_usage_record,
)
from carriers.services.callbacks import CALLBACK_MAX_BODY_BYTES
from signatures.models import SignatureApplication


def _refused(status: int, message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


def _declared_length(request: HttpRequest) -> int | None:
    """The request's Content-Length, or None when it is not a number."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


@csrf_exempt
@require_POST
def carrier_callback(request: HttpRequest, carrier: str) -> JsonResponse:
    """A carrier's signed result: headers X-Carrier-Timestamp (Unix seconds), X-Carrier-Nonce,
    X-Carrier-Signature (hex HMAC-SHA256 of ``timestamp.nonce.body``); body
    ``{"ticket_id", "status", "reason"}``. Answers the filing's state after the callback, its
    availability flag and whether it is usable (registered and active)."""
    length = _declared_length(request)
    if length is None:
        return _refused(400, "malformed Content-Length")
    if length > CALLBACK_MAX_BODY_BYTES:
        # Refused before reading: a body this big is not a callback.
        return _refused(413, f"body over {CALLBACK_MAX_BODY_BYTES} bytes")
    try:
        result = callback_handle(
            carrier_code=carrier,
            timestamp=request.headers.get("X-Carrier-Timestamp"),
            nonce=request.headers.get("X-Carrier-Nonce"),
            signature=request.headers.get("X-Carrier-Signature"),
            body=request.body,
        )
    except CallbackRefused as exc:
        return _refused(exc.status, str(exc))
    filing = result.filing
    return JsonResponse(
        {
            "ok": True,
            "changed": result.changed,
            "ticket_id": filing.carrier_ticket_id,
            "state": filing.state,
            "availability": filing.availability,
            "usable": filing.is_usable,
        }
    )


#: A report of use is a signature id and a time.
USAGE_MAX_BODY_BYTES = 4 * 1024


def _unauthorized(message: str) -> JsonResponse:
    response = _refused(401, message)
    response["WWW-Authenticate"] = 'Bearer realm="carriers-usage"'
    return response


def _bytes(text: str) -> bytes:
    # Header values arrive as str (ISO-8859-1 from WSGI); any str encodes this way, so a
    # token or header with non-ASCII characters is compared, not a crash.
    return text.encode("utf-8", "surrogatepass")


@csrf_exempt
@require_POST
def signature_usage(request: HttpRequest) -> JsonResponse:
    """The sending platform reports use: exactly ``Authorization: Bearer <USAGE_TOKEN>``, body
    ``{"signature": "SIG…", "used_at": "ISO 8601 with offset"}`` (used_at optional, default
    now). Only a signature usable now counts (see ``signature_usage_record``)."""
    token = settings.CARRIER_POLICY.get("USAGE_TOKEN") or ""
    if not isinstance(token, str) or not token:
        return _refused(503, "usage reports are off: no usage token is configured")
    header = request.headers.get("Authorization")
    if header is None:
        return _unauthorized("missing header Authorization: Bearer <token>")
    scheme, _space, given = header.partition(" ")
    # Compared in constant time whatever the scheme, so a wrong scheme takes as long.
    right = hmac.compare_digest(_bytes(given), _bytes(token))
    if scheme != "Bearer" or not right:
        return _unauthorized("Authorization must be 'Bearer <token>' with the usage token")
    length = _declared_length(request)
    if length is None:
        return _refused(400, "malformed Content-Length")
    if length > USAGE_MAX_BODY_BYTES:
        return _refused(413, f"body over {USAGE_MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):
        return _refused(400, "body is not JSON")
    if not isinstance(data, dict) or not isinstance(data.get("signature"), str):
        return _refused(400, 'body must be a JSON object with "signature": "SIG…"')
    raw_used_at = data.get("used_at")
    used_at = None
    if raw_used_at is not None:
        try:
            used_at = datetime.fromisoformat(raw_used_at)
        except (TypeError, ValueError):
            return _refused(400, "used_at must be an ISO 8601 date and time with an offset")
    signature = SignatureApplication.objects.filter(public_id=data["signature"]).first()
    if signature is None:
        return _refused(404, "unknown signature")
    try:
        usage = signature_usage_record(signature=signature, used_at=used_at)
    except UsageRefused as exc:
        return _refused(exc.status, str(exc))
    return JsonResponse({"ok": True, "last_used_at": usage.last_used_at.isoformat()})
