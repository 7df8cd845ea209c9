"""A real ``accord serve`` on a free loopback port and Debian's chromium driven by
Playwright, for the dashboard's tests, screenshots and benchmark."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[1]


def chromium_available() -> bool:
    """Whether the chromium binary and Playwright for Python are here."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    """A running ``accord serve``: its base URL, its token (with --allow-runs), its output."""

    url: str
    token: str | None
    lines: list[str]


def accord_env() -> dict[str, str]:
    """The environment for an accord subprocess: this source tree first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


@contextmanager
def serve(db: str, *, allow_runs: bool = False, timeout: float = 30.0) -> Iterator[Served]:
    """Start ``accord serve --db DB`` on a free port; wait until it answers; stop it."""
    port = free_port()
    args = [sys.executable, "-m", "accord.cli.main", "serve", "--db", db, "--port", str(port)]
    proc = subprocess.Popen(args + (["--allow-runs"] if allow_runs else []), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=accord_env())
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        want = 3 if allow_runs else 1
        while len(lines) < want:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("accord serve ended: " + "".join(lines))
            lines.append(line.strip())
        token = next((ln.split("token: ", 1)[1] for ln in lines if "token: " in ln), None)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(url + "/api/info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"accord serve did not answer on {url}")
            time.sleep(0.1)
        yield Served(url, token, lines)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium under Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
