"""The hospital's timetables for people: each ward's roster (nurse × shift of the week, or
a Curtois ward's employee × day with the shift type); the lines' grids are the generic
usage grids with the shifts named by ``shift_label``."""

from __future__ import annotations

from collections.abc import Mapping

from accord.contract import Cell, Grid
from accord.domains.nursing.scenario import NursingScenario
from accord.model.plan import Plan

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day(sc: NursingScenario, day: int) -> str:
    return DAY_NAMES[day % 7] + ("" if sc.days <= 7 else f" {day // 7 + 1}")


def shift_label(sc: NursingScenario, slot: int) -> str:
    """A shift of the week: its day and its number in the day (from 1)."""
    day, k = divmod(slot, sc.shifts_per_day)
    return f"{_day(sc, day)} {k + 1}"


def _roster(sc: NursingScenario, plan: Plan) -> Grid | None:
    """The ward's week, from a toy ward's shifts or a Curtois ward's roster."""
    caption = f"cost {plan.cost}"
    if isinstance(plan.assignment.get("shifts"), dict):
        shifts: dict[str, list[int]] = plan.assignment["shifts"]
        cols = tuple(shift_label(sc, s) for s in range(sc.shifts))
        cells = tuple(Cell(n, shift_label(sc, s), "●") for n, ss in shifts.items() for s in ss)
        return Grid("agent", plan.agent, tuple(shifts), cols, cells, caption)
    if isinstance(plan.assignment.get("roster"), dict):
        roster: dict[str, list[str | None]] = plan.assignment["roster"]
        days = max((len(r) for r in roster.values()), default=0)
        cols = tuple(_day(sc, d) if days <= 7 else f"day {d}" for d in range(days))
        cells = tuple(Cell(e, cols[d], t) for e, r in roster.items()
                      for d, t in enumerate(r) if t)
        return Grid("agent", plan.agent, tuple(roster), cols, cells, caption)
    return None


def rosters(sc: NursingScenario, plans: Mapping[str, Plan]) -> list[Grid]:
    """Each ward's roster as a week grid."""
    return [g for p in plans.values() if (g := _roster(sc, p)) is not None]
