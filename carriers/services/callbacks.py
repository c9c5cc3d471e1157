"""Signed carrier callbacks (SPEC §5): HMAC with timestamp and nonce, so that a forged, stale or
replayed request is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from carriers.models import CallbackNonce, Carrier, CarrierFiling
from carriers.services.common import policy as _policy
from carriers.services.results import filing_result_record


class CallbackRefused(Exception):
    """A carrier callback that is not accepted; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def callback_signature(*, secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """HMAC-SHA256 (hex) of ``timestamp.nonce.body`` — what a carrier sends in X-Signature."""
    message = timestamp.encode() + b"." + nonce.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CallbackResult:
    filing: CarrierFiling
    changed: bool


def callback_handle(
    *, carrier_code: str, timestamp: str, nonce: str, signature: str, body: bytes
) -> CallbackResult:
    """Verify and apply a carrier's callback. Refused (CallbackRefused): unknown carrier (404),
    wrong HMAC (403), timestamp further than CALLBACK_MAX_SKEW_SECONDS from now (403), a nonce
    seen before (409, a replay), a body naming no filing of ours (400). Effects when accepted:
    the nonce is stored and the result recorded in one transaction."""
    policy = _policy()
    secret = policy["CALLBACK_SECRETS"].get(carrier_code)
    carrier = Carrier.objects.filter(code=carrier_code).first()
    if not secret or carrier is None:
        raise CallbackRefused(404, "unknown carrier")
    expected = callback_signature(secret=secret, timestamp=timestamp, nonce=nonce, body=body)
    if not signature or not hmac.compare_digest(expected, signature):
        raise CallbackRefused(403, "bad signature")
    try:
        sent = int(timestamp)
    except ValueError:
        raise CallbackRefused(403, "bad timestamp") from None
    if abs(timezone.now().timestamp() - sent) > policy["CALLBACK_MAX_SKEW_SECONDS"]:
        raise CallbackRefused(403, "stale timestamp")
    if not nonce or len(nonce) > 64:
        raise CallbackRefused(400, "bad nonce")
    try:
        data = json.loads(body)
        ticket, status = str(data["ticket_id"]), str(data["status"])
    except (ValueError, KeyError, TypeError):
        raise CallbackRefused(400, "malformed body") from None
    if status not in ("pending", "registered", "rejected", "cleared"):
        raise CallbackRefused(400, "unknown status")
    filing = CarrierFiling.objects.filter(carrier=carrier, carrier_ticket_id=ticket).first()
    if filing is None:
        raise CallbackRefused(400, "unknown ticket")
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
            reason=str(data.get("reason", ""))[:200],
            source="callback",
            generation=filing.generation,
        )
    return CallbackResult(filing=filing, changed=changed)


def callback_nonces_prune(*, now: datetime | None = None) -> int:
    """Forget nonces older than twice the accepted skew: their timestamps are refused anyway."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=2 * _policy()["CALLBACK_MAX_SKEW_SECONDS"])
    deleted, _rows = CallbackNonce.objects.filter(received_at__lt=cutoff).delete()
    return deleted
