"""Sending a task by name from a fresh web process: Celery's autodiscovery hands back nothing to
a thread that calls it while another thread is running it, so threads of a new Gunicorn worker
sending their first tasks at once all found "NotRegistered" but one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

THREADS_AT_ONCE = r"""
import sys, threading
import django
django.setup()
assert "carriers.tasks" not in sys.modules, "the task modules are already imported"
from reviewportal.services.dispatch import task_named
names = ["carriers.tasks.filings_submit_task", "reviewportal.tasks.notification_email_send"]
start, errors = threading.Barrier(8), []
def send():
    start.wait()
    try:
        for name in names:
            task_named(name)
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=send) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(len(errors), errors[:1])
"""

AFTER_WSGI = r"""
import sys
import reviewportal.wsgi
modules = ("carriers.tasks", "reviewportal.tasks", "signatures.tasks")
print(sorted(m for m in modules if m in sys.modules))
"""


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "reviewportal.settings", "PATH": "/usr/bin:/bin",
             "REVIEWPORTAL_VAR_DIR": str(ROOT / "var")},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_threads_sending_their_first_tasks_at_once_all_find_them():
    assert _run(THREADS_AT_ONCE) == "0 []"


def test_a_web_process_imports_the_task_modules_before_serving():
    assert _run(AFTER_WSGI) == "['carriers.tasks', 'reviewportal.tasks', 'signatures.tasks']"
