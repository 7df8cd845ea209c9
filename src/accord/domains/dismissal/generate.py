"""Seeded generator of dismissal scenarios that are feasible by construction.

Classrooms get random attendance and private data (some may not split, some refuse early
or late dismissal or far offsets). A feasible dismissal is planted first (largest classes
first, each in its least loaded acceptable batch); the bottleneck's capacity is then set
at least at the planted peak, so the scenario always has a plan with no violation.
"""

from __future__ import annotations

import math
import random

from accord.domains.dismissal.scenario import (
    SEED_OFFSETS,
    Bottleneck,
    Classroom,
    ClassroomPrivate,
    DismissalScenario,
)

LIMITS = {
    "no_early": lambda o: o >= 0,
    "no_late": lambda o: o <= 0,
    "near": lambda o: abs(o) <= 4,
    "close": lambda o: abs(o) <= 2,
}


def generate(
    classrooms: int,
    bottlenecks: int,
    seed: int,
    *,
    split_share: float = 0.7,
    restricted_share: float = 0.3,
    load: float = 0.7,
    batch_minutes: int = 2,
) -> DismissalScenario:
    """A scenario with ``classrooms`` classrooms spread over ``bottlenecks`` exits.

    ``load`` is the share of all batches' capacity the students fill (capacity is raised
    above it when the planted dismissal needs more).
    """
    if classrooms < 1 or bottlenecks < 1 or not 0 < load <= 1:
        raise ValueError("need at least one classroom and one bottleneck, and 0 < load <= 1")
    rng = random.Random(seed)
    offsets = list(SEED_OFFSETS)
    rooms: list[Classroom] = []
    for i in range(classrooms):
        acceptable = None
        if rng.random() < restricted_share:
            rule = LIMITS[rng.choice(sorted(LIMITS))]
            acceptable = [o for o in offsets if rule(o)]
        rooms.append(Classroom(
            id=f"C{i + 1}", attendance=rng.randint(15, 90), bottleneck=f"B{i % bottlenecks + 1}",
            private=ClassroomPrivate(
                acceptable_offsets=acceptable, may_split=rng.random() < split_share,
                willingness=round(rng.uniform(0.3, 1.0), 2),
                reluctance=rng.choice([0.0, 0.5, 1.0, 2.0]))))
    exits = []
    for b in range(bottlenecks):
        name = f"B{b + 1}"
        members = [c for c in rooms if c.bottleneck == name]
        planted = {o: 0 for o in offsets}
        for c in sorted(members, key=lambda c: (-c.attendance, c.id)):
            options = c.private.acceptable_offsets or offsets
            best = min(options, key=lambda o: (planted[o], abs(o)))
            planted[best] += c.attendance
        total = sum(c.attendance for c in members)
        per_batch = max(max(planted.values()), math.ceil(total / (len(offsets) * load)))
        exits.append(Bottleneck(id=name, capacity_per_minute=math.ceil(per_batch / batch_minutes),
                                batch_minutes=batch_minutes))
    return DismissalScenario(
        name=f"dismissal-gen-{classrooms}x{bottlenecks}-s{seed}", domain="dismissal",
        description=f"generated: {classrooms} classrooms, {bottlenecks} bottlenecks, seed {seed}",
        seed=seed, episodes=1, offsets=offsets, bottlenecks=exits, classrooms=rooms)
