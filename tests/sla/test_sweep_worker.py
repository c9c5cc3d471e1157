"""The beat task through a real Celery worker, Redis and PostgreSQL (marked ``services``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection

from reviewportal.celery import app
from reviewportal.models import Notification
from reviewportal.services import lifecycle as lc
from reviewportal.tasks import sla_sweep
from signatures.models import SignatureApplication
from tests.factories import (
    AccountFactory,
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
)
from tests.sla.conftest import at
from tests.states import walk_to

pytestmark = [pytest.mark.services, pytest.mark.real_broker]

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 90


def _test_database_url() -> str:
    """DATABASE_URL of the test database this test runs in, for the worker process."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "localhost"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(s['NAME'], safe='')}"


def _start_worker(queue: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SETTINGS_MODULE": "reviewportal.settings",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "reviewportal", "worker",
        "--queues", queue, "--pool", "solo", "--loglevel", "INFO",
        "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle",
        "--without-heartbeat",
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()  # warm shutdown: finishes the task at hand
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sla_sweep_beat_task_through_real_worker(tmp_path):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    # Items submitted on a past working day at 09:00, due at 18:00 that day: overdue by now.
    with time_machine.travel(at("2026-11-02T09:00:00+08:00"), tick=False):
        account = AccountFactory()
        customer = CustomerFactory(account=account)
        reviewer = StaffFactory(role="Reviewer")
        qualification = walk_to(
            QualificationFactory(account=account),
            "approved",
            customer=customer,
            reviewer=reviewer,
            senior=None,
        )
        items = [
            lc.review_submit(
                item=SignatureApplicationFactory(qualification=qualification), user=customer
            )
            for _ in range(3)
        ]
    # Without an e-mail address no e-mail task is queued from the worker, which would land
    # in the default queue of the shared broker instead of this test's own queue.
    senior = StaffFactory(role="Senior reviewer", email="")

    # A queue of its own, so that no other worker on the same Redis takes the message, and
    # the message goes to the broker rather than running in this process.
    queue = f"sla-test-{uuid.uuid4().hex[:12]}"
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.update(task_always_eager=False, task_default_queue=queue)
    log = tmp_path / "worker.log"
    worker = _start_worker(queue, log)
    try:
        sla_sweep.delay()
        deadline = time.monotonic() + WAIT_SECONDS
        pending = {item.pk for item in items}
        while pending and time.monotonic() < deadline:
            assert worker.poll() is None, "worker exited:\n" + log.read_text(errors="replace")
            pending = set(
                SignatureApplication.objects.filter(
                    pk__in=pending, breach_recorded_at__isnull=True
                ).values_list("pk", flat=True)
            )
            time.sleep(0.5)
        assert not pending, "no breach recorded in time:\n" + log.read_text(errors="replace")
    finally:
        _stop_worker(worker)
        app.conf.update(saved)
        # Remove the worker's bindings of the test queue from the shared Redis.
        with app.connection_for_write() as conn:
            bound = app.amqp.queues[queue](conn.default_channel)
            bound.declare()
            bound.delete()

    told = Notification.objects.get(recipient=senior, kind="sla")
    assert all(item.public_id in told.body for item in items)
    assert "sla_sweep" in log.read_text(errors="replace")
