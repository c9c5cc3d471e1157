"""Stub carriers that behave like the real ones (SPEC §5), for demos, tests and benchmarks.

``StubCarrier`` is the carrier's own system: its ledger is the ``StubFiling`` table, which it
writes in its own autocommit transactions, never in ours. It files by the idempotency key (a
second submit with the same key returns the first ticket and is counted as a re-delivery), takes
working days to decide (divided by ``STUB["TIME_SCALE"]``), rejects by its own rules with its own
reason codes, clears signatures left unused, and may not answer queries at all.
``StubGateway`` calls it in process and injects transient faults at ``STUB["FAULT_RATE"]``:
timeouts before the carrier saw the request, and lost responses after it did."""

from __future__ import annotations

import hashlib
import random
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from carriers.gateways.base import (
    FilingRequest,
    GatewayRefused,
    GatewayTransientError,
    NotQueryable,
    ProbeResult,
    QueryResult,
    SubmitResult,
)

_PREFIX = {"cmcc": "CM", "cucc": "CU", "ctcc": "CT"}
_LINK = re.compile(r"https?://|www\.|\.(cn|com|net)\b", re.IGNORECASE)
_PHONE = re.compile(r"\d{7,}")


def _stub_policy() -> dict:
    return settings.CARRIER_POLICY["STUB"]


def _carrier_conf(code: str) -> dict:
    return _stub_policy()["CARRIERS"].get(code, {"WORKING_DAYS": 5, "QUERYABLE": True})


def carrier_rules(code: str, request: FilingRequest) -> str:
    """The carrier's own verdict on a request: '' to register it, else its reason code.

    Each carrier reads the rules its own way (seed 004: "carrier rules differ"); about one
    request in twelve is also refused by the carrier's manual review, decided by the content so
    that every delivery of one request gets the same answer."""
    prefix = _PREFIX.get(code, code.upper())
    text = request.content
    if "违规" in text:
        return f"{prefix}-E100"  # content against regulations
    if code == "cmcc" and request.kind == "signature" and len(text) > 16:
        return "CM-E103"  # signature too long for China Mobile's gateway
    if code == "cucc" and request.kind == "template" and _LINK.search(text):
        return "CU-4007"  # link not on China Unicom's whitelist
    if code == "ctcc" and request.kind == "template" and _PHONE.search(text):
        return "CT-0307"  # contact number not filed with China Telecom
    digest = hashlib.sha256(f"{code}:{request.kind}:{text}".encode()).digest()
    if digest[0] % 12 == 0:
        return f"{prefix}-E310"  # manual review: signature does not match the materials
    return ""


def _decision_delay(code: str, received: datetime) -> timedelta:
    days = _carrier_conf(code)["WORKING_DAYS"]
    try:
        from reviewportal.services.sla import business_calendar

        real = business_calendar().add_working_days(received, days) - received
    except Exception:
        # A carrier does not stop for our calendar table: outside the covered years the stub
        # simply counts calendar days.
        real = timedelta(days=days)
    return real / max(_stub_policy()["TIME_SCALE"], 1e-9)


