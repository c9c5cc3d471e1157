"""Start-up is quiet: ``scripts/run`` prints where to go, how to log in and what is really wrong,
nothing else, and no process (command, web, worker, beat) logs that a library started.

The commands run as a user runs them, in subprocesses on the embedded defaults (SQLite and the
filesystem broker in a folder of their own), never against the test database."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from tests.topology.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

#: What scripts/run may print while it starts, line by line (after it: the stop message).
ALLOWED = [
    r"",
    r"Review Portal is running\.",
    r"  Customer portal   http://127\.0\.0\.1:\d+/portal/",
    r"  Reviewer console  http://127\.0\.0\.1:\d+/admin/",
    r"  Health check      http://127\.0\.0\.1:\d+/health/",
    r"  Customer API      http://127\.0\.0\.1:\d+/api/v1/  \(reference: http://127\.0\.0\.1:\d+/api/v1/docs\)",
    r"  Logs              \S+/web\.log, \S+/worker\.log, \S+/beat\.log",
    r"Demo logins \(password for all: \S+\)",
    r"  [a-z0-9]+ +(Reviewer|Senior reviewer|Support|Auditor|Superuser|Customer) +\S.*",
    r"Demo API key \(\S+, read and write; a new one each start\)",
    r"  export KEY=rpk_[a-z0-9]{12}_[A-Za-z0-9_-]{40,}",
    r"Press Ctrl-C to stop\.",
    # A real warning (seed_demo's provisional calendar year from November, say).
    r"warning: .+",
    r"==> stopping web, worker and beat",
]
DEMO_LOGINS = ["reviewer", "senior", "support", "auditor", "admin", "hexun", "yunqi"]
NOISE = ["AXES", "No hostname was supplied", "created demo account", "by state:", "==> migrating"]


def environment(var_dir: Path, **extra: str) -> dict[str, str]:
    """The user's environment on a fresh machine: embedded defaults, its own var/ folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SITE_URL", "DJANGO_ALLOWED_HOSTS"}
        and not key.startswith(("CELERY_", "PYTEST_"))
    }
    # axes announces itself at INFO in every process when verbose: the logging configuration,
    # not this setting, keeps start-up quiet.
    env.update(REVIEWPORTAL_VAR_DIR=str(var_dir), AXES_VERBOSE="1", **extra)
    return env


def manage(var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=environment(var_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


SEND_AND_LOG = """
import logging
from reviewportal.tasks import claims_expire
claims_expire.delay()  # through the filesystem broker, as seed_demo and the portal send tasks
logging.getLogger("axes.handlers.database").warning("AXES: Locked out: a real warning")
logging.getLogger("axes").error("an axes error")
logging.getLogger("kombu.connection").warning("a real kombu warning")
logging.getLogger("celery.app.trace").error("a celery error")
logging.getLogger("reviewportal.services.email").info("our own news")
logging.getLogger("axes").info("AXES: Successful login by someone")
"""


def test_a_command_logs_no_library_start_up_but_real_warnings_and_errors(tmp_path):
    result = manage(tmp_path / "var", "shell", "--no-imports", "-c", SEND_AND_LOG)

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "AXES: BEGIN" not in output
    assert "No hostname was supplied" not in output
    assert "Successful login" not in output
    for real in (
        "AXES: Locked out: a real warning",
        "an axes error",
        "a real kombu warning",
        "a celery error",
        "our own news",
    ):
        assert real in output, output


def test_scripts_run_prints_the_urls_logins_and_real_warnings_only(tmp_path):
    var_dir = tmp_path / "var"
    port = free_port()
    process = subprocess.Popen(
        ["scripts/run"],
        cwd=ROOT,
        env=environment(var_dir, HOST="127.0.0.1", PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C to stop."):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        # A fresh start migrates and seeds the demo first: well under a minute on a laptop.
        assert ready.wait(timeout=240), "\n".join(lines)
        # The printed API key works on the running demo.
        (token,) = [ln.split("=", 1)[1] for ln in lines if ln.startswith("  export KEY=")]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/signatures",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200 and json.load(answer)["results"]
        process.send_signal(signal.SIGINT)  # as Ctrl-C: scripts/run stops what it started
        # It gives its processes 10 s to stop, then kills them: it is done well within a minute.
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            left = subprocess.run(
                ["ps", "-o", "pid,stat,etime,args", "-s", str(process.pid)],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            raise AssertionError(
                f"scripts/run still running after Ctrl-C:\n{left}\n" + "\n".join(lines)
            ) from None
        reader.join(timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    text = "\n".join(lines)
    unexpected = [ln for ln in lines if not any(re.fullmatch(p, ln) for p in ALLOWED)]
    assert unexpected == [], text
    for noise in NOISE:
        assert noise not in text
    for url in ("portal/", "admin/", "health/"):
        assert f"http://127.0.0.1:{port}/{url}" in text
    for login in DEMO_LOGINS:
        assert re.search(rf"^  {login} ", text, re.MULTILINE), text
    # The processes' logs have no start-up noise either, and the web server answered.
    logs = {name: (var_dir / "log" / name).read_text() for name in ("web.log", "worker.log")}
    for name, log in logs.items():
        assert "No hostname was supplied" not in log, name
        assert "AXES: BEGIN" not in log, name
    assert 'GET /health/ HTTP/1.1" 200' in logs["web.log"]
    assert "Do not use it in a production setting" not in logs["web.log"]
