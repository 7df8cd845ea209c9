"""A run's messages for the timeline and the privacy audit: read once from the store
(and then only the new ones), indexed by sender, recipient, kind and round, filtered and
paged in memory so a page of a 100,000-message run costs a slice."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from accord.store import Store
from accord.store.reading import message_texts

SUMMARY_CHARS = 160


def _summary(body: dict[str, Any]) -> str:
    """The body's scalar fields and the sizes of its lists, one short line."""
    parts = []
    for k, v in body.items():
        if k == "kind" or v is None:
            continue
        if isinstance(v, list):
            parts.append(f"{k}[{len(v)}]")
        elif isinstance(v, dict):
            parts.append(f"{k}{{{len(v)}}}")
        else:
            parts.append(f"{k}={v}")
    text = " ".join(parts)
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 1] + "…"


def _fields(body: dict[str, Any]) -> set[str]:
    """The field paths a body reveals, two levels deep (``usage[].slot``)."""
    out = set()
    for k, v in body.items():
        if k == "kind":
            continue
        out.add(k)
        items = v if isinstance(v, list) else [v]
        for item in items[:50]:
            if isinstance(item, dict):
                mark = "[]." if isinstance(v, list) else "."
                out.update(f"{k}{mark}{sub}" for sub in item)
    return out


@dataclass
class MessageIndex:
    """Columns of a run's messages in delivery order."""

    seq: list[int] = field(default_factory=list)
    episode: list[int] = field(default_factory=list)
    round: list[int | None] = field(default_factory=list)
    sender: list[str] = field(default_factory=list)
    recipient: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    reply: dict[int, str] = field(default_factory=dict)
    """Position of a message -> kind of the first reply to it (its fate)."""
    revealed: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)
    """Sender -> {"kinds": count per kind, "fields": count per field path}."""

    def add(self, seq: int, episode: int, text: str) -> None:
        """Index one stored envelope."""
        env = json.loads(text)
        body = env.get("body") or {}
        pos = len(self.seq)
        self.seq.append(seq)
        self.episode.append(episode)
        rnd = body.get("round")
        self.round.append(rnd if isinstance(rnd, int) else None)
        self.sender.append(env["sender"])
        self.recipient.append(env["recipient"])
        self.kind.append(env["kind"])
        self.summary.append(_summary(body))
        self.ids[env["id"]] = pos
        asked = self.ids.get(env.get("in_reply_to") or "")
        if asked is not None and asked not in self.reply:
            self.reply[asked] = env["kind"]
        seen = self.revealed.setdefault(env["sender"], {"kinds": Counter(), "fields": Counter()})
        seen["kinds"][env["kind"]] += 1
        seen["fields"].update(_fields(body))

    def select(self, agent: str | None, kind: str | None, rnd: int | None,
               episode: int | None) -> list[int]:
        """Positions of the messages that pass the filters (agent: sender or recipient)."""
        if not (agent or kind or rnd is not None or episode is not None):
            return list(range(len(self.seq)))
        return [i for i in range(len(self.seq))
                if (not agent or self.sender[i] == agent or self.recipient[i] == agent)
                and (not kind or self.kind[i] == kind)
                and (rnd is None or self.round[i] == rnd)
                and (episode is None or self.episode[i] == episode)]

    def row(self, i: int) -> dict[str, Any]:
        """One message as a timeline row."""
        return {"seq": self.seq[i], "episode": self.episode[i], "round": self.round[i],
                "sender": self.sender[i], "recipient": self.recipient[i],
                "kind": self.kind[i], "reply": self.reply.get(i), "summary": self.summary[i]}


class MessageCache:
    """One index per run, brought up to date with the store on each use."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._runs: dict[str, MessageIndex] = {}
        self._filters: dict[tuple[Any, ...], list[int]] = {}

    def index(self, run_id: str) -> MessageIndex:
        """The run's index, with any message stored since the last call."""
        with self._lock:
            idx = self._runs.setdefault(run_id, MessageIndex())
            last = idx.seq[-1] if idx.seq else -1
            before = len(idx.seq)
            for seq, episode, text in message_texts(self.store, run_id, after=last):
                idx.add(seq, episode, text)
            if len(idx.seq) != before:
                self._filters = {k: v for k, v in self._filters.items() if k[0] != run_id}
            return idx

    def page(self, run_id: str, *, agent: str | None = None, kind: str | None = None,
             rnd: int | None = None, episode: int | None = None, offset: int = 0,
             limit: int = 200) -> dict[str, Any]:
        """One page of the filtered timeline and what the filters may choose from."""
        idx = self.index(run_id)
        key = (run_id, agent, kind, rnd, episode)
        with self._lock:
            chosen = self._filters.get(key)
            if chosen is None:
                chosen = self._filters[key] = idx.select(agent, kind, rnd, episode)
        offset = max(0, min(offset, len(chosen)))
        return {
            "total": len(chosen), "all": len(idx.seq), "offset": offset,
            "rows": [idx.row(i) for i in chosen[offset:offset + max(1, min(limit, 1000))]],
            "agents": sorted(set(idx.revealed) | set(idx.recipient)),
            "kinds": sorted({k for seen in idx.revealed.values() for k in seen["kinds"]}),
            "rounds": max((r for r in idx.round if r is not None), default=None),
        }

    def envelope(self, run_id: str, seq: int) -> dict[str, Any] | None:
        """The full stored envelope of one message."""
        for s, _, text in message_texts(self.store, run_id, after=seq - 1, batch=1):
            return json.loads(text) if s == seq else None
        return None

    def revealed(self, run_id: str) -> dict[str, Any]:
        """Per sender: the kinds and field paths of everything it sent, with counts."""
        idx = self.index(run_id)
        return {a: {"messages": sum(seen["kinds"].values()),
                    "kinds": dict(sorted(seen["kinds"].items())),
                    "fields": dict(sorted(seen["fields"].items()))}
                for a, seen in sorted(idx.revealed.items())}
