"""Who may say what on NATS: a ``nats-server`` configuration with one user per agent.

Each agent connects as a user named by its id, with a generated password (192 random bits;
the configuration holds only its bcrypt hash, the agent's credentials file the secret), and
may

- publish only as itself: to ``agent.*.from.<id>`` and ``role.*.from.<id>`` (any recipient,
  any role, but the subject names the sender, and receiving buses check the envelope's
  sender against it), to ``trace.<id>``, ``busy.<id>``, ``failed.<id>``, ``ready.<id>``,
  and answer requests it was sent (``allow_responses``: the acks);
- subscribe only to what is addressed to it: ``agent.<id>.from.*``, its role's broadcasts
  ``role.<role>.from.*``, its own request acks ``_INBOX.<run>.<id>.>``, and ``roll``/``end``;
- on JetStream (durable runs): create, look up and delete only its own consumer, named
  ``<id>`` and filtered on its own inbox (the filter is part of the API subject), and ack
  only that consumer's messages (``$JS.ACK.<stream>.<id>.>``); it is pushed to its own
  ``_INBOX.<run>.<id>.deliver``. No agent may read a stream's messages any other way.

The director (the process that runs the negotiation) also publishes ``roll``, ``end``,
``mark`` and ``ledger``, reads every agent's ``trace``, ``busy``, ``failed`` and ``ready``,
and creates (and deletes) the run's stream.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt

from accord.model.errors import ScenarioError, read_text_file
from accord.runtime.agent import Agent
from accord.runtime.nats.subjects import reply_prefix, stream_name, subject, token

ANY_RUN = "*"  # a configuration for every run id
BCRYPT_COST = 6  # the passwords are random (192 bits): the hash hides them, no stretching needed


@dataclass(frozen=True)
class Credentials:
    """A user and its password; stored as a JSON file only its owner can read."""

    user: str
    password: str

    def text(self) -> str:
        """The file's content (see ``write_private``)."""
        return json.dumps({"user": self.user, "password": self.password})

    def hashed(self) -> str:
        """The password's bcrypt hash, as ``nats-server`` takes it in a configuration."""
        salt = bcrypt.gensalt(BCRYPT_COST, prefix=b"2a")
        return bcrypt.hashpw(self.password.encode(), salt).decode()

    @classmethod
    def read(cls, path: Path) -> Credentials:
        """Read a file written by ``write``; anything else is a one-line error."""
        try:
            data = json.loads(read_text_file(path))
            return cls(user=str(data["user"]), password=str(data["password"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ScenarioError(str(path), "", f"not a credentials file ({{user, password}}): "
                                f"{exc}") from None


def permissions(run_id: str, agent_id: str, role: str, director: bool) -> dict[str, Any]:
    """The subjects ``agent_id`` (of ``role``) may publish and subscribe to."""
    def on(*parts: str) -> str:
        return subject(run_id, *parts)
    publish = [on("agent", "*", "from", agent_id), on("role", "*", "from", agent_id),
               *(on(kind, agent_id) for kind in ("trace", "busy", "failed", "ready"))]
    subscribe = [on("agent", agent_id, "from", "*"), on("role", role, "from", "*"),
                 f"{reply_prefix(run_id, agent_id)}.>", on("roll"), on("end")]
    stream, api = stream_name(run_id), "$JS.API"
    publish += [f"{api}.INFO", f"{api}.CONSUMER.CREATE.{stream}.{agent_id}.{subscribe[0]}",
                *(f"{api}.CONSUMER.{verb}.{stream}.{agent_id}" for verb in ("INFO", "DELETE")),
                f"$JS.ACK.{stream}.{agent_id}.>"]
    if director:
        publish += [on("roll"), on("end"), on("mark"), on("ledger"),
                    *(f"{api}.STREAM.{verb}.{stream}" for verb in ("CREATE", "DELETE", "INFO"))]
        subscribe += [on("mark"), *(on(kind, "*") for kind in ("trace", "busy", "failed",
                                                                 "ready"))]
    return {"publish": {"allow": publish}, "subscribe": {"allow": subscribe},
            "allow_responses": True}


MAX_PAYLOAD = 8 * 1024 * 1024
"""Bytes a message may have (the server's default is 1 MB): a call for plans carries the
free capacity of every shared resource, 1.2 MB at 80 departments and 180 halls (see
docs/scale.md); 8 MB is the most NATS advises."""


def server_config(run_id: str, agents: Iterable[Agent], director: str,
                  store: str | None = None) -> tuple[str, dict[str, Credentials]]:
    """A ``nats-server`` configuration for ``agents`` (the ``director`` among them) and
    each agent's new credentials; with JetStream keeping streams in ``store`` if given."""
    if run_id != ANY_RUN:
        token(run_id, "run id")
    roles = {token(a.id, "agent id"): token(a.role, "role") for a in agents}
    creds = {a: Credentials(a, secrets.token_urlsafe(24)) for a in roles}
    users = [{"user": a, "password": creds[a].hashed(),
              "permissions": permissions(run_id, a, role, a == director)}
             for a, role in roles.items()]
    run = "any run" if run_id == ANY_RUN else f"run {run_id}"
    text = (f"# accord: one user per agent of {run}; each may publish only as itself and "
            "read only what is addressed to it\n"
            + "authorization " + json.dumps({"users": users}, indent=2) + "\n")
    text += f"max_payload: {MAX_PAYLOAD}\n"
    if store is not None:
        text += "jetstream " + json.dumps({"store_dir": store}) + "\n"
    return text, creds


def write_server_config(config: str, creds: Mapping[str, Credentials], output: Path | None,
                        creds_dir: Path | None) -> None:
    """Write ``server_config``'s configuration to ``output`` and each agent's credentials to
    ``creds_dir``/<agent>.json (either None: not written), all or nothing."""
    files = {} if output is None else {output: config}
    if creds_dir is not None:
        files |= {creds_dir / f"{a}.json": c.text() for a, c in creds.items()}
    write_private(files, [] if creds_dir is None else [creds_dir])


def write_private(files: Mapping[Path, str], dirs: Iterable[Path] = ()) -> None:
    """Write ``files`` (mode 0600: they hold secrets), making ``dirs`` first, all or nothing:
    each file goes to a temporary file beside it, and all are renamed in place once all are
    written. A path that cannot be written is a one-line ScenarioError naming it; then no
    temporary file and no directory made here is left."""
    made: list[Path] = []
    staged: dict[Path, Path] = {}
    at = Path()
    try:
        for at in dirs:
            made += _make_dirs(at)
        for at, text in files.items():
            if at.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            if at.exists() and not at.is_file():  # a device: never renamed over
                raise OSError(errno.EINVAL, "not a regular file (secrets go to a file)")
            tmp = at.with_name(f".{at.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            staged[at] = tmp
            with os.fdopen(fd, "w") as f:
                f.write(text)
        for at, tmp in staged.items():
            tmp.replace(at)
    except OSError as exc:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        for d in reversed(made):
            with suppress(OSError):
                d.rmdir()
        raise ScenarioError(str(at), "", f"cannot write ({exc.strerror or exc})") from None


def _make_dirs(path: Path) -> list[Path]:
    """Make ``path`` and its missing parents; those made, outermost first."""
    missing = [p for p in [path, *path.parents] if not p.exists()][::-1]
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
    made = []
    for p in missing:
        p.mkdir()
        made.append(p)
    return made
