"""Recompute of the open SLA clocks (SPEC §6) when the business calendar or a target changes.

On PostgreSQL only (``DATABASE_URL``, required; SQLite is refused). The database it names must
contain "bench" in its name: it is dropped and created at the start, migrated, and dropped again
at the end unless ``--keep``. The calendar gets a provisional 2027 (weekends only, as
``calendar_stopgap`` enters from 1 November) so that no clock of late December is pending, a
senior reviewer (no e-mail address) and 200 customer accounts. Then, for each size (``--small``,
then ``--clocks``; the second load adds to the first), open clocks are inserted with ``COPY``:
95 % signature applications (policy ``standard``, 9 business hours), 5 % qualifications
(``qualification``, 10 working days), four in five pending review and one in five claimed,
their ``sla_started_at`` on a random working day of 2026-11..2026-12 between 08:00 and 22:00
(Asia/Shanghai), with no due time yet; one full ``sla_clocks_recompute`` (phase ``initial``,
untimed setup) computes their due and at-risk instants with the real code and the sweep records
their breaches, then ``VACUUM (ANALYZE)``. Then, each phase in its own process, so that its peak
RSS is its own:

1. ``day-off``: ``working_day_update`` makes the working day in the middle of the spread a day
   off (only the clocks that can span it are walked);
2. ``day-on``: the same day back to a working day;
3. ``full``: ``sla_clocks_recompute(where=None)``, every clock walked, nothing moves;
4. ``policy``: ``sla_policy_update`` of ``standard`` one business hour longer, 9 to 10 (every
   standard clock moves: one SELECT and one UPDATE per batch, the worst case);
5. ``policy-back``: one hour shorter, back to 9.

Each phase reports wall time, CPU time of the process, the time spent in database calls, the
SQL statements (counted by a ``connection.execute_wrapper``, which keeps no SQL text, so that
counting costs no memory), sorted into batch reads, batch writes, sweep and the rest, the
``CalendarChange`` counts, and the process's peak RSS before and after (``VmHWM``).

Goal (bench/README.md): a one-day edit with 100,000 open clocks under 30 s, and memory that does
not grow with the clocks: at the large size no phase raises the peak RSS by more than the small
size's largest rise (a phase that rewrites full batches) plus 10 MB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_recompute \\
        .venv/bin/python bench/recompute.py [--clocks 100000] [--small 10000] [--keep]
        [--phases day-off,day-on,full,policy,policy-back] [--profile]

``--phases`` picks the measured phases (in the order given; the default order leaves the
calendar and the policy as they were). ``--profile`` runs them under cProfile at the largest
size and prints the functions with the most own time (profiles in ``var/bench/``); its times are
the profiler's, not the figures. All figures go to ``var/bench/recompute.json``. Exit status 1
when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder is sys.path[0]; a sibling named like a standard module
# (bench/queue_page.py) would shadow it. Import from the repository root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

TZ = ZoneInfo("Asia/Shanghai")
SPREAD = (date(2026, 11, 1), date(2026, 12, 31))
ACCOUNTS = 200
QUALIFICATION_SHARE = 0.05
CLAIMED_SHARE = 0.20
GOAL_DAY_EDIT_SECONDS = 30.0
GOAL_RSS_GROWTH_MB = 10.0
MEASURED = ("day-off", "day-on", "full", "policy", "policy-back")
CLOCK_TABLES = (
    "signatures_signatureapplication",
    "signatures_qualification",
    "templates_templateapplication",
    "carriers_carrierfiling",
)


def refuse(message: str) -> None:
    raise SystemExit(f"bench/recompute.py: {message}")


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        refuse(
            "DATABASE_URL is required: this bench measures PostgreSQL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_recompute"
        )
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        refuse(
            f"DATABASE_URL={url!r} is not PostgreSQL. SQLite is refused: it has no "
            "SELECT … FOR UPDATE, one writer at a time and another planner, so its figures "
            "would say nothing about production."
        )
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[1]
    if "bench" not in name or name == "test":
        refuse(f"the database {name!r} is dropped and created: its name must contain 'bench'")
    return url


def setup_django() -> None:
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewportal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _admin_connect(url: str):
    import psycopg

    base, name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)
    return psycopg.connect(base + "/postgres", autocommit=True), name


def fresh_database(url: str) -> None:
    conn, name = _admin_connect(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    conn, name = _admin_connect(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def memory_mb() -> tuple[float, float]:
    """(current RSS, peak RSS so far) of this process, in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- setup and data ------------------------------------------------------------------------------


