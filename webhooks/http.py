"""The HTTP side of a delivery: one pooled httpx client per worker process (thread-safe, made
again after a fork), no redirects followed, no proxy from the environment, timeouts from
``WEBHOOK_POLICY``, the answer's body read up to ``RESPONSE_MAX_BYTES``.

The request goes to an address ``addresses.target_check`` allowed, not to the name: the URL's
host is replaced by the address, the ``Host`` header keeps the name, and for https the TLS
server name (SNI) and the certificate check use the name (httpx's ``sni_hostname``)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from webhooks.addresses import Target

_lock = threading.Lock()
_client: httpx.Client | None = None
_client_pid: int | None = None


def _policy() -> dict:
    return settings.WEBHOOK_POLICY


def client() -> httpx.Client:
    """This process's client (a forked worker child makes its own: sockets are not shared)."""
    global _client, _client_pid
    with _lock:
        if _client is None or _client_pid != os.getpid():
            policy = _policy()
            _client = httpx.Client(
                timeout=httpx.Timeout(
                    policy["READ_TIMEOUT_SECONDS"], connect=policy["CONNECT_TIMEOUT_SECONDS"]
                ),
                limits=httpx.Limits(
                    max_connections=policy["MAX_CONNECTIONS"],
                    max_keepalive_connections=policy["MAX_CONNECTIONS"],
                ),
                follow_redirects=False,
                trust_env=False,
                headers={"user-agent": policy["USER_AGENT"]},
            )
            _client_pid = os.getpid()
        return _client


def client_close() -> None:
    """Close this process's client (tests that change the timeouts)."""
    global _client
    with _lock:
        if _client is not None:
            _client.close()
        _client = None


@dataclass(frozen=True)
class Answer:
    """What one request got: a status code, or an error in words (never a secret)."""

    status: int | None
    duration_ms: int
    error: str = ""
    retry_after: str | None = None
    excerpt: str = ""


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def _read_capped(response: httpx.Response, *, limit: int, deadline: float) -> bytes:
    data = b""
    for chunk in response.iter_raw():
        data += chunk
        if len(data) >= limit or time.monotonic() > deadline:
            break
    return data[:limit]


def post(*, url: str, target: Target, headers: dict[str, str], body: bytes) -> Answer:
    """POST ``body`` to ``url`` at one of ``target``'s checked addresses (the next one when a
    connection cannot be made)."""
    policy = _policy()
    started = time.monotonic()
    deadline = started + policy["ATTEMPT_DEADLINE_SECONDS"]
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    request_headers = {
        **headers,
        "host": _host_header(target),
        "content-type": "application/json",
    }
    error = ""
    for address in target.addresses:
        pinned = httpx.URL(url).copy_with(host=address)
        try:
            with client().stream(
                "POST", pinned, content=body, headers=request_headers, extensions=extensions
            ) as response:
                data = _read_capped(response, limit=policy["RESPONSE_MAX_BYTES"], deadline=deadline)
                return Answer(
                    status=response.status_code,
                    duration_ms=int((time.monotonic() - started) * 1000),
                    retry_after=response.headers.get("retry-after"),
                    excerpt=data.decode("utf-8", "replace"),
                )
        except httpx.ConnectError as exc:
            error = f"connection failed: {_short(exc)}"
            continue
        except httpx.TimeoutException:
            error = "timed out"
            break
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {_short(exc)}"
            break
    return Answer(status=None, duration_ms=int((time.monotonic() - started) * 1000), error=error)


def _short(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:200]
