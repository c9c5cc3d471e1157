"""Data the benchmarks share, built with SQL in a benchmark's own PostgreSQL database."""

from __future__ import annotations

import time


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if name in ("test", "postgres", "reviewportal"):
        raise SystemExit(f"refusing to use the database {name!r}: the bench builds its own")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


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


def signatures_build(rows: int, *, accounts: int = 200, rebuild: bool = False) -> None:
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
    account_rows = [
        Account.objects.get_or_create(name=f"压测客户{n:03d}有限公司")[0] for n in range(accounts)
    ]
    qualification = Qualification.objects.filter(account=account_rows[0]).first()
    if qualification is None:
        qualification = Qualification(
            account=account_rows[0],
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
        "account_first": min(a.pk for a in account_rows),
        "accounts": len(account_rows),
        "qualification": qualification.pk,
        "reviewer": reviewer.pk,
        "policy": SlaPolicy.objects.get(code="standard").pk,
        "queue_rows": rows * QUEUE_PERCENT // 100,
    }
    assert max(a.pk for a in account_rows) - ids["account_first"] == len(account_rows) - 1
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
