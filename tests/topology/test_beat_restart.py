"""Beat restarted again and again while its SLA sweeps run on two workers (each sweep also sent
by hand, so that several run at once): every overdue item is recorded breached once and reported
once — the sweeps lock the rows they mark, so overlapping runs share the work, never repeat it."""

from __future__ import annotations

import re
import signal
import time
import uuid
from collections import Counter

import pytest
import time_machine
from django.db import connection

from reviewportal.celery import app
from reviewportal.models import Notification
from reviewportal.services import lifecycle as lc
from reviewportal.services.sla.sweep import LISTED
from signatures.models import SignatureApplication
from tests.carriers.workers import (
    database_url,
    delete_queues,
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
from tests.sla.conftest import at
from tests.states import walk_to
from tests.topology.processes import serve, stop

pytestmark = [pytest.mark.services, pytest.mark.real_broker]

#: Fewer than a notification lists (the rest would be counted, not named).
ITEMS = 40
CONTENTS = ["和讯华谷", "和讯", "华谷信息", "和讯华谷信息", "讯华谷", "华谷信息技术"]
RESTARTS = 4
WAIT_SECONDS = 90


def _sent(beat_log) -> int:
    return beat_log.read_text().count("Sending due task sla-sweep") if beat_log.exists() else 0


def _wait_for_sent(beat_log, *, more_than: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while _sent(beat_log) <= more_than:
        assert time.monotonic() < deadline, "beat sent no sweep within a minute"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restarted_beat_and_overlapping_sweeps_record_each_breach_once(tmp_path):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    assert ITEMS <= LISTED
    # Submitted on a past working day at 09:00, due at 18:00 that day: overdue on the real clock
    # the workers and beat run on.
    with time_machine.travel(at("2026-11-02T09:00:00+08:00"), tick=False):
        account = AccountFactory()
        customer = CustomerFactory(account=account)
        qualification = walk_to(
            QualificationFactory(account=account),
            "approved",
            customer=customer,
            reviewer=StaffFactory(role="Reviewer"),
            senior=None,
        )
        items = [
            lc.review_submit(
                item=SignatureApplicationFactory(
                    qualification=qualification, content=CONTENTS[n % len(CONTENTS)]
                ),
                user=customer,
            )
            for n in range(ITEMS)
        ]
    senior = StaffFactory(role="Senior reviewer", email="")  # told in the portal, no e-mail

    queue = f"beat-restart-{uuid.uuid4().hex[:12]}"
    env = {
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_DEFAULT_QUEUE": queue,
        "CARRIER_SUBMIT_QUEUE": f"{queue}.submit",
        "CARRIER_CHECK_QUEUE": f"{queue}.check",
        "SLA_SWEEP_SECONDS": "0.5",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.update(task_always_eager=False, task_default_queue=queue)
    names = [f"{queue}-{n}" for n in "ab"]
    workers = [
        start_worker(queue=queue, name=name, log=tmp_path / f"{name}.log", env=env, concurrency=4)
        for name in names
    ]
    beat_log = tmp_path / "beat.log"
    beat_env = {**env, "BEAT_SCHEDULE_FILE": str(tmp_path / "beat" / "schedule")}
    beat = None
    try:
        wait_ready(app, names)
        for _restart in range(RESTARTS):
            before = _sent(beat_log)
            beat = serve("beat", env=beat_env, log=beat_log)
            for _ in range(4):  # and sweeps sent by hand, on top of beat's
                app.send_task("reviewportal.tasks.sla_sweep")
            # Killed once it has sent a sweep of its own (start-up takes longer on a busy
            # machine), and a moment later, mid-schedule.
            _wait_for_sent(beat_log, more_than=before)
            time.sleep(1)
            beat.send_signal(signal.SIGKILL)  # no clean shutdown: its schedule file as it was
            beat.wait(timeout=10)
        beat = serve("beat", env=beat_env, log=beat_log)
        deadline = time.monotonic() + WAIT_SECONDS
        pending = {item.pk for item in items}
        while pending and time.monotonic() < deadline:
            pending = set(
                SignatureApplication.objects.filter(
                    pk__in=pending, breach_recorded_at__isnull=True
                ).values_list("pk", flat=True)
            )
            time.sleep(0.5)
        assert not pending, beat_log.read_text()[-3000:]
        time.sleep(3)  # a few more sweeps, which must find nothing left to do
    finally:
        if beat is not None:
            stop(beat)
        for worker in workers:
            stop_worker(worker)
        app.conf.update(saved)
        delete_queues(app, queue)

    # Beat did send sweeps (not only the ones sent by hand), across its restarts.
    assert _sent(beat_log) >= RESTARTS
    # Each item reported once, over however many notifications the overlapping runs made.
    told = Notification.objects.filter(recipient=senior, kind="sla")
    mentioned = Counter(
        public_id
        for body in told.values_list("body", flat=True)
        for public_id in re.findall(r"SIG[0-9A-Z]+", body)
    )
    assert mentioned == Counter({item.public_id: 1 for item in items}), mentioned
