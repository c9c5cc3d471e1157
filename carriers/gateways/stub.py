"""Stub carriers that behave like the real ones (SPEC §5), for demos, tests and benchmarks.

``StubCarrier`` is the carrier's own system: its ledger is the ``StubFiling`` table, which it
writes in its own autocommit transactions, never in ours. It files by the idempotency key (a
second submit with the same key returns the first ticket and is counted as a re-delivery; a
ticket is random, so knowing a filing's key does not tell its ticket), takes
working days to decide (divided by ``STUB["TIME_SCALE"]``), rejects by its own rules with its own
reason codes, clears signatures left unused for ``INACTIVITY_CLEAR_DAYS`` (divided by
``STUB["INACTIVITY_SCALE"]``, a clock of its own: see ``carriers.clocks``), and may not answer
queries at all.
``StubGateway`` calls it in process and injects transient faults at ``STUB["FAULT_RATE"]``:
timeouts before the carrier saw the request, and lost responses after it did."""

from __future__ import annotations

import hashlib
import random
import re
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from carriers.clocks import inactivity_clear_after, working_time
from carriers.gateways.base import (
    FilingRequest,
    GatewayRefused,
    GatewayTransientError,
    NotQueryable,
    ProbeResult,
    QueryResult,
    SubmitResult,
)
from carriers.models import SignatureUsage, StubFiling
from reviewportal.services.sla import business_calendar

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
        real = business_calendar().add_working_days(received, days) - received
    except Exception:
        # A carrier does not stop for our calendar table: outside the covered years the stub
        # simply counts calendar days.
        real = timedelta(days=days)
    return working_time(real)


class StubCarrier:
    """One stub carrier's system, shared by the in-process gateway and the HTTP stub server."""

    def __init__(self, code: str) -> None:
        self.code = code

    @property
    def queryable(self) -> bool:
        return bool(_carrier_conf(self.code)["QUERYABLE"])

    def submit(self, request: FilingRequest) -> SubmitResult:
        return _one(self.submit_many([request]))

    def submit_many(self, requests: Sequence[FilingRequest]) -> list[SubmitResult | GatewayRefused]:
        """File each request's key once (one transaction for the batch); a key already on file
        is a re-delivery: its first ticket is returned and its ``deliveries`` counted."""

        now = timezone.now()
        delay = _decision_delay(self.code, now) if requests else timedelta(0)
        ours = [r for r in requests if r.carrier == self.code]
        sent = Counter(r.idempotency_key for r in ours)
        try:
            with transaction.atomic():
                known = dict(
                    StubFiling.objects.filter(idempotency_key__in=list(sent)).values_list(
                        "idempotency_key", "ticket_id"
                    )
                )
                new, seen = [], set()
                for request in ours:
                    key = request.idempotency_key
                    if key in known or key in seen:
                        continue
                    seen.add(key)
                    new.append(self._record(request, now, delay, deliveries=sent[key]))
                StubFiling.objects.bulk_create(new)
                for times in set(sent[key] for key in known):
                    StubFiling.objects.filter(
                        idempotency_key__in=[k for k in known if sent[k] == times]
                    ).update(deliveries=F("deliveries") + times)
        except IntegrityError:
            # Another delivery of one of these keys was filed meanwhile: file them one by one.
            return [self._submit_alone(r) for r in requests]
        tickets = {**known, **{record.idempotency_key: record.ticket_id for record in new}}
        answers: list[SubmitResult | GatewayRefused] = []
        firsts: set[str] = set()
        for request in requests:
            key = request.idempotency_key
            if request.carrier != self.code:
                answers.append(GatewayRefused(f"request for {request.carrier} sent to {self.code}"))
                continue
            duplicate = key in known or key in firsts
            firsts.add(key)
            answers.append(SubmitResult(ticket_id=tickets[key], duplicate=duplicate))
        return answers

    def _record(self, request: FilingRequest, now, delay: timedelta, *, deliveries: int = 1):
        """The carrier's own record of a newly filed request, decided by its rules (unsaved)."""

        verdict = carrier_rules(self.code, request)
        return StubFiling(
            carrier_code=self.code,
            idempotency_key=request.idempotency_key,
            ticket_id=self._new_ticket(),
            revision_id=request.revision_id,
            generation=request.generation,
            kind=request.kind,
            subject_public_id=request.subject_public_id,
            content=request.content,
            deliveries=deliveries,
            received_at=now,
            decide_at=now + delay,
            outcome="rejected" if verdict else "registered",
            reason_code=verdict,
        )

    def _new_ticket(self) -> str:
        """A random ticket number: one derived from the (documented) idempotency key would let
        anyone who knows a filing name its ticket."""
        return f"{_PREFIX.get(self.code, self.code.upper())}{secrets.token_hex(12).upper()}"

    def _submit_alone(self, request: FilingRequest) -> SubmitResult | GatewayRefused:

        if request.carrier != self.code:
            return GatewayRefused(f"request for {request.carrier} sent to {self.code}")
        now = timezone.now()
        key = request.idempotency_key
        record = self._record(request, now, _decision_delay(self.code, now))
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            # The idempotency key is known: the same filing delivered again. File nothing.
            StubFiling.objects.filter(idempotency_key=key).update(deliveries=F("deliveries") + 1)
            first = StubFiling.objects.get(idempotency_key=key)
            return SubmitResult(ticket_id=first.ticket_id, duplicate=True)
        return SubmitResult(ticket_id=record.ticket_id)

    def _statuses(self, ticket_ids: Sequence[str]) -> dict[str, tuple[str, str, object]]:
        """(status, reason, record) of each known ticket; unknown tickets are left out."""

        records = {
            r.ticket_id: r
            for r in StubFiling.objects.filter(carrier_code=self.code, ticket_id__in=ticket_ids)
        }
        now = timezone.now()
        decided = [r for r in records.values() if now >= r.decide_at]
        # The carrier's traffic log: its own test sends, and the platform's reported use.
        signatures = [r.subject_public_id for r in decided if r.kind == "signature"]
        used = (
            dict(
                SignatureUsage.objects.filter(signature__public_id__in=signatures).values_list(
                    "signature__public_id", "last_used_at"
                )
            )
            if signatures
            else {}
        )
        # Idleness runs on the inactivity clock, not on the compressed working days: a demo
        # whose carriers decide in seconds keeps its signatures registered for months.
        idle = inactivity_clear_after()
        statuses = {}
        for ticket, record in records.items():
            if now < record.decide_at:
                statuses[ticket] = ("pending", "", record)
            elif record.outcome == "rejected":
                statuses[ticket] = ("rejected", record.reason_code, record)
            elif record.kind == "signature":
                usage = used.get(record.subject_public_id)
                seen = max(t for t in (record.decide_at, record.last_sent_at, usage) if t)
                if now - seen > idle:
                    reason = f"{_PREFIX.get(self.code, self.code.upper())}-C900"
                    statuses[ticket] = ("cleared", reason, record)
                else:
                    statuses[ticket] = ("registered", "", record)
            else:
                statuses[ticket] = ("registered", "", record)
        return statuses

    def query(self, ticket_id: str) -> QueryResult:
        return _one(self.query_many([ticket_id]))

    def query_many(self, ticket_ids: Sequence[str]) -> list[QueryResult | GatewayRefused]:
        if not self.queryable:
            raise NotQueryable(f"{self.code} offers no filing-status query")
        statuses = self._statuses(ticket_ids)
        return [
            QueryResult(status=statuses[t][0], reason=statuses[t][1])
            if t in statuses
            else GatewayRefused(f"unknown ticket {t}")
            for t in ticket_ids
        ]

    def test_send(self, ticket_id: str) -> ProbeResult:
        return _one(self.test_send_many([ticket_id]))

    def test_send_many(self, ticket_ids: Sequence[str]) -> list[ProbeResult | GatewayRefused]:

        statuses = self._statuses(ticket_ids)
        delivered = [
            record.pk for status, _r, record in statuses.values() if status == "registered"
        ]
        if delivered:
            StubFiling.objects.filter(pk__in=delivered).update(last_sent_at=timezone.now())
        return [
            ProbeResult(
                delivered=statuses[t][0] == "registered",
                status=statuses[t][0],
                reason=statuses[t][1],
            )
            if t in statuses
            else GatewayRefused(f"unknown ticket {t}")
            for t in ticket_ids
        ]