class StubCarrier:
    """One stub carrier's system, shared by the in-process gateway and the HTTP stub server."""

    def __init__(self, code: str) -> None:
        self.code = code

    @property
    def queryable(self) -> bool:
        return bool(_carrier_conf(self.code)["QUERYABLE"])

    def submit(self, request: FilingRequest) -> SubmitResult:
        from carriers.models import StubFiling

        if request.carrier != self.code:
            raise GatewayRefused(f"request for {request.carrier} sent to {self.code}")
        now = timezone.now()
        verdict = carrier_rules(self.code, request)
        ticket = f"{_PREFIX.get(self.code, self.code.upper())}{uuid_hex(request.idempotency_key)}"
        try:
            with transaction.atomic():
                StubFiling.objects.create(
                    carrier_code=self.code,
                    idempotency_key=request.idempotency_key,
                    ticket_id=ticket,
                    revision_id=request.revision_id,
                    generation=request.generation,
                    kind=request.kind,
                    subject_public_id=request.subject_public_id,
                    content=request.content,
                    received_at=now,
                    decide_at=now + _decision_delay(self.code, now),
                    outcome="rejected" if verdict else "registered",
                    reason_code=verdict,
                )
        except IntegrityError:
            # The idempotency key is known: the same filing delivered again. File nothing.
            StubFiling.objects.filter(idempotency_key=request.idempotency_key).update(
                deliveries=F("deliveries") + 1
            )
            first = StubFiling.objects.get(idempotency_key=request.idempotency_key)
            return SubmitResult(ticket_id=first.ticket_id, duplicate=True)
        return SubmitResult(ticket_id=ticket)

    def _status(self, ticket_id: str) -> tuple[str, str, object]:
        from carriers.models import SignatureUsage, StubFiling

        try:
            record = StubFiling.objects.get(carrier_code=self.code, ticket_id=ticket_id)
        except StubFiling.DoesNotExist:
            raise GatewayRefused(f"unknown ticket {ticket_id}") from None
        now = timezone.now()
        if now < record.decide_at:
            return "pending", "", record
        if record.outcome == "rejected":
            return "rejected", record.reason_code, record
        if record.kind == "signature":
            # The carrier's traffic log: its own test sends, and the platform's reported use.
            usage = (
                SignatureUsage.objects.filter(signature__public_id=record.subject_public_id)
                .values_list("last_used_at", flat=True)
                .first()
            )
            seen = max(t for t in (record.decide_at, record.last_sent_at, usage) if t)
            days = settings.CARRIER_POLICY["INACTIVITY_CLEAR_DAYS"]
            idle = timedelta(days=days) / max(_stub_policy()["TIME_SCALE"], 1e-9)
            if now - seen > idle:
                return "cleared", f"{_PREFIX.get(self.code, self.code.upper())}-C900", record
        return "registered", "", record

    def query(self, ticket_id: str) -> QueryResult:
        if not self.queryable:
            raise NotQueryable(f"{self.code} offers no filing-status query")
        status, reason, _record = self._status(ticket_id)
        return QueryResult(status=status, reason=reason)

    def test_send(self, ticket_id: str) -> ProbeResult:
        from carriers.models import StubFiling

        status, reason, record = self._status(ticket_id)
        delivered = status == "registered"
        if delivered:
            StubFiling.objects.filter(pk=record.pk).update(last_sent_at=timezone.now())
        return ProbeResult(delivered=delivered, status=status, reason=reason)


def uuid_hex(key: str) -> str:
    """A ticket number derived from the key: the same key always gets the same ticket."""
    return hashlib.sha256(key.encode()).hexdigest()[:16].upper()


class StubGateway:
    """The in-process adapter to a stub carrier, with transient faults."""

    def __init__(self, carrier: str, *, rng: random.Random | None = None) -> None:
        self.carrier = carrier
        self.system = StubCarrier(carrier)
        self.rng = rng or random.Random()

    def _fault(self, call: str) -> str:
        """'' for no fault, 'before' (timed out before the carrier saw it), 'after' (it did the
        work, the response was lost)."""
        if self.rng.random() >= _stub_policy()["FAULT_RATE"]:
            return ""
        return self.rng.choice(("before", "after"))

    def _call(self, name: str, *args):
        fault = self._fault(name)
        if fault == "before":
            raise GatewayTransientError(f"{self.carrier} {name}: timed out")
        result = getattr(self.system, name)(*args)
        if fault == "after":
            raise GatewayTransientError(f"{self.carrier} {name}: 503 after processing")
        return result

    def submit(self, request: FilingRequest) -> SubmitResult:
        return self._call("submit", request)

    def query(self, ticket_id: str) -> QueryResult:
        if not self.system.queryable:
            raise NotQueryable(f"{self.carrier} offers no filing-status query")
        return self._call("query", ticket_id)

    def test_send(self, ticket_id: str) -> ProbeResult:
        return self._call("test_send", ticket_id)
