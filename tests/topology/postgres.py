"""A PostgreSQL cluster of the test's own (initdb in a temporary folder, another port), so that a
fault test may stop and restart it; the machine's server is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.topology.processes import free_port


def _bin() -> Path:
    """The folder of initdb, pg_ctl and createdb (Debian keeps them per version)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")


class Cluster:
    """``start()``, ``stop()``, ``restart()``; ``url(name)`` of one of its databases."""

    def __init__(self) -> None:
        self.bin = _bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="reviewportal-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        # PostgreSQL will not run as root: as root, the cluster belongs to the postgres user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def createdb(self, name: str) -> None:
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             name],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
