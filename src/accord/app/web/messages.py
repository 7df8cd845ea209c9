"""A run's messages for the timeline and the privacy audit: read once from the store
(and then only the new ones), indexed by sender, recipient, kind and round, filtered and
paged in memory so a page of a 100,000-message run costs a slice."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from accord.store import Store
from accord.store.reading import Header, message_bodies, message_headers, message_texts

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


def _fields(body: dict[str, Any]) -> list[str]:
    """The field paths a body reveals, two levels deep: a list's items are one model, so
    its first item names its fields (``usage[].slot``); a mapping's keys are its fields."""
    out = []
    for k, v in body.items():
        if k == "kind":
            continue
        out.append(k)
        if isinstance(v, list) and v and isinstance(v[0], dict):
            out.extend(f"{k}[].{sub}" for sub in v[0])
        elif isinstance(v, dict):
            out.extend(f"{k}.{sub}" for sub in v)
    return out


@dataclass
class MessageIndex:
    """Columns of a run's messages in delivery order; bodies stay as stored text until a
    page shows them or the privacy audit reads them."""

    seq: list[int] = field(default_factory=list)
    episode: list[int] = field(default_factory=list)
    round: list[int | None] = field(default_factory=list)
    sender: list[str] = field(default_factory=list)
    recipient: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    reply: dict[int, int] = field(default_factory=dict)
    """Position of a message -> position of the first reply to it (its fate)."""
    kinds: dict[str, Counter[str]] = field(default_factory=dict)
    """Sender -> messages sent per kind."""
    fields: dict[str, Counter[str]] = field(default_factory=dict)
    """Sender -> messages per field path revealed."""
    audited: int = -1
    """The last seq whose fields are counted."""

    def add(self, header: Header) -> None:
        """Index one stored message by its header."""
        seq, episode, sender, recipient, kind, mid, in_reply_to, rnd = header
        pos = len(self.seq)
        self.seq.append(seq)
        self.episode.append(episode)
        self.round.append(rnd)
        self.sender.append(sender)
        self.recipient.append(recipient)
        self.kind.append(kind)
        self.ids[mid] = pos
        asked = self.ids.get(in_reply_to or "")
        if asked is not None and asked not in self.reply:
            self.reply[asked] = pos
        self.kinds.setdefault(sender, Counter())[kind] += 1

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

    def row(self, i: int, texts: Mapping[int, str]) -> dict[str, Any]:
        """One message as a timeline row, with the kind and fields of its reply (its fate:
        accepted, refused and why); ``texts``: stored envelopes by seq."""
        r = self.reply.get(i)
        return {"seq": self.seq[i], "episode": self.episode[i], "round": self.round[i],
                "sender": self.sender[i], "recipient": self.recipient[i],
                "kind": self.kind[i], "reply": None if r is None else self.kind[r],
                "reply_summary": None if r is None else _body_line(texts[self.seq[r]]),
                "summary": _body_line(texts[self.seq[i]])}


def _body_line(text: str) -> str:
    return _summary(json.loads(text).get("body") or {})


class MessageCache:
    """One index per run, brought up to date with the store on each use."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._runs: dict[str, MessageIndex] = {}
        self._filters: dict[tuple[Any, ...], list[int]] = {}
        self._rounds: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def index(self, run_id: str) -> MessageIndex:
        """The run's index, with any message stored since the last call."""
        with self._lock:
            idx = self._runs.setdefault(run_id, MessageIndex())
            last = idx.seq[-1] if idx.seq else -1
            before = len(idx.seq)
            for header in message_headers(self.store, run_id, after=last):
                idx.add(header)
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
        shown = chosen[offset:offset + max(1, min(limit, 1000))]
        replies = [r for i in shown if (r := idx.reply.get(i)) is not None]
        texts = message_bodies(self.store, run_id, [idx.seq[i] for i in [*shown, *replies]])
        return {
            "total": len(chosen), "all": len(idx.seq), "offset": offset,
            "rows": [idx.row(i, texts) for i in shown],
            "agents": sorted(set(idx.kinds) | set(idx.recipient)),
            "kinds": sorted({k for seen in idx.kinds.values() for k in seen}),
            "rounds": max((r for r in idx.round if r is not None), default=None),
        }

    def envelope(self, run_id: str, seq: int) -> dict[str, Any] | None:
        """The full stored envelope of one message."""
        text = message_bodies(self.store, run_id, [seq]).get(seq)
        return None if text is None else dict(json.loads(text))

    def revealed(self, run_id: str) -> dict[str, Any]:
        """Per sender: the kinds and field paths of everything it sent, with counts."""
        idx = self.index(run_id)
        with self._lock:
            for seq, _, text in message_texts(self.store, run_id, after=idx.audited):
                env = json.loads(text)
                idx.fields.setdefault(env["sender"], Counter()).update(
                    _fields(env.get("body") or {}))
                idx.audited = seq
        return {a: {"messages": sum(kinds.values()), "kinds": dict(sorted(kinds.items())),
                    "fields": dict(sorted(idx.fields.get(a, Counter()).items()))}
                for a, kinds in sorted(idx.kinds.items())}

    def by_round(self, run_id: str, episode: int) -> list[tuple[int, int]]:
        """The negotiation of one episode round by round: at the end of the k-th round (in
        delivery order: a protocol's stages may each count rounds from 0), the sum of the
        costs the agents last put in a message (a plan request, a report). A stored
        episode never changes, so each is read once."""
        key = (run_id, episode)
        if key not in self._rounds:
            self._rounds[key] = self._by_round(run_id, episode)
        return self._rounds[key]

    def _by_round(self, run_id: str, episode: int) -> list[tuple[int, int]]:
        latest: dict[str, int] = {}
        points: list[tuple[int, int]] = []
        rnd: int | None = None
        for _, _, text in message_texts(self.store, run_id, episode=episode):
            env = json.loads(text)
            body = env.get("body") or {}
            r = body.get("round")
            if isinstance(r, int) and r != rnd:
                if latest and rnd is not None:
                    points.append((len(points) + 1, sum(latest.values())))
                rnd = r
            cost = body.get("cost")
            if isinstance(cost, int) and not isinstance(cost, bool):
                latest[env["sender"]] = cost
        if latest:
            points.append((len(points) + 1, sum(latest.values())))
        return points

    def warm(self, run_id: str) -> None:
        """Index the run in the background (the run page asks, so that its timeline is
        ready when opened)."""
        if run_id not in self._runs:
            threading.Thread(target=self.index, args=(run_id,), daemon=True,
                             name=f"index-{run_id}").start()