def phase_setup() -> dict:
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from reviewportal.models import Account, User
    from reviewportal.services.calendar import (
        calendar_import,
        calendar_weekend_rows,
        calendar_years,
    )
    from signatures.models import Qualification

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    # From 1 November next year is needed; the package has no 2027 yet, so enter the stop-gap
    # year the demo enters (calendar_stopgap): no clock of late December stays pending.
    if 2027 not in calendar_years():
        calendar_import(rows_by_year={2027: calendar_weekend_rows(2027)}, provisional=True)
    senior = User.objects.create_user("bench-senior", password=None, is_staff=True)
    senior.groups.add(Group.objects.get(name="Senior reviewer"))
    User.objects.create_user("bench-reviewer", password=None, is_staff=True)
    for n in range(ACCOUNTS):
        account = Account.objects.create(name=f"压测客户{n:03d}有限公司")
        # The approved qualification the account's signatures refer to (not a running clock).
        qualification = Qualification(
            account=account,
            state="approved",
            name=f"深圳市和讯华谷{n:03d}信息技术有限公司",
            uscc="91440300MA5DC1K8X0",
            legal_rep_name="张三",
            legal_rep_id_number="11010519491231002X",
        )
        qualification.save()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    return {
        "phase": "setup",
        "seconds": time.perf_counter() - started,
        "day": middle_day().isoformat(),
        "postgres": server,
        "shared_buffers": buffers,
    }


def _row_values(model, values: dict) -> tuple:
    row = []
    for field in model._meta.concrete_fields:
        if field.column in values:
            row.append(values[field.column])
        elif field.has_default():
            default = field.get_default()
            row.append(json.dumps(default) if field.get_internal_type() == "JSONField" else default)
        else:
            row.append(None)
    return tuple(row)