def _one(answers: list):
    """The single answer of a batch of one, raised when it is an error."""
    (answer,) = answers
    if isinstance(answer, Exception):
        raise answer
    return answer


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
        return _one(self._call_many(name, list(args)))

    def _call_many(self, name: str, items: list) -> list:
        """Each item meets its own fault: 'before' items never reach the carrier, 'after' items
        are processed and their answer lost."""
        faults = [self._fault(name) for _ in items]
        reached = [item for item, fault in zip(items, faults, strict=True) if fault != "before"]
        answers = iter(getattr(self.system, f"{name}_many")(reached) if reached else ())
        out: list = []
        for fault in faults:
            if fault == "before":
                out.append(GatewayTransientError(f"{self.carrier} {name}: timed out"))
                continue
            answer = next(answers)
            if fault == "after" and not isinstance(answer, GatewayRefused):
                answer = GatewayTransientError(f"{self.carrier} {name}: 503 after processing")
            out.append(answer)
        return out

    def submit(self, request: FilingRequest) -> SubmitResult:
        return self._call("submit", request)

    def submit_many(self, requests: Sequence[FilingRequest]) -> list:
        return self._call_many("submit", list(requests))

    def query(self, ticket_id: str) -> QueryResult:
        if not self.system.queryable:
            raise NotQueryable(f"{self.carrier} offers no filing-status query")
        return self._call("query", ticket_id)

    def query_many(self, ticket_ids: Sequence[str]) -> list:
        if not self.system.queryable:
            raise NotQueryable(f"{self.carrier} offers no filing-status query")
        return self._call_many("query", list(ticket_ids))

    def test_send(self, ticket_id: str) -> ProbeResult:
        return self._call("test_send", ticket_id)

    def test_send_many(self, ticket_ids: Sequence[str]) -> list:
        return self._call_many("test_send", list(ticket_ids))
