"""Real Celery worker processes for the services tests and the forwarding benchmark: started on
a queue of their own (so that no other worker on the shared Redis takes the messages), with the
test database, and optionally on the same shifted clock as the test process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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


def start_worker(
    *, queue: str, name: str, log: Path, env: dict[str, str], concurrency: int = 8
) -> subprocess.Popen:
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reviewportal.settings",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CARRIER_TEST_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        **env,
    }
    command = [
        sys.executable, "-c", WORKER_MAIN, "worker",
        "--queues", queue, "--pool", "threads", "--concurrency", str(concurrency),
        "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle",
        "--without-heartbeat", "--loglevel", "WARNING",
    ]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )


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


def delete_queue(app, queue: str) -> None:
    """Remove the test queue (and what is left in it) from the shared Redis."""
    with app.connection_for_write() as conn:
        bound = app.amqp.queues[queue](conn.default_channel)
        bound.declare()
        bound.purge()
        bound.delete()
