"""Seeded generator of the seed's toy experiment (4 wards × 30 nurses, 21 shifts, 5 lines).

Lines get distinct cab capacities in 1..7 (while there are enough) and a cost per cab
that depends on the line (its distance) and the shift (evenings and nights, then
weekends, cost more). Each ward draws its nurses' lines with a bias towards a line of
its own, so line managers have a natural host. A roster is planted first (each nurse
works her shifts among the ones she can work) and each shift's cover is set below the
planted one, so the scenario is feasible and leaves freedom. Preferences follow a
nurse's favourite time of day, independently of her neighbours on the line: satisfying
them leaves cabs half empty, which is the conflict the negotiation has to resolve.
"""

from __future__ import annotations

import math
import random

from accord.domains.nursing.scenario import (
    AnyWard,
    Line,
    Nurse,
    NursePrivate,
    NursingScenario,
    Ward,
)

SHIFT_FACTOR = (1.0, 1.25, 1.5)
"""Cost of a cab in the morning, evening and night shift, relative to the line's base."""
WEEKEND_FACTOR = 1.25
FAVOURITE = {0: 0.4, 1: 0.25, 2: 0.15, None: 0.2}
"""Share of nurses preferring mornings, evenings, nights, or no time of day in particular."""


def make_lines(rng: random.Random, count: int, days: int, per_day: int) -> list[Line]:
    """``count`` lines with distinct capacities in 1..7 while there are enough, a base cost
    per cab in 10..40, scaled by the shift of the day and on weekends."""
    capacities = (rng.sample(range(1, 8), count) if count <= 7
                  else [rng.randint(1, 7) for _ in range(count)])
    out = []
    for i, cap in enumerate(capacities):
        base = rng.randint(10, 40)
        cost = [round(base * SHIFT_FACTOR[s % per_day % 3]
                      * (WEEKEND_FACTOR if s // per_day % 7 >= 5 else 1.0))
                for s in range(days * per_day)]
        out.append(Line(id=f"L{i + 1}", capacity=cap, cost_per_cab=cost))
    return out


def line_bias(rng: random.Random, ward: int, lines: int) -> list[float]:
    """Weights of the lines for the nurses of the ``ward``-th ward: a line of its own
    (the ``ward``-th, cyclically) is favoured."""
    return [rng.random() + (1.5 if i == ward % lines else 0.0) for i in range(lines)]


def with_hosts(sc: NursingScenario) -> NursingScenario:
    """The scenario with each line's host ward recorded."""
    hosts = [ln.model_copy(update={"host_ward": sc.host_ward(ln.id)}) for ln in sc.lines]
    return sc.model_copy(update={"lines": hosts})


def _nurse(rng: random.Random, nid: str, line: str, shifts: int, per_day: int,
           levels: int) -> Nurse:
    week = list(range(shifts))
    forbidden = sorted(rng.sample(week, rng.randint(1, 4)))
    allowed = [s for s in week if s not in forbidden]
    favourite = rng.choices(list(FAVOURITE), weights=list(FAVOURITE.values()))[0]
    count = rng.randint(3, 5)
    if favourite is None:
        preferred = sorted(rng.sample(allowed, min(len(allowed), count + 2)))
    else:
        preferred = [s for s in allowed if s % per_day == favourite % per_day]
    level = rng.choices(range(1, levels + 1), weights=[levels - k for k in range(levels)])[0]
    return Nurse(id=nid, line=line, level=level, shifts=count, private=NursePrivate(
        preferred=preferred, forbidden=forbidden, weight=rng.choice([2, 4, 6, 8])))


def generate(
    wards: int = 4, nurses: int = 30, lines: int = 5, seed: int = 1, *,
    days: int = 7, shifts_per_day: int = 3, levels: int = 3, cover_share: float = 0.7,
) -> NursingScenario:
    """A feasible toy hospital; ``cover_share`` of the planted cover is required."""
    if wards < 1 or nurses < 1 or lines < 1 or not 0 <= cover_share <= 1:
        raise ValueError("need at least one ward, nurse and line, and 0 <= cover_share <= 1")
    rng = random.Random(seed)
    shifts = days * shifts_per_day
    lns = make_lines(rng, lines, days, shifts_per_day)
    out: list[AnyWard] = []
    for w in range(wards):
        bias = line_bias(rng, w, lines)
        staff = [_nurse(rng, f"W{w + 1}N{j + 1}", rng.choices(lns, weights=bias)[0].id,
                        shifts, shifts_per_day, levels) for j in range(nurses)]
        planted = [[0] * levels for _ in range(shifts)]
        for n in staff:
            allowed = [s for s in range(shifts) if s not in n.private.forbidden]
            for s in rng.sample(allowed, min(n.shifts, len(allowed))):
                for k in range(n.level):
                    planted[s][k] += 1
        cover = [[math.floor(cover_share * c) for c in row] for row in planted]
        out.append(Ward(id=f"W{w + 1}", nurses=staff, cover=cover))
    return with_hosts(NursingScenario(
        name=f"nursing-gen-{wards}x{nurses}-l{lines}-s{seed}", domain="nursing",
        description=f"generated: {wards} wards × {nurses} nurses, {lines} lines, seed {seed}",
        seed=seed, days=days, shifts_per_day=shifts_per_day, levels=levels,
        lines=lns, wards=out))
