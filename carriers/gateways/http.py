"""The HTTP adapter: the same interface over JSON/HTTP, with real timeouts and broken
connections. Pointed at ``CARRIER_POLICY["HTTP_STUB_URL"]`` (``manage.py carrier_stub_server``)."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict

from django.conf import settings

from carriers.gateways.base import (
    FilingRequest,
    GatewayRefused,
    GatewayTransientError,
    NotQueryable,
    OneByOne,
    ProbeResult,
    QueryResult,
    SubmitResult,
)


class HttpGateway(OneByOne):
    """One HTTP call per filing: the batch calls are made of single calls."""

    def __init__(self, carrier: str, *, base_url: str | None = None, timeout: float | None = None):
        policy = settings.CARRIER_POLICY
        self.carrier = carrier
        self.base_url = (base_url or policy["HTTP_STUB_URL"]).rstrip("/")
        self.timeout = timeout if timeout is not None else policy["HTTP_TIMEOUT_SECONDS"]

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        url = f"{self.base_url}/{self.carrier}/{path}"
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if payload and "idempotency_key" in payload:
            req.add_header("Idempotency-Key", payload["idempotency_key"])
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            body = exc.read().decode(errors="replace")[:200]
            if exc.code == 501:
                raise NotQueryable(f"{self.carrier}: {body}") from exc
            if exc.code >= 500 or exc.code == 429:
                raise GatewayTransientError(f"{self.carrier} {path}: HTTP {exc.code}") from exc
            raise GatewayRefused(f"{self.carrier} {path}: HTTP {exc.code} {body}") from exc
        except TimeoutError as exc:
            raise GatewayTransientError(f"{self.carrier} {path}: timed out") from exc
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError) as exc:
            raise GatewayTransientError(f"{self.carrier} {path}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise GatewayTransientError(f"{self.carrier} {path}: garbled response") from exc

    def submit(self, request: FilingRequest) -> SubmitResult:
        answer = self._call("POST", "submit", asdict(request))
        return SubmitResult(ticket_id=answer["ticket_id"], duplicate=bool(answer.get("duplicate")))

    def query(self, ticket_id: str) -> QueryResult:
        answer = self._call("GET", "query?" + urllib.parse.urlencode({"ticket": ticket_id}))
        return QueryResult(status=answer["status"], reason=answer.get("reason", ""))

    def test_send(self, ticket_id: str) -> ProbeResult:
        answer = self._call("POST", "test-send", {"ticket_id": ticket_id})
        return ProbeResult(
            delivered=bool(answer["delivered"]),
            status=answer["status"],
            reason=answer.get("reason", ""),
        )
