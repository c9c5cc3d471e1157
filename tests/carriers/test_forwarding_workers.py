"""The issue's end-to-end run (marked ``services``): approvals forwarded to the three stub
carriers by two real Celery worker processes over Redis and PostgreSQL, the stubs failing 30 %
of calls transiently, one worker SIGKILLed mid-run. Every filing must end registered or rejected
and the stubs' own ledger must show each revision filed exactly once per carrier."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from time_machine import escape_hatch

from carriers.models import CarrierFiling, FilingAttempt, StubFiling
from carriers.services import filings_poll, filings_sweep
from reviewportal.celery import app
from reviewportal.services import lifecycle as lc
from tests.carriers.workers import (
    database_url,
    delete_queue,
    kill_worker,
    start_worker,
    stop_worker,
)
from tests.factories import SignatureApplicationFactory

pytestmark = pytest.mark.services

#: Approvals in the CI run; bench/forwarding.py runs the full 1,000 (see bench/README.md).
APPROVALS = int(os.environ.get("CARRIER_E2E_APPROVALS", "200"))
#: Abbreviations of the qualification's name that pass the pre-check; the carriers' own rules
#: register some and reject others.
CONTENTS = ["和讯华谷", "和讯", "华谷信息", "和讯华谷信息", "讯华谷", "华谷信息技术"]
DEADLINE_SECONDS = 240
STALE_SECONDS = 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_forwarding_survives_faults_and_a_killed_worker(
    tmp_path, carrier_policy, approved_qualification, customer, reviewer
):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    carrier_policy["SWEEP_STALE_SECONDS"] = STALE_SECONDS
    queue = f"carriers-e2e-{uuid.uuid4().hex[:12]}"
    offset = timezone.now().timestamp() - escape_hatch.time.time()
    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "CARRIER_TEST_CLOCK_OFFSET": str(offset),
        "CARRIER_STUB_FAULT_RATE": "0.3",
        "CARRIER_STUB_TIME_SCALE": "1000000",  # a working day is about a tenth of a second
        "CARRIER_INACTIVITY_CLEAR_DAYS": "36500",  # no clearance during the run
        "CARRIER_MAX_ATTEMPTS": "25",
        "CARRIER_RETRY_BACKOFF_SECONDS": "1",
        "CARRIER_RETRY_BACKOFF_MAX_SECONDS": "2",
        "CARRIER_SWEEP_STALE_SECONDS": str(STALE_SECONDS),
        "CARRIER_FIRST_CHECK_SECONDS": "0",
        "CELERY_VISIBILITY_TIMEOUT": "30",
        "DATABASE_CONN_MAX_AGE": "60",
    }
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.update(task_always_eager=False, task_default_queue=queue)
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = [
        start_worker(queue=queue, name=f"{queue}-{n}", log=log, env=env)
        for n, log in zip("ab", logs, strict=True)
    ]
    killed_at_final = None
    try:
        signatures = []
        for n in range(APPROVALS):
            item = SignatureApplicationFactory(
                qualification=approved_qualification, content=CONTENTS[n % len(CONTENTS)]
            )
            item = lc.review_submit(item=item, user=customer)
            item = lc.review_claim(item=item, user=reviewer)
            lc.review_approve(item=item, user=reviewer)
            signatures.append(item.pk)
            if n == APPROVALS // 3:
                # Mid-run, while its threads are inside tasks: no warm shutdown, no acks.
                kill_worker(workers[0])
                killed_at_final = CarrierFiling.objects.filter(
                    state__in=("registered", "rejected")
                ).count()
        filings = CarrierFiling.objects.filter(signature_id__in=signatures)
        assert filings.count() == 3 * APPROVALS
        deadline = time.monotonic() + DEADLINE_SECONDS
        last_sweep = 0.0
        while time.monotonic() < deadline:
            assert workers[1].poll() is None, "worker b exited:\n" + logs[1].read_text()
            open_count = filings.exclude(state__in=("registered", "rejected")).count()
            if not open_count:
                break
            if time.monotonic() - last_sweep > STALE_SECONDS:
                # What beat does: re-send what was lost with the killed worker, ask for results.
                filings_sweep()
                filings_poll()
                last_sweep = time.monotonic()
            time.sleep(0.5)
        states = Counter(filings.values_list("state", flat=True))
        assert set(states) <= {"registered", "rejected"}, (states, logs[1].read_text()[-3000:])
    finally:
        for worker in workers:
            stop_worker(worker)
        app.conf.update(saved)
        delete_queue(app, queue)

    assert killed_at_final is not None and killed_at_final < 3 * APPROVALS
    # The stubs' own ledger: one record per (carrier, revision), the one our filing points at.
    records = StubFiling.objects.filter(subject_public_id__startswith="SIG")
    per_filing = Counter(records.values_list("carrier_code", "revision_id"))
    assert len(per_filing) == 3 * APPROVALS and set(per_filing.values()) == {1}
    by_ticket = {r.ticket_id: r for r in records}
    for filing in filings.select_related("carrier"):
        record = by_ticket[filing.carrier_ticket_id]
        assert (record.carrier_code, record.revision_id) == (
            filing.carrier.code,
            filing.revision_id,
        )
        assert record.outcome == filing.state
    # The faults happened and were survived: transient attempts, and re-deliveries of keys the
    # carrier already had (lost responses, the killed worker's tasks) filed nothing twice.
    assert FilingAttempt.objects.filter(outcome="transient").exists()
    assert sum(r.deliveries for r in records) > records.count()
    assert states["rejected"] > 0 and states["registered"] > 0
