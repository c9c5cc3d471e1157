"""A redis-server of the test's own on another port, which a fault test may stop and start
again; the machine's Redis is never touched."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from tests.topology.processes import free_port, stop


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.program = shutil.which("redis-server")
        if self.program is None:
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """A new, empty server on the same port (it keeps nothing on disk)."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [self.program, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise TimeoutError(f"redis-server on {self.port} did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, timeout=10)
            self.process = None
