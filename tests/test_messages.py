"""The envelope and the closed union of message kinds."""

from __future__ import annotations

import json
import typing

import pytest

from accord.model import messages as m
from accord.model.messages import Envelope, MalformedMessage, envelope_schema, parse_envelope


def _env(**over) -> dict:
    data = {"v": 1, "run": "r", "id": "a:1", "sender": "a", "recipient": "b", "kind": "ack",
            "body": {"kind": "ack"}, "in_reply_to": None, "sent_at": 0.0}
    data.update(over)
    return data


def test_round_trip():
    env = parse_envelope(_env(kind="grant", body={"kind": "grant", "usage": [
        {"resource": "B", "slot": -1, "amount": 20}]}))
    assert isinstance(env.body, m.Grant)
    assert parse_envelope(env.to_json()) == env


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
        parse_envelope(data)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_schema_lists_every_kind():
    schema = envelope_schema()
    text = json.dumps(schema)
    union = typing.get_args(typing.get_args(m.MessageBody)[0])
    kinds = {t.model_fields["kind"].default for t in union}
    assert len(kinds) == len(union) >= 20
    for kind in kinds:
        assert f'"{kind}"' in text
    assert set(schema["required"]) >= {"run", "id", "sender", "recipient", "kind", "body",
                                       "sent_at"}


def test_bodies_are_immutable():
    env = Envelope.model_validate(_env())
    with pytest.raises(Exception):  # noqa: B017,PT011 - pydantic's frozen error
        env.body.kind = "x"  # type: ignore[misc]
