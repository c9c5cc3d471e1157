"""``/health/``: is every dependency of the portal answering? JSON, 200 when all are, 503 if not."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reviewportal.services.calendar import calendar_health


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:
    from reviewportal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        transport = conn.transport_cls
    return {"ok": True, "transport": str(transport)}


def _check_storage() -> dict:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as fh:
            ok = fh.read() == b"ok"
    finally:
        default_storage.delete(name)
    return {"ok": ok, "backend": type(default_storage).__name__}


CHECKS = {
    "database": _check_database,
    "broker": _check_broker,
    "storage": _check_storage,
    # Fails when the current year is missing, warns from 1 November when next year is (§6).
    "calendar": calendar_health,
}


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
    healthy = all(r["ok"] for r in results.values())
    body = {"status": "ok" if healthy else "error", "checks": results, "debug": settings.DEBUG}
    return JsonResponse(body, status=200 if healthy else 503)
