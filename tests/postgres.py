"""A throwaway PostgreSQL cluster for tests: initdb in a temp dir, a free loopback port."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def available() -> bool:
    """Whether the server binaries are here (and, as root, a postgres user to run them)."""
    if _bin("initdb") is None or _bin("pg_ctl") is None:
        return False
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return shutil.which("runuser") is not None or os.geteuid() != 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster (as user postgres when run as root); yield its SQLAlchemy URL.

    The cluster lives in its own temp dir (not pytest's, which only root may enter)."""
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    workdir = Path(tempfile.mkdtemp(prefix="accord-pg-"))
    if as_user:
        shutil.chown(workdir, "postgres")
    data, port = workdir / "data", _free_port()
    subprocess.run([*as_user, _bin("initdb"), "-D", str(data), "-A", "trust", "-U", "accord"],
                   check=True, capture_output=True)
    ctl = [*as_user, _bin("pg_ctl"), "-D", str(data)]
    subprocess.run([*ctl, "-o", f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1",
                    "-w", "-l", str(workdir / "log"), "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://accord@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)
