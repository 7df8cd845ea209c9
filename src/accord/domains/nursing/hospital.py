"""A hospital of Curtois & Qu wards: each benchmark file becomes a ward, each employee gets
a seeded home line, each shift type a departure of the day.

The horizon is the longest instance's; a day has as many departures as the instance with
most shift types has shift types, and a ward's ``i``-th shift type (in its file's order)
departs at departure ``i``. Lines are drawn as in the toy (``generate.make_lines``:
capacities 1..7, costs by line, departure and weekend) and every ward favours a line of
its own (``generate.line_bias``). With no lines, nobody rides: the global cost is the
wards' benchmark cost.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from accord.domains.nursing.curtois import parse_curtois
from accord.domains.nursing.generate import line_bias, make_lines, with_hosts
from accord.domains.nursing.scenario import AnyWard, CurtoisWard, NursingScenario
from accord.model.errors import read_text_file

TRANSPORT_OPTIONS = {"first_work": 15.0, "solve_work": 2.0}
"""A Curtois ward needs about 8 units of work to reach (and prove) Instance2's optimum
alone, a re-solve from its roster much less."""


def curtois_hospital(files: Sequence[str | Path], lines: int = 0, seed: int = 1,
                     budget: float = 60.0) -> NursingScenario:
    """The hospital of the benchmark files; malformed files are one-line ScenarioErrors.
    ``budget`` is the wall seconds stored for ``transport``, ``negotiate`` and
    ``central``."""
    if not files or lines < 0:
        raise ValueError("need at least one benchmark file and lines >= 0")
    texts = ["".join(ln.rstrip() + "\n" for ln in read_text_file(f).splitlines())
             for f in files]
    insts = [parse_curtois(t, str(f)) for t, f in zip(texts, files, strict=True)]
    days = max(i.horizon for i in insts)
    per_day = max(len(i.shifts) for i in insts)
    rng = random.Random(seed)
    lns = make_lines(rng, lines, days, per_day) if lines else []
    wards: list[AnyWard] = []
    for w, (inst, text) in enumerate(zip(insts, texts, strict=True)):
        bias = line_bias(rng, w, lines) if lines else []
        homes = {e.id: rng.choices(lns, weights=bias)[0].id for e in inst.staff} if lns else {}
        wards.append(CurtoisWard(id=inst.name, curtois=text, homes=homes,
                                 departures={s.id: i for i, s in enumerate(inst.shifts)}))
    names = "-".join(i.name for i in insts)
    return with_hosts(NursingScenario(
        name=f"curtois-{names}-l{lines}-s{seed}", seed=seed, days=days,
        shifts_per_day=per_day, levels=1,
        description=f"Curtois & Qu {names.replace('-', ', ')} as wards, {lines} lines, seed {seed}",
        lines=lns, wards=wards, protocol_options={
            "transport": TRANSPORT_OPTIONS | {"time_budget": budget},
            "negotiate": {"time_budget": budget},
            "central": {"time_limit": budget, "workers": 2}}))
