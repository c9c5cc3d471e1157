"""Real Celery worker processes for the services tests and the forwarding benchmark: started on
a queue of their own (so that no other worker on the shared Redis takes the messages), with the
test database, and optionally on the same shifted clock as the test process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]

#: Run as ``python -c WORKER_MAIN worker …``: the tasks a worker sends itself (retries, result
#: checks) go to the test's queue too, and its clock is the test's (time-machine) clock.
WORKER_MAIN = r"""
import os, sys
offset = float(os.environ.get("CARRIER_TEST_CLOCK_OFFSET") or 0)
if offset:
    import time
    import time_machine
    time_machine.travel(time.time() + offset, tick=True).start()
import django
django.setup()
from reviewportal.celery import app
app.conf.task_default_queue = os.environ["CARRIER_TEST_QUEUE"]
app.worker_main(sys.argv[1:])
"""


def database_url(settings_dict: dict) -> str:
    s = settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "localhost"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(s['NAME'], safe='')}"


def run_queues(queue: str) -> dict[str, str]:
    """The queues of one run: its default queue, the carriers' submit and check queues and the
    webhook deliveries' queue."""
    return {
        "default": queue,
        "submit": f"{queue}.submit",
        "check": f"{queue}.check",
        "webhooks": f"{queue}.webhooks",
    }


def start_worker(
    *,
    queue: str,
    name: str,
    log: Path,
    env: dict[str, str],
    concurrency: int = 2,
    consume: bool = True,
    pool: str = "threads",
) -> subprocess.Popen:
    """A worker process on the run's three queues (``run_queues``), threads pool by default
    (``solo``: one task at a time, no threads). With
    ``consume=False`` it listens on an empty queue of its own until ``start_consuming``, so
    that a benchmark can leave the workers' start-up out of its timing."""
    queues = run_queues(queue)
    listen = list(queues.values()) if consume else [f"{queue}.idle"]
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reviewportal.settings",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CARRIER_TEST_QUEUE": queue,
        "CARRIER_SUBMIT_QUEUE": queues["submit"],
        "CARRIER_CHECK_QUEUE": queues["check"],
        "WEBHOOK_QUEUE": queues["webhooks"],
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        **env,
    }
    command = [
        sys.executable, "-c", WORKER_MAIN, "worker",
        "--queues", ",".join(listen),
        "--pool", pool, "--concurrency", str(concurrency),
        "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle",
        "--without-heartbeat", "--loglevel", os.environ.get("CARRIER_WORKER_LOGLEVEL", "WARNING"),
    ]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_ready(app, names: list[str], *, timeout: float = 60) -> None:
    """Until every named worker answers a ping (its consumers are up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        seen = {host.split("@")[0] for reply in replies for host in reply}
        if set(names) <= seen:
            return
    raise TimeoutError(f"workers {names} did not answer within {timeout}s")


def start_consuming(app, names: list[str], queue: str) -> None:
    """Tell the named workers to consume the run's queues (remote control, no restart); each
    worker must confirm each queue."""
    hostname = socket.gethostname()
    destination = [f"{n}@{hostname}" for n in names]
    for name in run_queues(queue).values():
        replies = app.control.add_consumer(
            name, destination=destination, reply=True, timeout=10, limit=len(destination)
        )
        confirmed = {host for reply in replies or [] for host in reply}
        if confirmed != set(destination):
            raise RuntimeError(f"{set(destination) - confirmed} did not start consuming {name}")


def kill_worker(worker: subprocess.Popen) -> None:
    """SIGKILL: no warm shutdown, no acknowledgement of what it was doing."""
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def delete_queues(app, queue: str) -> None:
    """Remove the run's queues (and what is left in them) from the shared Redis."""
    from kombu import Queue

    with app.connection_for_write() as conn:
        for name in [*run_queues(queue).values(), f"{queue}.idle"]:
            bound = Queue(name)(conn.default_channel)
            bound.declare()
            bound.purge()
            bound.delete()
