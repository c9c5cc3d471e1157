"""The load benchmark: the same locust scenario (bench/load/locustfile.py) against two Gunicorn
nodes and against one ``runserver``, side by side in one run, each on a fresh database with the
demo data, on PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/load/run.py [--users 50] [--duration 2m] [--only gunicorn]

DATABASE_URL names the server (and a database to connect to for creating the benchmark's own,
``reviewportal_load``, dropped and made again for each target). Prints a table per target (with
the CPU that the web processes, PostgreSQL, Redis and the generator used meanwhile) and the
ratios, and exits 1 when a goal is missed: no errors, p95 under 300 ms for every page of the
scenario (the login aside), and two Gunicorn nodes at least 5x the requests/s of runserver."""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import redis as redis_client

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.topology.processes import free_port, serve, start, stop, wait_http  # noqa: E402

DATABASE = "reviewportal_load"
P95_GOAL_MS = 300
RATIO_GOAL = 5.0
#: Seconds the users may take to log in before the measured window (PBKDF2 is slow on purpose).
WARMUP_LIMIT = 300


def _database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _fresh_database(base: str) -> str:
    with psycopg.connect(base, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{DATABASE}"')
    return _database_url(base, DATABASE)


def _manage(env: dict, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def _environment(database: str, redis: str, var: Path, queue: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "REVIEWPORTAL_VAR_DIR": str(var),
        "DATABASE_CONN_MAX_AGE": "60",
        "CELERY_DEFAULT_QUEUE": queue,
        "CARRIER_SUBMIT_QUEUE": f"{queue}.submit",
        "CARRIER_CHECK_QUEUE": f"{queue}.check",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHON": sys.executable,
    }


def _servers(target: str, env: dict, logs: Path, workers: int, threads: int):
    if target == "gunicorn":
        processes, hosts = [], []
        for node in "ab":
            port = free_port()
            node_env = {**env, "WEB_BIND": f"127.0.0.1:{port}", "WEB_WORKERS": str(workers),
                        "WEB_THREADS": str(threads)}  # fmt: skip
            processes.append(serve("web", env=node_env, log=logs / f"web-{node}.log"))
            hosts.append(f"http://127.0.0.1:{port}")
        return processes, hosts
    port = free_port()
    process = start(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env={**env, "DJANGO_RUNSERVER_HIDE_WARNING": "true"},
        log=logs / "runserver.log",
    )
    return [process], [f"http://127.0.0.1:{port}"]


_TICKS = os.sysconf("SC_CLK_TCK")


def _seconds(duration: str) -> float:
    """locust's run-time notation (``2m``, ``90s``, ``1m30s``) in seconds."""
    found = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", duration.strip())
    if not found or not any(found.groups()):
        raise SystemExit(f"--duration: {duration!r} is not like 2m, 90s or 1m30s")
    hours, minutes, seconds = (int(g or 0) for g in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def _cpu_by_group(web_groups: set[int], generator: int) -> dict[str, float]:
    """CPU seconds used so far by the processes alive now and by the children they have reaped:
    the web servers' process groups, the load generator's, PostgreSQL and Redis (Linux /proc).
    The reaped children count because Gunicorn replaces a worker after ``WEB_MAX_REQUESTS``
    and PostgreSQL ends a backend with its connection: their CPU moves to the parent then."""
    used: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        group = int(fields[2])
        if group in web_groups:
            name = "web"
        elif group == generator:
            name = "load generator"
        elif comm.startswith("postgres"):
            name = "postgres"
        elif comm.startswith("redis-server"):
            name = "redis"
        else:
            continue
        # utime, stime, cutime, cstime
        used[name] = used.get(name, 0.0) + sum(int(f) for f in fields[11:15]) / _TICKS
    return used


def _number(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def _stats(prefix: Path) -> dict[str, dict]:
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if int(row["Request Count"]) == 0 and row["Name"] == "login":
                continue  # the logins, before the measured window
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                # "N/A" where a page had no request in the window (a missed goal, below)
                "p50": _number(row["50%"]),
                "p95": _number(row["95%"]),
                "p99": _number(row["99%"]),
            }
    return rows


def run_target(target: str, args, base: str, redis: str, out: Path) -> dict[str, dict]:
    queue = f"load-{uuid.uuid4().hex[:8]}"
    var = out / target / "var"
    (out / target).mkdir(parents=True, exist_ok=True)
    env = _environment(_fresh_database(base), redis, var, queue)
    print(f"==> {target}: migrating and loading the demo data", flush=True)
    _manage(env, "migrate", "--no-input", "-v0")
    _manage(env, "seed_demo")
    processes, hosts = _servers(target, env, out / target, args.workers, args.threads)
    try:
        for process, host in zip(processes, hosts, strict=True):
            wait_http(f"{host}/health/", process=process, log=out / target / "web-a.log"
                      if target == "gunicorn" else out / target / "runserver.log")  # fmt: skip
        for host in hosts:  # warm each node's workers up
            for _ in range(20):
                httpx.get(f"{host}/portal/login/", timeout=30)
        prefix = out / target / "locust"
        print(
            f"==> {target}: {args.users} users for {args.duration} on {', '.join(hosts)}",
            flush=True,
        )
        marks = out / target / "marks"
        marks.unlink(missing_ok=True)
        measure = _seconds(args.duration)
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"),
             "--headless", "-u", str(args.users), "-r", str(args.spawn_rate),
             # The logins come first; the measured window starts once all are in (at most
             # WARMUP_LIMIT seconds), and the locustfile stops locust when it is over.
             "-t", f"{int(measure + WARMUP_LIMIT)}s",
             "--host", hosts[0], "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT,
            env={**env, "LOAD_HOSTS": ",".join(hosts), "LOAD_WAIT": args.wait,
                 "LOAD_MEASURE_SECONDS": str(measure), "LOAD_MARKS": str(marks)},
            stdout=(out / target / "locust.out").open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        groups = {process.pid for process in processes}
        window: dict[str, tuple[float, dict]] = {}
        try:
            while locust.poll() is None:
                seen = marks.read_text().split() if marks.exists() else []
                for what in ("measuring", "measured"):
                    if what in seen and what not in window:
                        window[what] = (time.monotonic(), _cpu_by_group(groups, locust.pid))
                time.sleep(0.2)
        finally:
            stop(locust)  # interrupted: the generator goes with the servers
        stats = _stats(prefix)
        if set(window) == {"measuring", "measured"}:
            (t0, before), (t1, after) = window["measuring"], window["measured"]
            stats["_cpu"] = {
                "elapsed": t1 - t0,
                "cores": os.cpu_count() or 1,
                **{
                    name: after.get(name, 0.0) - before.get(name, 0.0)
                    for name in ("web", "postgres", "redis", "load generator")
                },
            }
        else:
            stats["_warmup"] = {"failed": True}
        return stats
    finally:
        for process in processes:
            stop(process)
        # The messages nobody consumed (the run starts no worker).
        redis_client.Redis.from_url(redis).delete(queue, f"{queue}.submit", f"{queue}.check")
        with psycopg.connect(base, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def _table(target: str, stats: dict[str, dict]) -> list[str]:
    lines = [f"\n{target}", "| page | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    pages = {name: s for name, s in stats.items() if not name.startswith("_")}
    for name, s in sorted(pages.items(), key=lambda kv: (kv[0] == "Aggregated", kv[0])):
        lines.append(
            f"| {name} | {s['requests']} | {s['failures']} | {s['rps']:.1f} | {s['p50']:.0f} |"
            f" {s['p95']:.0f} | {s['p99']:.0f} |"
        )
    cpu = stats.get("_cpu")
    if cpu:
        # Where the machine's CPU went while the scenario ran: cores busy on average.
        busy = {k: v / cpu["elapsed"] for k, v in cpu.items() if k not in ("elapsed", "cores")}
        lines.append(
            f"CPU in {cpu['elapsed']:.0f} s, cores busy on average (of {cpu['cores']}): "
            + ", ".join(f"{k} {v:.2f}" for k, v in busy.items())
            + f"; all these {sum(busy.values()):.2f}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", default="2m")
    parser.add_argument("--workers", type=int, default=2, help="Gunicorn workers per node")
    parser.add_argument("--threads", type=int, default=4, help="threads per Gunicorn worker")
    parser.add_argument("--wait", default="0.5,1.5", help="think time range, seconds (0,0: none)")
    parser.add_argument("--only", choices=["gunicorn", "runserver"])
    parser.add_argument("--out", default=str(ROOT / "var" / "bench-load"))
    args = parser.parse_args()
    base, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base.startswith("postgres") or not redis:
        print("DATABASE_URL (PostgreSQL) and REDIS_URL must be set", file=sys.stderr)
        return 2
    out = Path(args.out)
    targets = [args.only] if args.only else ["gunicorn", "runserver"]
    results = {}
    for target in targets:
        started = time.monotonic()
        results[target] = run_target(target, args, base, redis, out)
        print(f"    done in {time.monotonic() - started:.0f} s", flush=True)
    missed = []
    for target, stats in results.items():
        print("\n".join(_table(target, stats)))
        if target == "gunicorn":
            for name, s in stats.items():
                if name in ("Aggregated", "login") or name.startswith("_"):
                    continue
                if s["requests"] == 0:
                    missed.append(f"{name}: no request in the measured window")
                elif s["p95"] >= P95_GOAL_MS:
                    missed.append(f"{name}: p95 {s['p95']:.0f} ms")
            if "_warmup" in stats:
                missed.append(f"not every user logged in within {WARMUP_LIMIT} s")
            if stats.get("Aggregated", {}).get("failures"):
                missed.append(f"{stats['Aggregated']['failures']} failures")
    if len(results) == 2:
        ratio = results["gunicorn"]["Aggregated"]["rps"] / max(
            results["runserver"]["Aggregated"]["rps"], 1e-9
        )
        print(f"\nrequests/s, two Gunicorn nodes / one runserver: {ratio:.2f}x")
        if ratio < RATIO_GOAL:
            missed.append(f"ratio {ratio:.2f}x < {RATIO_GOAL}x")
    if missed:
        print("goals missed: " + "; ".join(missed))
        return 1
    print("goals met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
