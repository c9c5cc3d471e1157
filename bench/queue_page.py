"""Benchmark of the reviewer console's queue page (issue 5) on 1,000,000 signature applications.

    .venv/bin/python bench/queue_page.py [--rows 1000000] [--requests 200] [--rebuild]

Builds the data once in its own PostgreSQL database (``reviewportal_bench_queue`` on 127.0.0.1,
user postgres; ``BENCH_QUEUE_DATABASE_URL`` to point elsewhere; never the ``test`` database),
then measures the server time of the queue page (the signature changelist of the console) and of
a stock ``ModelAdmin`` of the same model on the same data, both rendered in-process through
Django's test client (no network, no browser): p50 and p95 over ``--requests`` requests after a
warm-up. It also checks that no COUNT(*) of the queue page is unbounded (every count carries a
LIMIT). Exits with status 1 when the queue page's p95 is above 150 ms or a count is unbounded.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's ``queue``, which psycopg imports: take the
# script's own folder off the import path before anything else is imported.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.datasets import ensure_database, signatures_build  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/reviewportal_bench_queue"
GOAL_P95_MS = 150.0


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewportal.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def measure(path: str, requests: int, client) -> dict:
    for _ in range(10):
        assert client.get(path).status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return {"p50": statistics.median(times), "p95": _percentile(times, 95)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    args = parser.parse_args()
    url = os.environ.get("BENCH_QUEUE_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    _setup(url)

    from django.contrib import admin
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import path

    from reviewportal.models import User
    from reviewportal.urls import urlpatterns
    from signatures.models import SignatureApplication

    signatures_build(args.rows, accounts=200, rebuild=args.rebuild)

    # The stock ModelAdmin: Django's defaults (full counts, Meta ordering), on its own site.
    stock_site = admin.AdminSite(name="stock")
    stock_site.register(SignatureApplication, admin.ModelAdmin)
    module = type(sys)("bench_queue_urls")
    module.urlpatterns = [path("stock/", stock_site.urls), *urlpatterns]
    sys.modules["bench_queue_urls"] = module

    from django.conf import settings

    # Production settings (DEBUG off) without a collected static manifest.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        ROOT_URLCONF="bench_queue_urls", ALLOWED_HOSTS=["*"], DEBUG=False, STORAGES=storages
    ):
        client = Client()
        client.force_login(User.objects.get(username="bench-reviewer"))
        console = "/admin/signatures/signatureapplication/"
        stock = "/stock/signatures/signatureapplication/"
        with CaptureQueriesContext(connection) as captured:
            client.get(console)
        queries = list(captured.captured_queries)
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        unbounded = [
            sql for sql in counts if "signatureapplication" in sql and "LIMIT" not in sql.upper()
        ]
        results = {
            "queue page (console)": measure(console, args.requests, client),
            "stock ModelAdmin": measure(stock, args.requests, client),
        }
    total = SignatureApplication.objects.count()
    waiting = SignatureApplication.objects.filter(
        state__in=["pending_review", "under_review", "rereview"]
    ).count()
    print(f"rows: {total:,} signature applications, {waiting:,} in the queue")
    print("load average during the run: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(
        f"queries of one queue page: {len(queries)}; counts: {len(counts)}, unbounded: "
        f"{len(unbounded)}"
    )
    for name, r in results.items():
        print(f"{name:22s} p50 {r['p50']:7.1f} ms   p95 {r['p95']:7.1f} ms")
    ratio = results["stock ModelAdmin"]["p95"] / results["queue page (console)"]["p95"]
    print(f"stock / console (p95): {ratio:.1f}×")
    ok = results["queue page (console)"]["p95"] <= GOAL_P95_MS and not unbounded
    print("goal (p95 ≤ 150 ms, no unbounded COUNT):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
