"""How a run is named on NATS: its subjects, its stream, and the tokens they are made of.

Subjects live under ``accord.<run>``; every subject an agent publishes to names it, so
that the server can let each agent speak only as itself (see ``auth``):

- ``agent.<to>.from.<sender>`` — an agent's inbox. A publish is a NATS request: the
  receiving bus acks it at once (durable: the stream does), so a sender learns of an
  unknown recipient (no responders; durable: not among the bus's ``peers``) and sends one
  message at a time, which keeps each sender's messages in order. The receiving bus
  rejects an envelope whose sender is not the subject's.
- ``role.<role>.from.<sender>`` — a broadcast to every agent of a role (``role:<role>``).
- ``trace.<id>`` — the receiving bus republishes every envelope it delivers to ``<id>``;
  the process that runs the negotiation (``run_until``) collects them as its trace.
- ``busy.<id>`` — a heartbeat while any agent of a process runs (or solves).
- ``failed.<id>`` — an agent's handler raised; ``run_until`` fails with its reason.
- ``roll`` / ``ready.<id>`` — presence: agents announce themselves when they start and when
  asked, so a launcher knows when every agent is listening; asked, they also trace again
  their last deliveries (the director asks after it reconnects: see ``bus``).
- ``end`` — the run is over; agent processes return from ``serve``.
- ``mark`` — a barrier: once the observer sees its own mark, every earlier trace is in.
- ``ledger`` — (durable) each episode's ledger changes, kept by the director.

``roll``, ``end`` and ``mark`` are the director's. Request acks come back on the
requesting user's own ``_INBOX.<run>.<user>`` subjects.
"""

from __future__ import annotations

import re

from accord.model.errors import ProtocolError

ROLE = "role:"  # recipient prefix of a role broadcast

_TOKEN = re.compile(r"[^.*>\s]+")


def token(name: str, what: str) -> str:
    """``name`` if it can be one token of a subject, else a one-line ProtocolError."""
    if not _TOKEN.fullmatch(name):
        raise ProtocolError(f"{what} {name!r} cannot be a NATS subject token "
                            "(no dots, spaces, '*' or '>')")
    return name


def subject(run_id: str, *parts: str) -> str:
    """A subject of run ``run_id`` (``*`` in a permission: any run)."""
    return ".".join(("accord", run_id, *parts))


def reply_prefix(run_id: str, user: str) -> str:
    """Where the request acks of ``user`` come back (its own, under permissions)."""
    return f"_INBOX.{run_id}.{user}"


def stream_name(run_id: str) -> str:
    """The JetStream stream of a run (``*`` in a permission: any run's)."""
    return run_id if run_id == "*" else f"accord-{run_id}"


def deliver_subject(run_id: str, agent_id: str) -> str:
    """Where an agent's durable consumer pushes its inbox (under the agent's own inbox)."""
    return f"{reply_prefix(run_id, agent_id)}.deliver"
