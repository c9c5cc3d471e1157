"""HTTP endpoints for carriers and the sending platform. Both are machine-to-machine: no
session, no CSRF token; each request is authenticated by its own signature or token."""

from __future__ import annotations

import hmac
import json
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carriers.services import CallbackRefused, callback_handle, signature_usage_record
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
    ``{"ticket_id", "status", "reason"}``. Answers the filing's state after the callback."""
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
        }
    )


@csrf_exempt
@require_POST
def signature_usage(request: HttpRequest) -> JsonResponse:
    """The sending platform reports use: ``Authorization: Bearer <USAGE_TOKEN>``, body
    ``{"signature": "SIG…", "used_at": "ISO 8601 with offset"}`` (used_at optional)."""
    token = settings.CARRIER_POLICY["USAGE_TOKEN"]
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return JsonResponse({"ok": False, "error": "unauthorized"}, status=401)
    try:
        data = json.loads(request.body)
        public_id = str(data["signature"])
        used_at = datetime.fromisoformat(data["used_at"]) if data.get("used_at") else None
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"ok": False, "error": "malformed body"}, status=400)
    if used_at is not None and used_at.tzinfo is None:
        return JsonResponse({"ok": False, "error": "used_at needs an offset"}, status=400)
    signature = SignatureApplication.objects.filter(public_id=public_id).first()
    if signature is None:
        return JsonResponse({"ok": False, "error": "unknown signature"}, status=404)
    usage = signature_usage_record(signature=signature, used_at=used_at)
    return JsonResponse({"ok": True, "last_used_at": usage.last_used_at.isoformat()})
