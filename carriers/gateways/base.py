"""The interface every carrier gateway implements, and the values it exchanges."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

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


Item = TypeVar("Item")
Answer = TypeVar("Answer")


class Gateway(Protocol):
    """``submit``, ``query`` and ``test_send`` act on one filing. The ``*_many`` forms take a
    batch and answer item by item in the same order (an item's error does not fail the others;
    ``NotQueryable`` from ``query_many`` concerns the whole carrier); adapters of carriers
    without batch calls inherit ``OneByOne``."""

    carrier: str

    def submit(self, request: FilingRequest) -> SubmitResult: ...

    def query(self, ticket_id: str) -> QueryResult: ...

    def test_send(self, ticket_id: str) -> ProbeResult: ...

    def submit_many(
        self, requests: Sequence[FilingRequest]
    ) -> list[SubmitResult | GatewayTransientError | GatewayRefused]: ...

    def query_many(
        self, ticket_ids: Sequence[str]
    ) -> list[QueryResult | GatewayTransientError | GatewayRefused]: ...

    def test_send_many(
        self, ticket_ids: Sequence[str]
    ) -> list[ProbeResult | GatewayTransientError | GatewayRefused]: ...


def _each(call: Callable[[Item], Answer], items: Sequence[Item]) -> list:
    answers: list = []
    for item in items:
        try:
            answers.append(call(item))
        except (GatewayTransientError, GatewayRefused) as exc:
            answers.append(exc)
    return answers


class OneByOne:
    """Batch calls made of single calls, for carriers that offer nothing else."""

    def submit_many(self, requests: Sequence[FilingRequest]) -> list:
        return _each(self.submit, requests)

    def query_many(self, ticket_ids: Sequence[str]) -> list:
        # NotQueryable is not caught: it escapes at the first item, before any other call.
        return _each(self.query, ticket_ids)

    def test_send_many(self, ticket_ids: Sequence[str]) -> list:
        return _each(self.test_send, ticket_ids)
