"""Fuzzing (hypothesis): random and mutated scenarios of every domain, ``.ctt`` and
Curtois files and message envelopes, fed to the loaders, the parsers and the wire: each
is accepted or refused with a one-line AccordError; nothing else escapes (no traceback)
and nothing hangs (a deadline per case). The quick run tries 80 cases per target, the
slow one (``-m slow``) 400, or ``ACCORD_FUZZ_EXAMPLES``; ``-s`` prints the counts
(benchmarks/results/fuzz.md has those of a run of 3,000 per target)."""

from __future__ import annotations

import copy
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import nats
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.app.registry import parse_scenario, wire
from accord.domains.nursing.curtois import parse_curtois
from accord.domains.nursing.generate import generate as nursing
from accord.domains.university.itc2007 import parse_ctt
from accord.model.errors import AccordError
from accord.model.messages import Ack, Envelope, MalformedMessage
from accord.protocols.messages import Schedule, ScheduleQuery
from tests.conftest import ROOT, SEED_EXAMPLE
from tests.test_bus_contract import _nats_play
from tests.test_classes import tiny_data
from tests.test_curtois import BASE, TINY

QUICK, SLOW = 80, int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "400"))
"""Cases per target: quick run, slow run (``ACCORD_FUZZ_EXAMPLES`` for a longer one)."""

COUNTS: Counter[str] = Counter()
"""Cases tried per target and outcome, printed at the end of the module (``-s``)."""


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    for key, n in sorted(COUNTS.items()):
        print(f"fuzz {key}: {n}")


def runs(examples: int) -> Callable[[Any], Any]:
    return settings(max_examples=examples, deadline=5000, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


BOTH = [pytest.param(QUICK, id="quick"), pytest.param(SLOW, id="slow", marks=pytest.mark.slow)]

# --- values and mutations ---------------------------------------------------------------------

LEAVES = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30), st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6), st.none(),
    st.booleans(), st.lists(st.integers(-2, 50), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(-2, 5), max_size=2))


