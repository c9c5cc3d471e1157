"""Signed carrier callbacks (SPEC §5): HMAC with timestamp and nonce, so that a forged, stale or
replayed request is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from carriers.models import CallbackNonce, Carrier, CarrierFiling
from carriers.services.common import policy as _policy
from carriers.services.results import filing_result_record

#: A callback is a ticket, a status and a short reason: a body much bigger than that is not one.
CALLBACK_MAX_BODY_BYTES = 16 * 1024
#: Unix seconds in ASCII digits (``int()`` alone would take spaces, signs and other scripts'
#: digits); a nonce of printable ASCII; a signature of 64 hex digits (HMAC-SHA256).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[!-~]{1,64}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
_HEADERS = ("X-Carrier-Timestamp", "X-Carrier-Nonce", "X-Carrier-Signature")
_STATUSES = ("pending", "registered", "rejected", "cleared")


class CallbackRefused(Exception):
    """A carrier callback that is not accepted; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def callback_signature(*, secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """HMAC-SHA256 (hex) of ``timestamp.nonce.body`` — what a carrier sends in
    X-Carrier-Signature, keyed with its ``CARRIER_POLICY["CALLBACK_SECRETS"]`` entry."""
    message = timestamp.encode() + b"." + nonce.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def callback_secret(carrier_code: str) -> str:
    """The carrier's configured callback secret, or '' when there is none: there is no default,
    so a carrier without one cannot call back at all."""
    secret = (_policy().get("CALLBACK_SECRETS") or {}).get(carrier_code)
    return secret if isinstance(secret, str) else ""


@dataclass(frozen=True)
class CallbackResult:
    #: The filing as it is after the callback (re-read once the result was recorded).
    filing: CarrierFiling
    changed: bool


def _callback_data(body: bytes) -> tuple[str, str, str]:
    """(ticket, status, reason) of a callback body, or CallbackRefused(400)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise CallbackRefused(400, "body is not JSON") from None
    if not isinstance(data, dict):
        raise CallbackRefused(400, "body is not a JSON object")
    ticket, status, reason = data.get("ticket_id"), data.get("status"), data.get("reason", "")
    if not isinstance(ticket, str) or not isinstance(status, str):
        raise CallbackRefused(400, "ticket_id and status must be strings")
    if not isinstance(reason, str):
        raise CallbackRefused(400, "reason must be a string")
    if status not in _STATUSES:
        raise CallbackRefused(400, f"unknown status (one of {', '.join(_STATUSES)})")
    return ticket, status, reason[:200]


def callback_handle(
    *,
    carrier_code: str,
    timestamp: str | None,
    nonce: str | None,
    signature: str | None,
    body: bytes,
) -> CallbackResult:
    """Verify and apply a carrier's callback (None: the header was not sent). Refused
    (CallbackRefused), changing nothing: an unknown carrier (404); a carrier without a
    configured secret (503); a missing header (401); a timestamp, nonce or
    signature of the wrong form (400/403) or a wrong HMAC (403); a timestamp further than
    CALLBACK_MAX_SKEW_SECONDS from now (403); a body over CALLBACK_MAX_BODY_BYTES (413), not a
    JSON object of strings or with an unknown status (400); a ticket that is not one of this
    carrier's filings (404); a nonce seen before (409, a replay). Effects when accepted: the
    nonce is stored and the result recorded in one transaction; the result carries the filing
    as it is afterwards."""
    policy = _policy()
    carrier = Carrier.objects.filter(code=carrier_code).first()
    if carrier is None:
        raise CallbackRefused(404, "unknown carrier")
    secret = callback_secret(carrier_code)
    if not secret:
        raise CallbackRefused(503, f"callbacks from {carrier_code} are off: no secret configured")
    headers = zip(_HEADERS, (timestamp, nonce, signature), strict=True)
    missing = [name for name, value in headers if not value]
    if missing:
        raise CallbackRefused(401, f"missing header {', '.join(missing)}")
    if len(body) > CALLBACK_MAX_BODY_BYTES:
        raise CallbackRefused(413, f"body over {CALLBACK_MAX_BODY_BYTES} bytes")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise CallbackRefused(400, "malformed timestamp: Unix seconds expected")
    if not _NONCE.fullmatch(nonce):
        raise CallbackRefused(400, "malformed nonce: 1 to 64 printable ASCII characters expected")
    if not _SIGNATURE.fullmatch(signature):
        raise CallbackRefused(403, "malformed signature: 64 hex digits expected")
    expected = callback_signature(secret=secret, timestamp=timestamp, nonce=nonce, body=body)
    if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
        raise CallbackRefused(403, "bad signature")
    if abs(timezone.now().timestamp() - int(timestamp)) > policy["CALLBACK_MAX_SKEW_SECONDS"]:
        raise CallbackRefused(403, "stale timestamp")
    ticket, status, reason = _callback_data(body)
    filing = (
        CarrierFiling.objects.filter(carrier=carrier, carrier_ticket_id=ticket)
        .exclude(carrier_ticket_id="")
        .first()
    )
    if filing is None:
        raise CallbackRefused(404, "unknown ticket")
    with transaction.atomic():
        try:
            with transaction.atomic():
                CallbackNonce.objects.create(
                    carrier=carrier, nonce=nonce, received_at=timezone.now()
                )
        except IntegrityError:
            raise CallbackRefused(409, "replayed") from None
        changed = filing_result_record(
            filing=filing,
            status=status,
            reason=reason,
            source="callback",
            generation=filing.generation,
        )
        after = CarrierFiling.objects.select_related("carrier").get(pk=filing.pk)
    return CallbackResult(filing=after, changed=changed)


def callback_nonces_prune(*, now: datetime | None = None) -> int:
    """Forget nonces older than twice the accepted skew: their timestamps are refused anyway."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=2 * _policy()["CALLBACK_MAX_SKEW_SECONDS"])
    deleted, _rows = CallbackNonce.objects.filter(received_at__lt=cutoff).delete()
    return deleted
