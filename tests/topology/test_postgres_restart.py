"""PostgreSQL restarted under load (a cluster of the test's own, on another port): the requests
in that window answer 503 with Retry-After (never a 500, never a traceback in the log), the
web node and the worker recover by themselves, and no item is half-written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter

import httpx
import psycopg
import pytest
from django.conf import settings

from reviewportal.demo import DEMO_PASSWORD
from tests.topology.postgres import Cluster
from tests.topology.processes import ROOT, form_value, free_port, serve, stop, wait_http

pytestmark = pytest.mark.services

DOWN_SECONDS = 5

#: After the restart, in a process of its own: a notification whose e-mail the worker sends.
NOTIFY = r"""
import django
django.setup()
from reviewportal.models import Notification, User
from reviewportal.services.dispatch import task_named
from reviewportal.services.notifications import EMAIL_TASK
user = User.objects.get(username="hexun")
n = Notification.objects.create(
    recipient=user, account=user.account, kind=Notification.Kind.values[0], title="t", body="b"
)
task_named(EMAIL_TASK).apply_async((n.pk,))
print(n.pk)
"""


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture
def cluster():
    own = Cluster()
    own.start()
    yield own
    own.remove()


class Load:
    """Customers reading their template list and one creating templates, until stopped; every
    answer is recorded with the time it came."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.answers: list[tuple[float, str, int]] = []
        self.created = 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def _record(self, kind: str, status: int) -> None:
        with self.lock:
            self.answers.append((time.monotonic(), kind, status))

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.base_url, timeout=30)
        page = client.get("/portal/login/")
        done = client.post(
            "/portal/login/",
            data={
                "csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken"),
                "username": "hexun",
                "password": DEMO_PASSWORD,
            },
        )
        assert done.status_code == 302, done.text[:1000]
        return client

    def reader(self) -> None:
        client = self.client()
        while not self.stopping.is_set():
            self._record("list", client.get("/portal/templates/").status_code)

    def writer(self) -> None:
        client = self.client()
        n = 0
        while not self.stopping.is_set():
            form = client.get("/portal/templates/new/")
            self._record("form", form.status_code)
            if form.status_code != 200:
                time.sleep(0.2)
                continue
            signature = re.search(r'<option value="(SIG[0-9A-Z]+)"', form.text)
            assert signature, "no approved signature to choose"
            n += 1
            sent = client.post(
                "/portal/templates/new/",
                data={
                    "csrfmiddlewaretoken": form_value(form.text, "csrfmiddlewaretoken"),
                    "form_token": form_value(form.text, "form_token"),
                    "signature": signature.group(1),
                    "name": f"发货通知{n}",
                    "kind": "notification",
                    "industry": "general",
                    "content": f"您的订单${{order}}已发货，批次{n}，请注意查收。",
                    "remark": "",
                },
            )
            self._record("create", sent.status_code)
            if sent.status_code == 302:
                with self.lock:
                    self.created += 1


def test_postgres_restarted_under_load(cluster, tmp_path):
    cluster.createdb("review")
    queue = f"pg-restart-{uuid.uuid4().hex[:12]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": cluster.url("review"),
        "REDIS_URL": settings.REDIS_URL,
        "REVIEWPORTAL_VAR_DIR": str(tmp_path / "var"),
        "CELERY_DEFAULT_QUEUE": queue,
        "CARRIER_SUBMIT_QUEUE": f"{queue}.submit",
        "CARRIER_CHECK_QUEUE": f"{queue}.check",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "reviewportal.settings",
        "DATABASE_CONN_MAX_AGE": "60",  # kept connections, as in production: checked on reuse
        "LOG_LEVEL": "WARNING",
    }
    _manage(env, "migrate", "--no-input", "-v0")
    _manage(env, "seed_demo")
    port = free_port()
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    web = serve(
        "web", env={**env, "WEB_BIND": f"127.0.0.1:{port}", "WEB_WORKERS": "2", "WEB_THREADS": "4"},
        log=web_log,
    )  # fmt: skip
    worker = serve(
        "worker", f"--hostname={queue}@%h", "--without-gossip", "--without-mingle",
        env={**env, "WORKER_QUEUES": f"{queue},{queue}.submit,{queue}.check"}, log=worker_log,
    )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/health/", process=web, log=web_log)
        load = Load(f"http://127.0.0.1:{port}")
        threads = [threading.Thread(target=load.reader) for _ in range(3)]
        threads.append(threading.Thread(target=load.writer))
        for thread in threads:
            thread.start()
        time.sleep(8)
        down_at = time.monotonic()
        cluster.stop("fast")
        time.sleep(DOWN_SECONDS)
        cluster.start()
        up_at = time.monotonic()
        time.sleep(12)
        load.stopping.set()
        for thread in threads:
            thread.join(timeout=60)

        statuses = Counter(status for _at, _kind, status in load.answers)
        assert set(statuses) <= {200, 302, 503}, statuses
        during = [s for at, _k, s in load.answers if down_at <= at <= up_at]
        assert 503 in during, statuses
        # Recovered by themselves: the last seconds answer as before the restart.
        after = [s for at, _k, s in load.answers if at > up_at + 5]
        assert after and set(after) <= {200, 302}, Counter(after)
        assert load.created > 0

        # The worker too: an e-mail of a notification made after the restart is sent.
        done = _manage(env, "shell", "-c", NOTIFY)
        notification = int(done.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + 60
        with psycopg.connect(cluster.url("review"), autocommit=True) as db:
            while time.monotonic() < deadline:
                (emailed,) = db.execute(
                    "SELECT emailed_at FROM reviewportal_notification WHERE id = %s",
                    (notification,),
                ).fetchone()
                if emailed is not None:
                    break
                time.sleep(0.5)
            assert emailed is not None, worker_log.read_text()[-3000:]

            # Nothing half-written: every template sent is a whole submission.
            rows = db.execute(
                "SELECT t.state, t.current_revision_id, t.sla_started_at,"
                " (SELECT count(*) FROM reviewportal_revision r WHERE r.id = t.current_revision_id)"
                " FROM templates_templateapplication t WHERE t.name LIKE '发货通知%%'"
            ).fetchall()
        assert len(rows) >= load.created
        assert all(
            state == "pending_review" and revision and started and found == 1
            for state, revision, started, found in rows
        ), rows
    finally:
        stop(web)
        stop(worker)
    log = web_log.read_text()
    assert "Traceback" not in log, log[-4000:]
    assert "503 for" in log
