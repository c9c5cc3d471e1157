"""The production processes of the topology test, each started the way an operator starts it
(``scripts/serve web|worker|beat``), and an S3-compatible server (moto's) for the materials."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "scripts" / "serve"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def form_value(page: str, name: str) -> str:
    """The value of the hidden input ``name`` of an HTML page (CSRF and one-time form tokens)."""
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, f"no {name} on the page"
    return found.group(1)


def start(args: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, "PYTHON": sys.executable, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def serve(what: str, *extra: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return start([str(SERVE), what, *extra], env=env, log=log)


def wait_http(url: str, *, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """Until ``url`` answers (any status), or fail with the process's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited:\n{log.read_text()[-4000:]}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen, *, timeout: float = 30) -> None:
    """SIGTERM to the process group (Gunicorn's and Celery's children too), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, 15)
        process.wait(timeout=timeout)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait(timeout=10)
