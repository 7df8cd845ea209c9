"""The NATS bus: a run's agents in separate processes (or machines), found by subject.

- ``subjects`` — how a run's subjects and stream are named;
- ``connection`` — one process's client of the server: reconnects, refusals, failure;
- ``bus`` — ``NatsBus``: the bus contract, delivery and presence;
- ``durable`` — the run's JetStream stream: inboxes kept, replayed on a resume;
- ``observer`` — what the negotiating process hears: trace, heartbeats, stalls;
- ``server`` — a local ``nats-server``;
- ``auth`` — a server configuration that lets each agent speak only as itself;
- ``cluster`` — a cluster's node configurations, a local cluster, agents spread over it;
- ``tls`` — a CA and a server certificate, and clients that trust only that CA.
"""

from accord.runtime.nats.bus import NatsBus
from accord.runtime.nats.observer import STALL_TIMEOUT
from accord.runtime.nats.server import NatsError, free_port, local_server
from accord.runtime.nats.subjects import stream_name

__all__ = ["STALL_TIMEOUT", "NatsBus", "NatsError", "free_port", "local_server", "stream_name"]
