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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/reviewportal_bench_queue"
GOAL_P95_MS = 150.0


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if name in ("test", "postgres", "reviewportal"):
        raise SystemExit(f"refusing to use the database {name!r}: the bench builds its own")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewportal.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


# Per column of signatures_signatureapplication: its value as SQL over ``i`` (generate_series;
# i = 1 is the newest submission, 7 seconds apart). As on a busy platform, the queue holds the
# last day or two of submissions: the newest 3 % of the rows wait for a reviewer (one in five of
# them claimed, one in 97 urgent); everything older is decided, one in seven rejected.
QUEUE_PERCENT = 3


def _column_sql(field, ids: dict) -> str:
    in_queue = f"i <= {ids['queue_rows']}"
    state = (
        f"CASE WHEN {in_queue} THEN (CASE WHEN i %% 5 = 0 THEN 'under_review' "
        "ELSE 'pending_review' END) WHEN i %% 7 = 0 THEN 'rejected' ELSE 'approved' END"
    )
    submitted = "TIMESTAMPTZ '2026-11-23 10:00+08' - (i * INTERVAL '7 seconds')"
    values = {
        "public_id": "'SIG' || lpad(i::text, 9, '0')",
        "account_id": f"{ids['account_first']} + (i %% {ids['accounts']})",
        "state": state,
        "current_revision_id": "NULL",
        "claimed_by_id": f"CASE WHEN {in_queue} AND i %% 5 = 0 THEN {ids['reviewer']} END",
        "claimed_at": f"CASE WHEN {in_queue} AND i %% 5 = 0 THEN {submitted} END",
        "submitted_at": submitted,
        "decided_at": f"CASE WHEN {in_queue} THEN NULL ELSE {submitted} + INTERVAL '3 hours' END",
        "sla_policy_id": str(ids["policy"]),
        "sla_target": "INTERVAL '9 hours'",
        "due_at": f"{submitted} + INTERVAL '1 day'",
        "at_risk_at": f"{submitted} + INTERVAL '20 hours'",
        "is_urgent": f"({in_queue} AND i %% 97 = 0)",
        "created_by_id": "NULL",
        "created_at": submitted,
        "updated_at": submitted,
        "qualification_id": str(ids["qualification"]),
        "sig_type": "'company'",
        "content": "'和讯华谷'",
        "purpose": "'self'",
        "authorization_id": "NULL",
        "trademark_id": "NULL",
        "use_case": "'注册登录验证码与订单通知'",
    }
    if field.column in values:
        return values[field.column]
    # A column added later (e.g. a flag with a default): its default, else NULL.
    if field.has_default() and isinstance(field.get_default(), bool):
        return "TRUE" if field.get_default() else "FALSE"
    if field.has_default() and isinstance(field.get_default(), str):
        return "'" + field.get_default().replace("'", "''") + "'"
    return "NULL"


def build(rows: int, *, rebuild: bool = False) -> None:
    from django.core.management import call_command
    from django.db import connection

    from reviewportal.models import Account, SlaPolicy, User
    from signatures.models import Qualification, SignatureApplication

    call_command("migrate", verbosity=0)
    have = SignatureApplication.objects.count()
    if have == rows and not rebuild:
        print(f"data: {have:,} signature applications already there")
        return
    print(f"data: building {rows:,} signature applications …", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE signatures_signatureapplication CASCADE")
    accounts = [
        Account.objects.get_or_create(name=f"压测客户{n:03d}有限公司")[0] for n in range(200)
    ]
    qualification = Qualification.objects.filter(account=accounts[0]).first()
    if qualification is None:
        qualification = Qualification(
            account=accounts[0],
            name="深圳市和讯华谷信息技术有限公司",
            uscc="91440300MA5DC1K8X0",
            legal_rep_name="张三",
            legal_rep_id_number="11010519491231002X",
        )
        qualification.save()
    reviewer = User.objects.filter(username="bench-reviewer").first()
    if reviewer is None:
        reviewer = User.objects.create_superuser("bench-reviewer", "bench@example.com", "x")
    ids = {
        "account_first": min(a.pk for a in accounts),
        "accounts": len(accounts),
        "qualification": qualification.pk,
        "reviewer": reviewer.pk,
        "policy": SlaPolicy.objects.get(code="standard").pk,
        "queue_rows": rows * QUEUE_PERCENT // 100,
    }
    assert max(a.pk for a in accounts) - ids["account_first"] == len(accounts) - 1
    fields = [f for f in SignatureApplication._meta.concrete_fields if f.column != "id"]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    select = ", ".join(_column_sql(f, ids) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO signatures_signatureapplication ({columns}) "
            f"SELECT {select} FROM generate_series(1, %s) AS i",
            [rows],
        )
        cursor.execute("ANALYZE signatures_signatureapplication")
    print(f"data: built in {time.perf_counter() - started:.0f} s", flush=True)


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
    _ensure_database(url)
    _setup(url)

    from django.contrib import admin
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import path

    from reviewportal.models import User
    from reviewportal.urls import urlpatterns
    from signatures.models import SignatureApplication

    build(args.rows, rebuild=args.rebuild)

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
