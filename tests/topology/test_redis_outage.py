"""Redis stopped for 30 s while 500 approvals are forwarded to the three stub carriers by two
workers (a redis-server of the test's own; it comes back empty, so every message it held is
lost). Nothing is lost all the same: the approvals made during the outage keep their filings
for the sweep, beat's sweep re-sends what the lost messages carried, every filing ends final and
the stubs' ledger shows each revision filed once per carrier."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone
from time_machine import escape_hatch

from carriers.models import CarrierFiling
from signatures.models import SignatureApplication
from tests.carriers.ledger import assert_each_filed_once
from tests.carriers.workers import (
    WORKER_MAIN,
    database_url,
    run_queues,
    start_worker,
    stop_worker,
    wait_ready,
)
from tests.topology.processes import ROOT, serve, stop
from tests.topology.redis_server import RedisServer

pytestmark = [pytest.mark.services, pytest.mark.real_broker]

APPROVALS = int(os.environ.get("REDIS_OUTAGE_APPROVALS", "500"))
OUTAGE_SECONDS = 30
DEADLINE_SECONDS = 300
CONTENTS = ["和讯华谷", "和讯", "华谷信息", "和讯华谷信息", "讯华谷", "华谷信息技术"]

#: The approvals, in a process of its own whose broker is the test's redis-server, on the
#: test's clock (as the workers are).
APPROVE = (
    WORKER_MAIN.split("import django")[0]
    + r"""
import django
django.setup()
from reviewportal.models import User
from reviewportal.services import lifecycle as lc
from signatures.models import Qualification
from tests.factories import SignatureApplicationFactory
q, customer, reviewer, n, contents = (
    Qualification.objects.get(pk=int(sys.argv[1])), User.objects.get(pk=int(sys.argv[2])),
    User.objects.get(pk=int(sys.argv[3])), int(sys.argv[4]), sys.argv[5].split(","),
)
for i in range(n):
    item = SignatureApplicationFactory(qualification=q, content=contents[i % len(contents)])
    item = lc.review_submit(item=item, user=customer)
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_approve(item=item, user=reviewer)
print("approved", n)
"""
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_forwarding_survives_redis_stopped_for_30_seconds(
    tmp_path, approved_qualification, customer, reviewer
):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    server = RedisServer(tmp_path / "redis")
    server.start()
    queue = f"redis-outage-{uuid.uuid4().hex[:12]}"
    queues = run_queues(queue)
    offset = timezone.now().timestamp() - escape_hatch.time.time()
    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": server.url,
        "CARRIER_TEST_CLOCK_OFFSET": str(offset),
        "CARRIER_TEST_QUEUE": queue,
        "CELERY_DEFAULT_QUEUE": queue,
        "CARRIER_SUBMIT_QUEUE": queues["submit"],
        "CARRIER_CHECK_QUEUE": queues["check"],
        "CARRIER_STUB_TIME_SCALE": "1000000",
        "CARRIER_INACTIVITY_CLEAR_DAYS": "36500",
        "CARRIER_MAX_ATTEMPTS": "25",
        "CARRIER_RETRY_BACKOFF_SECONDS": "1",
        "CARRIER_RETRY_BACKOFF_MAX_SECONDS": "2",
        "CARRIER_SWEEP_SECONDS": "3",
        "CARRIER_SWEEP_STALE_SECONDS": "5",
        "CARRIER_FIRST_CHECK_SECONDS": "1",
        "CARRIER_POLL_SECONDS": "3",
        "CELERY_VISIBILITY_TIMEOUT": "30",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "reviewportal.settings",
    }
    probe = Celery(broker=server.url, set_as_current=False)
    names = [f"{queue}-{n}" for n in "ab"]
    logs = [tmp_path / f"worker-{n}.log" for n in "ab"]
    workers = [
        start_worker(queue=queue, name=name, log=log, env=env)
        for name, log in zip(names, logs, strict=True)
    ]
    restarts = []

    def supervise() -> None:
        """What the process manager does (docs/deploy: Restart=always): a worker that exited
        is started again. kombu's Redis transport can end a worker that loses its broker with
        messages unacknowledged ("Unrecoverable error" while restoring them)."""
        for n, worker in enumerate(workers):
            if worker.poll() is not None:
                restarts.append(names[n])
                workers[n] = start_worker(queue=queue, name=names[n], log=logs[n], env=env)

    def wait(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            supervise()
            time.sleep(0.5)

    beat = serve(
        "beat", env={**env, "BEAT_SCHEDULE_FILE": str(tmp_path / "beat" / "schedule")},
        log=tmp_path / "beat.log",
    )  # fmt: skip
    approvals = None
    stopped_at = None
    try:
        wait_ready(probe, names)
        approvals = subprocess.Popen(
            [sys.executable, "-c", APPROVE, str(approved_qualification.pk), str(customer.pk),
             str(reviewer.pk), str(APPROVALS), ",".join(CONTENTS)],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        filings = CarrierFiling.objects.of_items(
            SignatureApplication,
            SignatureApplication.objects.filter(qualification=approved_qualification).values("pk"),
        )
        # Redis goes away once a fifth of the approvals are in and being forwarded.
        while filings.count() < 3 * APPROVALS // 5:
            assert approvals.poll() is None, approvals.communicate()[1][-3000:]
            time.sleep(0.2)
        final_before = filings.filter(state__in=("registered", "rejected")).count()
        server.stop()
        stopped_at = time.monotonic()
        wait(OUTAGE_SECONDS)
        server.start()
        while approvals.poll() is None:
            wait(1)
        out, err = approvals.communicate(timeout=DEADLINE_SECONDS)
        assert approvals.returncode == 0, err[-3000:]
        assert f"approved {APPROVALS}" in out
        # Approvals were made while Redis was away: their filings were left to the sweep.
        assert "left to the sweep" in err, err[-3000:]
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            final = filings.filter(state__in=("registered", "rejected")).count()
            if final == 3 * APPROVALS:
                break
            wait(0.5)
        states = Counter(filings.values_list("state", flat=True))
        assert sum(states.values()) == 3 * APPROVALS
        assert set(states) <= {"registered", "rejected"}, (states, logs[0].read_text()[-3000:])
    finally:
        if approvals is not None and approvals.poll() is None:
            approvals.kill()
        stop(beat)
        for worker in workers:
            stop_worker(worker)
        server.stop()
        probe.close()

    assert stopped_at is not None and final_before < 3 * APPROVALS
    print(f"workers restarted by the supervisor: {restarts}")
    # The stubs' ledger: one record per (carrier, revision), the one each filing points at.
    assert_each_filed_once(filings, expected=3 * APPROVALS)
