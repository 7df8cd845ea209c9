"""A bus's trace: headers in memory, envelopes spooled as JSON and dropped once stored."""

from __future__ import annotations

import json

import pytest

from accord.app.registry import wire
from accord.app.runner import run_scenario
from accord.model.messages import Ack, Envelope
from accord.protocols.messages import Schedule
from accord.runtime.trace import Trace
from accord.store import Store
from accord.store.reading import message_texts


def _env(i: int) -> Envelope:
    body = Schedule(slots=[(i, i)]) if i % 2 else Ack()
    return Envelope(run="r", id=f"a:{i}", sender="a", recipient="b", kind=body.kind,
                    body=body, in_reply_to=None if i % 2 else f"b:{i}", sent_at=i / 10)


def test_the_trace_spools_envelopes_and_drops_what_was_stored():
    trace, heard = Trace(), []
    trace.follow(lambda env: heard.append(env.id))
    for i in range(5):
        trace.append(_env(i))
    assert len(trace) == 5 and heard == [f"a:{i}" for i in range(5)]
    assert list(trace.texts()) == [_env(i).to_json() for i in range(5)]
    assert list(trace.texts(3)) == [_env(3).to_json(), _env(4).to_json()]
    assert [(h.kind, h.in_reply_to, h.sent_at) for h in trace][:2] == [
        ("ack", "b:0", 0.0), ("schedule", None, 0.1)]
    assert trace.bytes == sum(len(_env(i).to_json()) for i in range(5))
    trace.stored()
    trace.append(_env(5))
    assert list(trace.texts(5)) == [_env(5).to_json()] and len(trace) == 6
    with pytest.raises(ValueError, match="before 5 were stored"):
        list(trace.texts(4))
    trace.close()


def test_a_run_stores_each_episode_s_messages_as_the_bus_traced_them(seed_scenario, db):
    res = run_scenario(seed_scenario, protocol="negotiate", episodes=2, db=db)
    store = Store(db)
    try:
        rows = list(message_texts(store, res.run_id))
        by_episode = [sum(1 for _, ep, _ in rows if ep == e.episode) for e in res.episodes]
        assert by_episode == [e.messages for e in res.episodes] and all(by_episode)
        assert [e.bytes for e in res.episodes] == [
            sum(len(t) for _, ep, t in rows if ep == e.episode) for e in res.episodes]
        parsed = [wire().parse(t) for _, _, t in rows]  # stored as delivered, in order
        assert [p.kind for p in parsed][:1] == ["episode_start"]
        assert json.loads(rows[-1][2])["kind"] == "plan_report"
    finally:
        store.close()
