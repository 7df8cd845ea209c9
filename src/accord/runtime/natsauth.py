"""Who may say what on NATS: a ``nats-server`` configuration with one user per agent.

Each agent connects as a user named by its id, with a generated password, and may

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

import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.model.errors import ScenarioError, read_text_file
from accord.runtime.agent import Agent
from accord.runtime.nats import reply_prefix, stream_name, subject, token

ANY_RUN = "*"  # a configuration for every run id


@dataclass(frozen=True)
class Credentials:
    """A user and its password; stored as a JSON file only its owner can read."""

    user: str
    password: str

    def write(self, path: Path) -> None:
        """Write the file (mode 0600)."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"user": self.user, "password": self.password}, f)

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


def server_config(run_id: str, agents: Iterable[Agent], director: str,
                  store: str | None = None) -> tuple[str, dict[str, Credentials]]:
    """A ``nats-server`` configuration for ``agents`` (the ``director`` among them) and
    each agent's new credentials; with JetStream keeping streams in ``store`` if given."""
    if run_id != ANY_RUN:
        token(run_id, "run id")
    roles = {token(a.id, "agent id"): token(a.role, "role") for a in agents}
    creds = {a: Credentials(a, secrets.token_urlsafe(24)) for a in roles}
    users = [{"user": a, "password": creds[a].password,
              "permissions": permissions(run_id, a, role, a == director)}
             for a, role in roles.items()]
    run = "any run" if run_id == ANY_RUN else f"run {run_id}"
    text = (f"# accord: one user per agent of {run}; each may publish only as itself and "
            "read only what is addressed to it\n"
            + "authorization " + json.dumps({"users": users}, indent=2) + "\n")
    if store is not None:
        text += "jetstream " + json.dumps({"store_dir": store}) + "\n"
    return text, creds
