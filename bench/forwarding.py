"""End-to-end throughput of carrier forwarding (SPEC §5) with two real Celery worker processes
on Redis and PostgreSQL, and a check that nothing was filed twice.

Phase 1 approves N signatures through the review services (the outbox: 3 N filings committed
with the approvals, their submit messages waiting in Redis). Phase 2 starts two worker processes
(threads pool) and times until every filing is registered or rejected by the stub carriers
(submit, then the result check), while the sweep and poll run every few seconds as beat would.
Then the stubs' own ledger is read: exactly one record per (carrier, revision) is required.

Goal (bench/README.md): at least 200 filings/s end to end, zero duplicates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reviewportal_bench \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    .venv/bin/python bench/forwarding.py [--approvals 1000] [--fault-rate 0] [--concurrency 8]

The database (its name must contain "bench") is dropped, created and migrated first, so runs are
comparable. It exits with status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like standard modules (queue.py): not importable from here.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewportal.settings")

GOAL_FILINGS_PER_SECOND = 200
BEAT_SECONDS = 5
BENCH_ACCOUNT = "Forwarding benchmark"


def _fresh_database() -> None:
    """Drop and create the benchmark database, so that every run does the same work (approved
    signatures of earlier runs would make new ones "taken")."""
    import psycopg
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    admin = settings.DATABASES["default"].copy()
    with psycopg.connect(
        dbname="postgres",
        user=admin["USER"] or None,
        password=admin["PASSWORD"] or None,
        host=admin["HOST"] or None,
        port=admin["PORT"] or None,
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _machine_cpu_seconds() -> float:
    """CPU time spent by the whole machine (user + system, all cores) since boot."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system = (int(x) for x in fields[:3])
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def _process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of one process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=2, help="threads per worker")
    parser.add_argument("--pool", choices=("threads", "solo"), default="threads")
    parser.add_argument("--batch-size", type=int, default=100, help="filings per message")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        print("set DATABASE_URL (PostgreSQL) and REDIS_URL", file=sys.stderr)
        return 2

    import django

    django.setup()
    from django.conf import settings

    if "bench" not in settings.DATABASES["default"]["NAME"]:
        print("DATABASE_URL must name a benchmark database (…bench…): it is recreated")
        return 2
    _fresh_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.db import connection
    from django.db.models import Max, Min

    from carriers.models import CallbackNonce, CarrierFiling, FilingAttempt, StubFiling
    from carriers.services import filings_poll, filings_sweep
    from reviewportal.celery import app
    from reviewportal.services import lifecycle as lc
    from signatures.models import SignatureApplication
    from tests.carriers.workers import (
        database_url,
        delete_queues,
        run_queues,
        start_consuming,
        start_worker,
        stop_worker,
        wait_ready,
    )
    from tests.factories import (
        AccountFactory,
        CustomerFactory,
        QualificationFactory,
        SignatureApplicationFactory,
        StaffFactory,
    )
    from tests.states import walk_to

    # Fresh carrier tables: each run measures the same work.
    FilingAttempt.objects.all().delete()
    CarrierFiling.objects.all().delete()
    StubFiling.objects.all().delete()
    CallbackNonce.objects.all().delete()

    queue = f"bench-forwarding-{uuid.uuid4().hex[:10]}"
    queues = run_queues(queue)
    app.conf.update(task_always_eager=False, task_default_queue=queue)
    settings.CARRIER_POLICY["QUEUES"] = {"submit": queues["submit"], "check": queues["check"]}
    settings.CARRIER_POLICY["BATCH_SIZE"] = args.batch_size
    # One customer and qualification for every run: signatures must be unique per entity.
    from reviewportal.models import Account, User
    from signatures.models import Qualification

    account = Account.objects.filter(name=BENCH_ACCOUNT).first() or AccountFactory(
        name=BENCH_ACCOUNT
    )
    customer = User.objects.filter(username="bench-forwarding-customer").first() or (
        CustomerFactory(account=account, username="bench-forwarding-customer", email="")
    )
    reviewer = User.objects.filter(username="bench-forwarding-reviewer").first() or (
        StaffFactory(role="Reviewer", username="bench-forwarding-reviewer", email="")
    )
    qualification = Qualification.objects.filter(account=account, state="approved").first()
    if qualification is None:
        qualification = walk_to(
            QualificationFactory(account=account), "approved",
            customer=customer, reviewer=reviewer, senior=None,
        )  # fmt: skip
    contents = ["和讯华谷", "和讯", "华谷信息", "和讯华谷信息", "讯华谷", "华谷信息技术"]

    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "CARRIER_STUB_FAULT_RATE": str(args.fault_rate),
        # A working day lasts 86 µs: the stubs have decided by the first check.
        "CARRIER_STUB_TIME_SCALE": "1000000000",
        "CARRIER_INACTIVITY_CLEAR_DAYS": "10000000",  # ~14 min on that clock: no clearance
        "CARRIER_MAX_ATTEMPTS": "25",
        "CARRIER_RETRY_BACKOFF_SECONDS": "1",
        "CARRIER_RETRY_BACKOFF_MAX_SECONDS": "2",
        "CARRIER_FIRST_CHECK_SECONDS": "0",
        "CARRIER_SWEEP_STALE_SECONDS": "30",
        "CARRIER_BATCH_SIZE": str(args.batch_size),
        "LOG_LEVEL": "WARNING",
        # Worker threads keep their database connection between tasks.
        "DATABASE_CONN_MAX_AGE": "60",
    }
    logdir = Path(tempfile.mkdtemp(prefix="bench-forwarding-"))
    names = [f"{queue}-{n}" for n in range(2)]
    # The workers start (and are ready) first, on an empty queue: their start-up is not timed.
    workers = [
        start_worker(
            queue=queue,
            name=name,
            log=logdir / f"{name}.log",
            env=env,
            concurrency=1 if args.pool == "solo" else args.concurrency,
            consume=False,
            pool=args.pool,
        )
        for name in names
    ]
    try:
        wait_ready(app, names)

        started = time.perf_counter()
        ids = []
        for n in range(args.approvals):
            item = SignatureApplicationFactory(
                qualification=qualification, content=contents[n % len(contents)]
            )
            item = lc.review_submit(item=item, user=customer)
            item = lc.review_claim(item=item, user=reviewer)
            lc.review_approve(item=item, user=reviewer)
            ids.append(item.pk)
        approving = time.perf_counter() - started
        filings = CarrierFiling.objects.of_items(SignatureApplication, ids)
        total = filings.count()
        open_filings = CarrierFiling.objects.exclude(state__in=("registered", "rejected"))

        loads = [os.getloadavg()]
        machine_cpu = _machine_cpu_seconds()
        workers_cpu = sum(_process_cpu_seconds(w.pid) for w in workers)
        started = time.perf_counter()
        start_consuming(app, names, queue)
        last_beat = last_load = started
        while True:
            # The carrier tables hold only this run's filings: a count on the state index.
            left = open_filings.count()
            now = time.perf_counter()
            if not left or now - started > args.timeout:
                break
            if now - last_beat > BEAT_SECONDS:
                # What beat does (on its own schedule in production): re-send what was lost,
                # ask for results still pending.
                filings_sweep()
                filings_poll()
                last_beat = now
            if now - last_load > 5:
                loads.append(os.getloadavg())
                last_load = now
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
        loads.append(os.getloadavg())
        machine_cpu = _machine_cpu_seconds() - machine_cpu
        workers_cpu = sum(_process_cpu_seconds(w.pid) for w in workers) - workers_cpu
    finally:
        for worker in workers:
            stop_worker(worker)
        delete_queues(app, queue)

    states = Counter(filings.values_list("state", flat=True))
    records = StubFiling.objects.filter(revision_id__in=filings.values("revision_id"))
    per_filing = Counter(records.values_list("carrier_code", "revision_id"))
    duplicates = sum(n - 1 for n in per_filing.values())
    deliveries = sum(records.values_list("deliveries", flat=True))
    attempts = Counter(FilingAttempt.objects.values_list("outcome", flat=True))
    window = filings.aggregate(
        first=Min("attempts_log__started_at"), last=Max("result_at")
    )  # fmt: skip
    rate = total / elapsed
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, PostgreSQL {connection.pg_version}")  # fmt: skip
    print(f"approvals: {args.approvals} in {approving:.1f}s ({args.approvals / approving:.1f}/s)")
    print(f"filings: {total}, states {dict(states)}, fault rate {args.fault_rate:.0%}")
    print(f"forwarded in {elapsed:.1f}s: {rate:.1f} filings/s (goal >= {GOAL_FILINGS_PER_SECOND})")
    print(f"carrier records {records.count()}, duplicates {duplicates}, deliveries {deliveries}, "
          f"attempts {dict(attempts)}")  # fmt: skip
    if window["first"] and window["last"]:
        busy = (window["last"] - window["first"]).total_seconds()
        print(f"first attempt to last result: {busy:.1f}s ({total / busy:.1f} filings/s)")
    print("load average (1, 5, 15 min) during the run: "
          + "; ".join(" ".join(f"{x:.2f}" for x in load) for load in loads))  # fmt: skip
    capacity = elapsed * (os.cpu_count() or 1)
    print(f"CPU during the run: machine {machine_cpu:.1f}s of {capacity:.1f}s, "
          f"the two workers {workers_cpu:.1f}s")  # fmt: skip
    threads = "solo pool" if args.pool == "solo" else f"{args.concurrency} threads per worker"
    print(f"batch size {args.batch_size}, {threads}")
    SignatureApplication.objects.filter(pk__in=ids).count()  # the bench's items stay for a look
    ok = (
        duplicates == 0
        and len(per_filing) == total
        and set(states) <= {"registered", "rejected"}
        and rate >= GOAL_FILINGS_PER_SECOND
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