def _paths(data: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*at, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*at, i))


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """``base`` (a JSON-like tree) with one to four random edits: a value replaced by a
    random one, a key or item removed, an unknown key added, an item repeated."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for p in path[:-1]:
            parent = parent[p]
        key = path[-1]
        op = draw(st.sampled_from(["replace", "replace", "delete", "add", "repeat"]))
        if op == "replace":
            parent[key] = draw(LEAVES)
        elif op == "delete":
            del parent[key]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=5))] = draw(LEAVES)
        elif op == "repeat" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return data


@st.composite
def edited_text(draw: st.DrawFn, base: str) -> str:
    """``base`` with one to four line edits: a token replaced (a huge, negative or odd
    number, a word), a line removed, repeated or inserted, or the text cut short."""
    lines = base.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        op = draw(st.sampled_from(["token", "token", "delete", "repeat", "insert", "cut"]))
        if not lines:
            lines = [draw(st.text(max_size=20))]
        elif op == "token":
            sep = "," if "," in lines[i] else " "
            toks = lines[i].split(sep)
            j = draw(st.integers(0, len(toks) - 1))
            toks[j] = draw(st.one_of(st.integers(-(10**30), 10**30).map(str),
                                     st.sampled_from(["", "-1", "0", "1e9", "x", "|", "=",
                                                      "END.", "SECTION_COVER"]),
                                     st.text(max_size=6)))
            lines[i] = sep.join(toks)
        elif op == "delete":
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=30)))
        else:
            text = "\n".join(lines)
            return text[:draw(st.integers(0, len(text)))]
    return "\n".join(lines) + "\n"


# --- scenarios --------------------------------------------------------------------------------

def _yaml(path: Any) -> Any:
    import yaml
    return yaml.safe_load(path.read_text())


SCENARIOS = {
    "dismissal": _yaml(SEED_EXAMPLE),
    "university": _yaml(ROOT / "examples" / "university-small.yaml"),
    "nursing": nursing(2, 2, 1, 1, days=3).model_dump(mode="json"),
    "curtois": {"name": "tiny", "domain": "nursing", "days": 3, "shifts_per_day": 2,
                "lines": [{"id": "L", "capacity": 2, "cost_per_cab": [5] * 6}],
                "wards": [{"id": "W", "curtois": TINY, "departures": {"D": 1},
                           "homes": {"A": "L"}}]},
    "classes": tiny_data(),
}


def _accepted_or_refused(target: str, call: Callable[[], Any]) -> None:
    """``call`` returns, or raises a one-line AccordError; counted under ``target``."""
    said = ""
    try:
        call()
        COUNTS[f"{target} accepted"] += 1
    except AccordError as exc:
        said = str(exc)
        COUNTS[f"{target} refused"] += 1
    assert "\n" not in said, said


@pytest.mark.parametrize("examples", BOTH)
@pytest.mark.parametrize("domain", sorted(SCENARIOS))
def test_mutated_scenarios_are_accepted_or_refused_in_one_line(domain, examples):
    @runs(examples)
    @given(mutated(SCENARIOS[domain]))
    def check(data: Any) -> None:
        _accepted_or_refused(f"scenario {domain}",
                             lambda: parse_scenario(data, "fuzz.yaml"))
    check()


@pytest.mark.parametrize("examples", BOTH)
def test_random_documents_are_refused_in_one_line(examples):
    @runs(examples)
    @given(st.one_of(LEAVES, st.dictionaries(st.sampled_from(["domain", "name", "x"]),
                                             st.one_of(st.sampled_from(sorted(SCENARIOS)),
                                                       LEAVES))))
    def check(data: Any) -> None:
        _accepted_or_refused("scenario random", lambda: parse_scenario(data, "fuzz.yaml"))
    check()


# --- benchmark files --------------------------------------------------------------------------

TEXTS = {
    "ctt toy": (parse_ctt, (ROOT / "data" / "itc2007" / "toy.ctt").read_text()),
    "curtois base": (parse_curtois, BASE),
    "curtois Instance1": (parse_curtois, (ROOT / "data" / "curtois" / "Instance1.txt")
                          .read_text()),
}


@pytest.mark.parametrize("examples", BOTH)
@pytest.mark.parametrize("name", sorted(TEXTS))
def test_mutated_benchmark_files_are_accepted_or_refused_in_one_line(name, examples):
    parse, base = TEXTS[name]

    @runs(examples)
    @given(st.one_of(edited_text(base), st.text(max_size=200)))
    def check(text: str) -> None:
        _accepted_or_refused(name, lambda: parse(text, "fuzz"))
    check()


# --- message envelopes ------------------------------------------------------------------------

WIRE = wire()
ENVELOPES = [Envelope(run="r", id=f"a:{i}", sender="a", recipient="b", kind=body.kind,
                      body=body, sent_at=0.0).model_dump(mode="json")
             for i, body in enumerate([Ack(), Schedule(slots=[(0, 3), (1, 2)])])]


@pytest.mark.parametrize("examples", BOTH)
def test_mutated_envelopes_parse_or_are_malformed_in_one_line(examples):
    @runs(examples)
    @given(st.one_of(st.sampled_from(ENVELOPES).flatmap(mutated),
                     st.binary(max_size=80), st.text(max_size=80)))
    def check(data: Any) -> None:
        raw = json.dumps(data, default=str) if isinstance(data, dict) else data
        said = ""
        try:
            WIRE.parse(raw)
            COUNTS["envelope accepted"] += 1
        except MalformedMessage as exc:
            said = str(exc)
            COUNTS["envelope malformed"] += 1
        assert "\n" not in said, said
    check()


# --- a running agent --------------------------------------------------------------------------

AGENT_ENVELOPES = [
    {"v": 1, "run": "RUN", "id": f"caller:f{i}", "sender": "caller", "recipient": "e0",
     "kind": body.kind, "body": body.model_dump(mode="json"), "in_reply_to": None,
     "sent_at": 0.0}
    for i, body in enumerate([Ack(), ScheduleQuery(), Schedule(slots=[(0, 3)])])]
PAYLOADS = st.one_of(st.sampled_from(AGENT_ENVELOPES).flatmap(mutated),
                     st.binary(max_size=60), st.text(max_size=60))


@pytest.mark.nats
@pytest.mark.parametrize("examples", [pytest.param(10, id="quick"),
                                      pytest.param(max(10, SLOW // 20), id="slow",
                                                   marks=pytest.mark.slow)])
def test_a_running_agent_rejects_malformed_envelopes_and_goes_on(nats_url, examples):
    """Each case: 20 payloads sent raw to agent e0 over NATS (mutated envelopes of its own
    run, random bytes and text), then a real request: e0 answers it, the run never fails."""
    @settings(max_examples=examples, deadline=30_000, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(PAYLOADS, min_size=20, max_size=20))
    def check(payloads: list[Any]) -> None:
        async def script(c: Any) -> list[int]:
            run = c.bus.run_id
            raw = await nats.connect(nats_url)
            for p in payloads:
                data = (json.dumps(p, default=str).replace('"RUN"', json.dumps(run)).encode()
                        if isinstance(p, dict) else p.encode() if isinstance(p, str) else p)
                await raw.request(f"accord.{run}.agent.e0.from.caller", data, timeout=5)
            await raw.close()
            return await c.ask(["e0"])  # type: ignore[no-any-return]

        (answer, trace) = _nats_play(nats_url, script)
        assert answer == [0]
        delivered = sum(1 for s, r, _, _ in trace if (s, r) == ("caller", "e0"))
        COUNTS["agent payloads"] += len(payloads)
        COUNTS["agent payloads delivered (valid)"] += delivered - 1
    check()
