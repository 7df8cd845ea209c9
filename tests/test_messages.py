"""The envelope and the closed union of message kinds, assembled from the protocols."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

import accord
from accord.app.registry import PROTOCOLS, wire
from accord.model.messages import CORE_KINDS, Ack, Body, MalformedMessage, Wire
from accord.protocols.messages import Grant

WIRE = wire()


def _env(**over) -> dict:
    data = {"v": 1, "run": "r", "id": "a:1", "sender": "a", "recipient": "b", "kind": "ack",
            "body": {"kind": "ack"}, "in_reply_to": None, "sent_at": 0.0}
    data.update(over)
    return data


def test_round_trip():
    env = WIRE.parse(_env(kind="grant", body={"kind": "grant", "usage": [
        {"resource": "B", "slot": -1, "amount": 20}]}))
    assert isinstance(env.body, Grant)
    assert WIRE.parse(env.to_json()) == env


@pytest.mark.parametrize(("data", "fragment"), [
    (_env(kind="gossip", body={"kind": "gossip"}), "body"),
    (_env(v=2), "v"),
    (_env(kind="grant", body={"kind": "ack"}), "does not match"),
    (_env(body={"kind": "ack", "extra": 1}), "extra"),
    (_env(kind="grant", body={"kind": "grant", "usage": [
        {"resource": "B", "slot": 0, "amount": -3}]}), "amount"),
])
def test_malformed_messages_rejected_with_one_line(data, fragment):
    with pytest.raises(MalformedMessage) as info:
        WIRE.parse(data)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_a_wire_knows_only_the_kinds_it_was_given():
    grant = _env(kind="grant", body={"kind": "grant", "usage": []})
    with pytest.raises(MalformedMessage, match="body"):
        Wire().parse(grant)  # the core kinds only
    assert isinstance(Wire([Grant]).parse(grant).body, Grant)


def _subclasses(cls: type) -> set[type]:
    out = set(cls.__subclasses__())
    return out.union(*(_subclasses(c) for c in out))


def test_the_union_is_closed_and_every_kind_has_an_owner():
    """Every body kind defined anywhere in accord is a core kind or declared by a
    registered protocol, so the wire (and the schema) knows it."""
    assert accord.__version__
    defined = {c for c in _subclasses(Body) if c.__module__.startswith("accord.")}
    owned = set(CORE_KINDS).union(*(p.messages for p in PROTOCOLS.values()))
    assert defined == owned
    assert set(WIRE.kinds) == owned


def test_schema_lists_every_kind():
    schema = WIRE.schema()
    text = json.dumps(schema)
    kinds = {t.model_fields["kind"].default for t in WIRE.kinds}
    assert len(kinds) == len(WIRE.kinds) >= 20
    for kind in kinds:
        assert f'"{kind}"' in text
    assert set(schema["required"]) >= {"run", "id", "sender", "recipient", "kind", "body",
                                       "sent_at"}


def test_bodies_are_immutable():
    env = WIRE.parse(_env())
    assert isinstance(env.body, Ack)
    with pytest.raises(ValidationError, match="Instance is frozen"):
        env.body.kind = "x"  # type: ignore[misc]