def phase_load(upto: int, seed: int) -> dict:
    """Insert open clocks until there are ``upto`` of them, without due times yet."""
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from reviewportal.models import Account, SlaPolicy, User, WorkingDay
    from signatures.models import Qualification, SignatureApplication

    started = time.perf_counter()
    loaded_at = timezone.now()
    rng = random.Random(f"{seed}-{upto}")
    open_states = ("pending_review", "under_review")
    have_sig = SignatureApplication.objects.filter(state__in=open_states).count()
    have_qua = Qualification.objects.filter(state__in=open_states).count()
    want_qua = round(upto * QUALIFICATION_SHARE)
    want_sig = upto - want_qua
    days = list(
        WorkingDay.objects.filter(
            date__range=SPREAD, is_working=True, provisional=False
        ).values_list("date", flat=True)
    )
    accounts = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    approved = dict(Qualification.objects.filter(state="approved").values_list("account_id", "pk"))
    reviewer = User.objects.get(username="bench-reviewer").pk
    policy = {p.code: p.pk for p in SlaPolicy.objects.all()}

    def starts(count: int) -> list[datetime]:
        # Submissions come in on working days, most in office hours, some in the evening.
        chosen = []
        for _ in range(count):
            day = rng.choice(days)
            seconds = rng.uniform(8 * 3600, 22 * 3600)
            local = datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(seconds=seconds)
            chosen.append(local)
        return sorted(chosen)

    def lifecycle(n: int, start: datetime, code: str, prefix: str) -> dict:
        account = accounts[n % len(accounts)]
        claimed = rng.random() < CLAIMED_SHARE
        return {
            "id": n,
            "public_id": f"{prefix}{n:010d}",
            "account_id": account,
            "state": "under_review" if claimed else "pending_review",
            "claimed_by_id": reviewer if claimed else None,
            "claimed_at": start + timedelta(hours=1) if claimed else None,
            "submitted_at": start,
            "sla_policy_id": policy[code],
            "sla_started_at": start,
            "is_urgent": False,
            "suspended": False,
            "created_at": start - timedelta(minutes=5),
            # Never after the load: the recompute's after-commit pass walks the rows written
            # since it started, and a clock starting after today (the spread runs to 31
            # December) would look like one.
            "updated_at": min(start, loaded_at),
        }

    def copy(model, rows) -> None:
        columns = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)
        sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as out:
            for row in rows:
                out.write_row(row)

    first_sig = (SignatureApplication.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    first_qua = (Qualification.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    new_sig = max(want_sig - have_sig, 0)
    new_qua = max(want_qua - have_qua, 0)
    copy(
        SignatureApplication,
        (
            _row_values(
                SignatureApplication,
                {
                    **(base := lifecycle(first_sig + i, start, "standard", "SIGR")),
                    "qualification_id": approved[base["account_id"]],
                    "sig_type": "company",
                    "content": "和讯华谷",
                    "purpose": "self",
                    "use_case": "注册登录验证码与订单通知",
                },
            )
            for i, start in enumerate(starts(new_sig))
        ),
    )
    copy(
        Qualification,
        (
            _row_values(
                Qualification,
                {
                    **lifecycle(first_qua + i, start, "qualification", "QUAR"),
                    "entity_kind": "enterprise",
                    "name": f"深圳市压测{first_qua + i}信息技术有限公司",
                    "uscc": "91440300MA5DC1K8X0",
                    "legal_rep_name": "李四",
                    "legal_rep_id_number": "11010519491231002X",
                    "agent_name": "",
                    "agent_id_number": "",
                    "is_mainland": True,
                },
            )
            for i, start in enumerate(starts(new_qua))
        ),
    )
    with connection.cursor() as cursor:
        for model in (SignatureApplication, Qualification):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        cursor.execute("VACUUM (ANALYZE)")
    return {
        "phase": "load",
        "inserted_signatures": new_sig,
        "inserted_qualifications": new_qua,
        "open_signatures": have_sig + new_sig,
        "open_qualifications": have_qua + new_qua,
        "working_days": len(days),
        "seconds": time.perf_counter() - started,
    }


# --- measured phases -----------------------------------------------------------------------------


class Statements:
    """Counts the SQL statements of the connection and the time spent in them, by kind, without
    keeping their text (CaptureQueriesContext would hold every UPDATE's 1,000 CASE branches)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.batches = 0
        self.other: dict[str, int] = {}

    @staticmethod
    def kind(sql: str) -> str:
        head = sql.lstrip()[:7].upper()
        clocks = any(f'"{table}"' in sql[:400] for table in CLOCK_TABLES)
        if head.startswith("SELECT") and clocks and "SKIP LOCKED" in sql:
            return "sweep"
        if head.startswith("SELECT") and clocks and "FOR UPDATE" in sql and "LIMIT" in sql:
            return "batch_read"
        if head.startswith("UPDATE") and clocks and "CASE WHEN" in sql:
            return "batch_write"
        if head.startswith("UPDATE") and clocks:
            return "sweep"
        return "other"

    def __call__(self, execute, sql, params, many, context):
        kind = self.kind(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[kind] = self.seconds.get(kind, 0.0) + time.perf_counter() - started
            self.counts[kind] = self.counts.get(kind, 0) + 1
            if kind == "batch_read" and context["cursor"].rowcount > 0:
                self.batches += 1
            if kind == "other":
                label = " ".join(sql.split()[:4])[:70]
                self.other[label] = self.other.get(label, 0) + 1


def middle_day() -> date:
    """The working day in the middle of the spread (read before any phase edits a day)."""
    from reviewportal.models import WorkingDay

    days = list(
        WorkingDay.objects.filter(date__range=SPREAD, is_working=True, provisional=False)
        .order_by("date")
        .values_list("date", flat=True)
    )
    return days[len(days) // 2]


def phase_measure(phase: str, edited: date, profile_path: str | None) -> dict:
    from django.db import connection

    from reviewportal.models import CalendarChange, SlaPolicy, User, WorkingDay
    from reviewportal.services.calendar import sla_policy_update, working_day_update
    from reviewportal.services.sla import business_calendar, sla_clocks_recompute
    from reviewportal.services.sla import recompute as recompute_module
    from signatures.models import Qualification, SignatureApplication

    senior = User.objects.get(username="bench-senior")
    # Warm: the calendar built, translations and lazy imports loaded, before the baseline.
    business_calendar()
    CalendarChange.objects.exists()
    day = WorkingDay.objects.get(date=edited) if phase.startswith("day") else None
    standard = SlaPolicy.objects.get(code="standard")
    open_states = ("pending_review", "under_review")
    clocks = {
        "open_signatures": SignatureApplication.objects.filter(state__in=open_states).count(),
        "open_qualifications": Qualification.objects.filter(state__in=open_states).count(),
    }
    last_change = CalendarChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def run() -> None:
        if phase == "initial":
            sla_clocks_recompute(kind="policy_changed", summary="bench: first due times")
        elif phase == "day-off":
            working_day_update(day=day, user=senior, is_working=False, note="bench: closed")
        elif phase == "day-on":
            working_day_update(day=day, user=senior, is_working=True, note="")
        elif phase == "full":
            sla_clocks_recompute(kind="policy_changed", summary="bench", where=None)
        elif phase in ("policy", "policy-back"):
            step = 1 if phase == "policy" else -1
            sla_policy_update(
                policy=standard,
                user=senior,
                target_value=standard.target_value + step,
                target_unit=standard.target_unit,
            )
        else:
            raise SystemExit(f"unknown phase {phase}")

    statements = Statements()
    rss_before, hwm_before = memory_mb()
    cpu_before = cpu_seconds()
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()
    started = time.perf_counter()
    with connection.execute_wrapper(statements):
        if profiler:
            profiler.enable()
        run()
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    rss_after, hwm_after = memory_mb()
    if profiler:
        profiler.dump_stats(profile_path)
    changes = list(
        CalendarChange.objects.filter(pk__gt=last_change)
        .order_by("pk")
        .values("kind", "clocks_checked", "clocks_moved", "breaches_cleared", "due_times_known")
    )
    if phase == "initial":
        # As autovacuum would leave the table: the first compute rewrote every row.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    total = sum(statements.counts.values())
    empty_reads = statements.counts.get("batch_read", 0) - statements.batches
    return {
        "phase": phase,
        **clocks,
        "day": day.date.isoformat() if day else None,
        "standard_target": str(SlaPolicy.objects.get(code="standard")),
        "batch_size": recompute_module.BATCH_SIZE,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "db_seconds": sum(statements.seconds.values()),
        "db_seconds_by_kind": statements.seconds,
        "statements": total,
        "statements_by_kind": statements.counts,
        "batches": statements.batches,
        "empty_batch_reads": empty_reads,
        "other_statements": statements.other,
        "clocks_checked": sum(c["clocks_checked"] for c in changes),
        "clocks_moved": sum(c["clocks_moved"] for c in changes),
        "breaches_cleared": sum(c["breaches_cleared"] for c in changes),
        "changes": changes,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "peak_before_mb": hwm_before,
        "peak_after_mb": hwm_after,
        "peak_growth_mb": hwm_after - hwm_before,
    }


# --- driver --------------------------------------------------------------------------------------


def child(args) -> None:
    setup_django()
    load_before = os.getloadavg()
    if args.phase == "setup":
        result = phase_setup()
    elif args.phase == "load":
        result = phase_load(args.upto, args.seed)
    else:
        result = phase_measure(args.phase, date.fromisoformat(args.day), args.profile_path)
    result["load_before"] = [round(x, 2) for x in load_before]
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))


def run_phase(phase: str, args, **extra) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--seed", str(args.seed)]
    for key, value in extra.items():
        if value is not None:
            command += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"phase {phase} failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    brief = {
        k: (round(v, 2) if isinstance(v, float) else v)
        for k, v in result.items()
        if k not in ("other_statements", "changes", "db_seconds_by_kind")
    }
    print(json.dumps(brief, ensure_ascii=False), flush=True)
    return result


def machine() -> str:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    import django

    return (
        f"{os.cpu_count()} CPUs ({model}), CPython {platform.python_version()}, "
        f"Django {django.get_version()}"
    )


def derived(r: dict) -> dict:
    """Statements of the batches (non-empty reads and the writes) and the rest (fixed)."""
    kinds = r["statements_by_kind"]
    in_batches = r["batches"] + kinds.get("batch_write", 0)
    return {
        "per_batch": in_batches / r["batches"] if r["batches"] else None,
        "fixed": r["statements"] - in_batches,
        "ms_per_clock": 1000 * r["seconds"] / r["clocks_checked"] if r["clocks_checked"] else None,
    }


def print_table(results: dict[int, dict[str, dict]], sizes: list[int], phases: list[str]) -> None:
    def fmt(value, spec=",.0f"):
        return "—" if value is None else format(value, spec)

    head = f"{'measure':<44}" + "".join(f"{size:>14,}" for size in sizes)
    if len(sizes) == 2:
        head += f"{'ratio':>9}"
    print()
    print(head)
    rows = [
        ("wall time, s", "seconds", ",.2f"),
        ("CPU of the process, s", "cpu_seconds", ",.2f"),
        ("in database calls, s", "db_seconds", ",.2f"),
        ("clocks checked", "clocks_checked", ",.0f"),
        ("clocks moved", "clocks_moved", ",.0f"),
        ("breaches cleared", "breaches_cleared", ",.0f"),
        ("SQL statements", "statements", ",.0f"),
        ("wall time per clock checked, ms", ("derived", "ms_per_clock"), ",.3f"),
        ("  batches (non-empty batch reads)", "batches", ",.0f"),
        ("  statements per batch", ("derived", "per_batch"), ",.2f"),
        ("  statements outside batches", ("derived", "fixed"), ",.0f"),
        ("  batch reads (SELECT … FOR UPDATE)", ("statements_by_kind", "batch_read"), ",.0f"),
        ("  batch writes (UPDATE … CASE)", ("statements_by_kind", "batch_write"), ",.0f"),
        ("  sweep", ("statements_by_kind", "sweep"), ",.0f"),
        ("  other", ("statements_by_kind", "other"), ",.0f"),
        ("peak RSS before, MB", "peak_before_mb", ",.1f"),
        ("peak RSS after, MB", "peak_after_mb", ",.1f"),
        ("peak RSS growth, MB", "peak_growth_mb", ",.1f"),
    ]
    for phase in ("initial", *phases):
        print(f"[{phase}]")
        for label, key, spec in rows:
            values = []
            for size in sizes:
                r = {**results[size][phase], "derived": derived(results[size][phase])}
                value = r[key[0]].get(key[1], 0) if isinstance(key, tuple) else r[key]
                values.append(value)
            line = f"{label:<44}" + "".join(f"{fmt(v, spec):>14}" for v in values)
            if len(sizes) == 2 and values[0] and values[1] is not None:
                line += f"{values[1] / values[0]:>8.1f}×"
            print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clocks", type=int, default=100_000, help="open clocks, large size")
    parser.add_argument(
        "--small", type=int, default=10_000, help="open clocks, small size (0: none)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size")
    parser.add_argument(
        "--phases",
        default=",".join(MEASURED),
        help="measured phases, comma-separated (default: all, in this order)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--upto", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-path", help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = database_url()
    if args.phase:
        child(args)
        return 0
    sizes = sorted({n for n in (args.small, args.clocks) if n > 0})
    phases = [p for p in args.phases.split(",") if p]
    if any(p not in MEASURED for p in phases):
        refuse(f"--phases: choose among {', '.join(MEASURED)}")
    print(f"machine: {machine()}; load average {os.getloadavg()}", flush=True)
    fresh_database(url)
    results: dict[int, dict[str, dict]] = {}
    try:
        setup = run_phase("setup", args)
        for size in sizes:
            results[size] = {"load": run_phase("load", args, upto=size)}
            results[size]["initial"] = run_phase("initial", args, day=setup["day"])
            for phase in phases:
                path = None
                if args.profile and size == sizes[-1]:
                    folder = ROOT / "var" / "bench"
                    folder.mkdir(parents=True, exist_ok=True)
                    path = str(folder / f"recompute-{phase}-{size}.prof")
                results[size][phase] = run_phase(phase, args, profile_path=path, day=setup["day"])
    finally:
        if not args.keep:
            drop_database(url)
    print(f"\nPostgreSQL {setup['postgres']} (shared_buffers {setup['shared_buffers']})")
    record = ROOT / "var" / "bench" / "recompute.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"setup": setup, "results": results}, indent=1))
    print(f"(all figures: {record.relative_to(ROOT)})")
    print_table(results, sizes, phases)
    for size in sizes:
        for phase in phases:
            others = results[size][phase]["other_statements"]
            print(f"\n{phase} at {size:,}: the statements outside the batch reads and writes")
            for label, count in sorted(others.items(), key=lambda kv: -kv[1]):
                print(f"  {count:4d}  {label}")
    if args.profile:
        import pstats

        for phase in phases:
            path = ROOT / "var" / "bench" / f"recompute-{phase}-{sizes[-1]}.prof"
            print(f"\n--- {phase}, {sizes[-1]:,} clocks: most own time ---")
            pstats.Stats(str(path)).sort_stats("tottime").print_stats(18)
    large = results[sizes[-1]]
    missed = "day-off" in large and large["day-off"]["seconds"] >= GOAL_DAY_EDIT_SECONDS
    if len(sizes) == 2:
        # A phase holds at most one batch: at the large size no phase may grow the peak RSS
        # more than the small size's largest growth (a phase that rewrites full batches) plus
        # the margin. Phase by phase would be unfair to the one-day edit, whose window at the
        # small size is less than one batch.
        small = results[sizes[0]]
        ceiling = max(small[p]["peak_growth_mb"] for p in phases) + GOAL_RSS_GROWTH_MB
        for phase in phases:
            if large[phase]["peak_growth_mb"] > ceiling:
                print(
                    f"memory grows with the clocks in {phase}: peak RSS "
                    f"+{large[phase]['peak_growth_mb']:.1f} MB at {sizes[-1]:,} clocks, "
                    f"more than {ceiling:.1f} MB"
                )
                missed = True
    goal = f"one-day edit < {GOAL_DAY_EDIT_SECONDS:.0f} s at {sizes[-1]:,} clocks, constant memory"
    if args.profile:
        print(f"\ngoal ({goal}): not judged, the largest size ran under the profiler")
        return 0
    print(f"\ngoal ({goal}):", "MISSED" if missed else "met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
