"""A scenario's identity: the hash of its content, and what changed between two versions.

The content is the scenario as stored (``model_dump(mode="json")``, seed applied) without
what does not change the problem or the ledger: how many episodes a run asks for, the
description, the default protocol (a ledger belongs to one protocol already)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

NOT_CONTENT = frozenset({"episodes", "description", "protocol"})
"""Top-level fields outside a scenario's identity."""


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in NOT_CONTENT}


def scenario_hash(data: dict[str, Any]) -> str:
    """The SHA-256 of the scenario's content, canonical JSON: 64 hex digits."""
    text = json.dumps(_content(data), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _by_id(items: list[Any]) -> dict[str, Any] | None:
    """A list of objects with unique ids, keyed by id (None for any other list)."""
    if not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        return None
    keyed = {i["id"]: i for i in items}
    return keyed if len(keyed) == len(items) else None


def _field_change(name: str, old: Any, new: Any) -> str:
    if isinstance(old, list) and isinstance(new, list):
        a, b = _by_id(old), _by_id(new)
        if a is not None and b is not None:
            parts = [f"{k} added" for k in b if k not in a]
            parts += [f"{k} removed" for k in a if k not in b]
            parts += [f"{k} changed" for k in a if k in b and a[k] != b[k]]
            return f"{name} ({', '.join(parts[:5])}{', …' if len(parts) > 5 else ''})"
    if isinstance(old, dict) and isinstance(new, dict):
        keys = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        return f"{name} ({', '.join(keys[:5])}{', …' if len(keys) > 5 else ''})"
    if not isinstance(old, list | dict) and not isinstance(new, list | dict):
        return f"{name} {json.dumps(old)} → {json.dumps(new)}"
    return name


def scenario_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs in content between two versions of a scenario, one phrase per
    top-level field (for a list of objects with ids: which were added, removed, changed)."""
    a, b = _content(old), _content(new)
    return [_field_change(k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys())
            if a.get(k) != b.get(k)]
