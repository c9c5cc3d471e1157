"""The interface every carrier gateway implements, and the values it exchanges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

#: What a carrier says about a filing. ``pending``: received, not decided yet.
Status = Literal["pending", "registered", "rejected", "cleared"]


class GatewayTransientError(Exception):
    """A timeout, a broken connection, a 5xx: the call may be repeated with the same key."""


class GatewayRefused(Exception):
    """The carrier refused the request itself (malformed, unknown ticket): repeating won't help."""


class NotQueryable(Exception):
    """The carrier offers no status query (seed 004); use a test send, a callback or staff."""


@dataclass(frozen=True)
class FilingRequest:
    carrier: str
    idempotency_key: str
    revision_id: int
    generation: int
    kind: Literal["signature", "template"]
    subject_public_id: str
    content: str
    entity_name: str = ""


@dataclass(frozen=True)
class SubmitResult:
    ticket_id: str
    duplicate: bool = False  # the carrier had this key already and returned its first ticket


@dataclass(frozen=True)
class QueryResult:
    status: Status
    reason: str = ""


@dataclass(frozen=True)
class ProbeResult:
    delivered: bool
    status: Status
    reason: str = ""


class Gateway(Protocol):
    carrier: str

    def submit(self, request: FilingRequest) -> SubmitResult: ...

    def query(self, ticket_id: str) -> QueryResult: ...

    def test_send(self, ticket_id: str) -> ProbeResult: ...
