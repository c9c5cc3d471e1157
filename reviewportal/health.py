"""``/health/``: is every dependency of the portal answering? JSON with an overall ``status``:
``ok`` (200) when every check passes without a warning, ``warn`` (200: the portal works, but
someone must act, e.g. next year's calendar is missing) when any check warns, ``error`` (503)
when any check fails.

Anybody (a load balancer) gets the status alone; the details (which check failed or warned and
why, the backends in use) are for staff signed in or a monitor sending ``HEALTH_TOKEN`` as a
bearer token. A hit writes nothing anywhere."""

from __future__ import annotations

import hmac
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import JsonResponse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reviewportal.celery import app
from reviewportal.services.calendar import calendar_health


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        transport = conn.transport_cls
    return {"ok": True, "transport": str(transport)}


def _check_storage() -> dict:
    backend = type(default_storage).__name__
    if isinstance(default_storage, FileSystemStorage):
        # The folder, or the first existing parent it will be created in, must be writable.
        folder = Path(default_storage.location)
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        ok = folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
        return {"ok": ok, "backend": backend} | ({} if ok else {"error": "not writable"})
    # A remote store answers a lookup only with valid credentials and a reachable bucket.
    default_storage.exists("health-check")
    return {"ok": True, "backend": backend}


CHECKS = {
    "database": _check_database,
    "broker": _check_broker,
    "storage": _check_storage,
    # Fails when the current year is missing, warns from 1 November when next year is (§6).
    "calendar": calendar_health,
}


OK, WARN, ERROR = "ok", "warn", "error"


def overall_status(results: dict[str, dict]) -> str:
    """``error`` when any check failed, else ``warn`` when any check warns, else ``ok``."""
    if not all(result["ok"] for result in results.values()):
        return ERROR
    if any(result.get("warning") for result in results.values()):
        return WARN
    return OK


def _may_see_details(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    token = getattr(settings, "HEALTH_TOKEN", "")
    offered = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(
        offered.encode("utf-8", "replace"), f"Bearer {token}".encode()
    )


@never_cache
@require_GET
def health(request):
    results: dict[str, dict] = {}
    # Monitoring tools read this: its messages are stable English whatever the UI language.
    with translation.override("en"):
        for name, check in CHECKS.items():
            started = time.perf_counter()
            try:
                results[name] = check()
            except Exception as exc:  # a health check reports every failure, whatever its kind
                results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    body = {"status": overall_status(results)}
    if _may_see_details(request):
        body["checks"] = results
    return JsonResponse(body, status=503 if body["status"] == ERROR else 200)
