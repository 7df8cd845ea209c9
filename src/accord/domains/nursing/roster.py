"""A ward's roster: the benchmark's measure (``evaluate``) and an exact CP-SAT model.

An assignment maps ``(employee, day)`` to a shift id; a missing key is a day off, so one
shift per day holds by construction. Hard constraints are counted by name; the soft cost
is the benchmark's objective, by term.

Runs at the edges of the horizon (there is no history): a run of working days or of days
off that touches day 0 or the last day is exempt from its minimum length
(``exempt_edges=True``, the default). That is the benchmark's rule: it gives the published
optima of Instance1–3 (607, 828, 1001), proven; holding edge runs to the minimum
(``exempt_edges=False``) gives 807, 930 and 1024 instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from ortools.sat.python import cp_model

from accord.contract import Measure
from accord.domains.nursing.curtois import WardInstance
from accord.solve.cpsat import solve_model

Assignment = Mapping[tuple[str, int], str]

HARD = ("DaysOff", "ForbiddenSuccession", "MaxShifts", "MaxTotalMinutes", "MinTotalMinutes",
        "MaxConsecutiveShifts", "MinConsecutiveShifts", "MinConsecutiveDaysOff", "MaxWeekends")
SOFT = ("ShiftOnRequests", "ShiftOffRequests", "CoverUnder", "CoverOver")


@dataclass(frozen=True)
class RosterEvaluation(Measure):
    """Hard violations counted by constraint, soft cost by term, and one line per violation."""

    details: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.violations == 0


def _runs(worked: list[bool]) -> list[tuple[int, int, bool]]:
    """Maximal runs of equal values as ``(start, length, working)``."""
    out: list[tuple[int, int, bool]] = []
    for d, w in enumerate(worked):
        if out and out[-1][2] == w:
            out[-1] = (out[-1][0], out[-1][1] + 1, w)
        else:
            out.append((d, 1, w))
    return out


def evaluate(inst: WardInstance, assignment: Assignment, *,
             exempt_edges: bool = True) -> RosterEvaluation:
    """The benchmark's measure of an assignment; raises ValueError on unknown ids or days."""
    shifts = {s.id: s for s in inst.shifts}
    staff = {e.id for e in inst.staff}
    for (emp, day), sid in assignment.items():
        if emp not in staff or sid not in shifts or not 0 <= day < inst.horizon:
            raise ValueError(f"assignment ({emp}, {day}) -> {sid} names an unknown "
                             "employee, shift or day")
    hard = dict.fromkeys(HARD, 0)
    details: list[str] = []

    def violate(name: str, what: str) -> None:
        hard[name] += 1
        details.append(f"{name}: {what}")

    H = inst.horizon
    for e in inst.staff:
        row = [assignment.get((e.id, d)) for d in range(H)]
        for d in sorted(inst.days_off.get(e.id, ())):
            if row[d] is not None:
                violate("DaysOff", f"{e.id} works day {d}")
        for d in range(H - 1):
            s, t = row[d], row[d + 1]
            if s is not None and t is not None and t in shifts[s].cannot_follow:
                violate("ForbiddenSuccession", f"{e.id} works {s} on day {d} then {t}")
        counts = Counter(s for s in row if s is not None)
        for sid, n in sorted(counts.items()):
            if n > e.max_shifts.get(sid, H):
                violate("MaxShifts", f"{e.id} works {n} {sid} shifts > {e.max_shifts[sid]}")
        minutes = sum(shifts[s].minutes for s in row if s is not None)
        if minutes > e.max_minutes:
            violate("MaxTotalMinutes", f"{e.id} works {minutes} min > {e.max_minutes}")
        if minutes < e.min_minutes:
            violate("MinTotalMinutes", f"{e.id} works {minutes} min < {e.min_minutes}")
        for start, length, working in _runs([s is not None for s in row]):
            kind = "working days" if working else "days off"
            if working and length > e.max_consecutive:
                violate("MaxConsecutiveShifts", f"{e.id} {length} {kind} from day {start}")
            if exempt_edges and (start == 0 or start + length == H):
                continue
            if working and length < e.min_consecutive:
                violate("MinConsecutiveShifts", f"{e.id} {length} {kind} from day {start}")
            if not working and length < e.min_days_off:
                violate("MinConsecutiveDaysOff", f"{e.id} {length} {kind} from day {start}")
        weekends = sum(any(row[d] is not None for d in wk) for wk in inst.weekends)
        if weekends > e.max_weekends:
            violate("MaxWeekends", f"{e.id} works {weekends} weekends > {e.max_weekends}")

    soft = dict.fromkeys(SOFT, 0)
    for r in inst.on_requests:
        if assignment.get((r.employee, r.day)) != r.shift:
            soft["ShiftOnRequests"] += r.weight
    for r in inst.off_requests:
        if assignment.get((r.employee, r.day)) == r.shift:
            soft["ShiftOffRequests"] += r.weight
    placed = Counter((day, sid) for (_, day), sid in assignment.items())
    for c in inst.covers:
        n = placed[c.day, c.shift]
        soft["CoverUnder"] += c.under * max(0, c.requirement - n)
        soft["CoverOver"] += c.over * max(0, n - c.requirement)
    return RosterEvaluation(hard, soft, tuple(details))


def _sum(items: Iterable[cp_model.LinearExprT]) -> cp_model.LinearExpr:
    """A linear sum that stays an expression when empty."""
    return cp_model.LinearExpr.sum(list(items))


class WardSolution(NamedTuple):
    """A solved roster, its soft cost and whether that cost is proven optimal."""

    assignment: dict[tuple[str, int], str]
    cost: int
    optimal: bool


def _forbid_short_runs(model: cp_model.CpModel, work: list[cp_model.IntVar], shortest: int,
                       on: bool, exempt_edges: bool) -> None:
    """Forbid a run of ``on`` values (worked or off) shorter than ``shortest``: for each
    length and start, the run's days are not all ``on`` or a neighbour is ``on`` too."""
    H = len(work)

    def lit(d: int, value: bool) -> cp_model.LiteralT:
        return work[d] if value else work[d].Not()

    for length in range(1, min(shortest, H + 1)):
        for start in range(H - length + 1):
            left, right = start - 1, start + length
            if exempt_edges and (left < 0 or right >= H):
                continue
            clause = [lit(d, not on) for d in range(start, right)]
            clause += [lit(d, on) for d in (left, right) if 0 <= d < H]
            model.add_bool_or(clause)


def add_roster(m: cp_model.CpModel, inst: WardInstance, *, exempt_edges: bool = True,
               prefix: str = "") -> tuple[dict[tuple[str, int, str], cp_model.IntVar],
                                          cp_model.LinearExpr]:
    """Add the ward's ``x[employee, day, shift]`` variables and hard constraints to ``m``;
    returns them with the soft cost as one expression (equal to ``evaluate``'s cost for
    every solution). ``prefix`` names the variables of one ward among several."""
    H = inst.horizon
    x: dict[tuple[str, int, str], cp_model.IntVar] = {}
    for e in inst.staff:
        off = inst.days_off.get(e.id, frozenset())
        work: list[cp_model.IntVar] = []
        for d in range(H):
            for s in inst.shifts:
                if d not in off and e.max_shifts.get(s.id, H) > 0:
                    x[e.id, d, s.id] = m.new_bool_var(f"{prefix}x[{e.id},{d},{s.id}]")
            w = m.new_bool_var(f"{prefix}work[{e.id},{d}]")
            m.add(w == _sum(x[k] for s in inst.shifts if (k := (e.id, d, s.id)) in x))
            work.append(w)
        for d in range(H - 1):
            for s in inst.shifts:
                for t in sorted(s.cannot_follow):
                    if (e.id, d, s.id) in x and (e.id, d + 1, t) in x:
                        m.add_bool_or([x[e.id, d, s.id].Not(), x[e.id, d + 1, t].Not()])
        for s in inst.shifts:
            if s.id in e.max_shifts:
                m.add(_sum(x[k] for d in range(H) if (k := (e.id, d, s.id)) in x)
                      <= e.max_shifts[s.id])
        minutes = _sum(s.minutes * x[k] for d in range(H) for s in inst.shifts
                      if (k := (e.id, d, s.id)) in x)
        m.add_linear_constraint(minutes, e.min_minutes, e.max_minutes)
        for start in range(H - e.max_consecutive):
            m.add(_sum(work[start:start + e.max_consecutive + 1]) <= e.max_consecutive)
        _forbid_short_runs(m, work, e.min_consecutive, True, exempt_edges)
        _forbid_short_runs(m, work, e.min_days_off, False, exempt_edges)
        worked_weekends = []
        for wk in inst.weekends:
            b = m.new_bool_var(f"{prefix}weekend[{e.id},{wk[0]}]")
            for d in wk:
                m.add_implication(work[d], b)
            worked_weekends.append(b)
        m.add(_sum(worked_weekends) <= e.max_weekends)

    terms: list[cp_model.LinearExprT] = []
    for r in inst.on_requests:
        k = (r.employee, r.day, r.shift)
        terms.append(r.weight * (1 - x[k]) if k in x else r.weight)
    for r in inst.off_requests:
        k = (r.employee, r.day, r.shift)
        if k in x:
            terms.append(r.weight * x[k])
    for c in inst.covers:
        placed = _sum(x[k] for e in inst.staff if (k := (e.id, c.day, c.shift)) in x)
        under = m.new_int_var(0, c.requirement, f"{prefix}under[{c.day},{c.shift}]")
        m.add_max_equality(under, [0, c.requirement - placed])
        terms.append(c.under * under + c.over * (placed - c.requirement + under))
    return x, _sum(terms)


def build_model(inst: WardInstance, *, exempt_edges: bool = True
                ) -> tuple[cp_model.CpModel, dict[tuple[str, int, str], cp_model.IntVar]]:
    """The CP-SAT model and its ``x[employee, day, shift]`` variables; the objective equals
    ``evaluate``'s soft cost for every solution."""
    m = cp_model.CpModel()
    x, cost = add_roster(m, inst, exempt_edges=exempt_edges)
    m.minimize(cost)
    return m, x


def solve_ward(inst: WardInstance, *, time_limit: float, seed: int, workers: int = 1,
               hint: Assignment | None = None, exempt_edges: bool = True,
               deterministic_limit: float | None = None) -> WardSolution | None:
    """Solve one ward exactly (one worker: CP-SAT's interleaved portfolio); None when the
    ward is infeasible or nothing was found in time."""
    model, x = build_model(inst, exempt_edges=exempt_edges)
    if hint is not None:
        for (emp, day, sid), var in x.items():
            model.add_hint(var, hint.get((emp, day)) == sid)
    solved = solve_model(model, time_limit=time_limit, seed=seed, workers=workers,
                         deterministic_limit=deterministic_limit, interleave=True)
    if solved is None:
        return None
    assignment = {(emp, day): sid for (emp, day, sid), var in x.items()
                  if solved.solver.boolean_value(var)}
    return WardSolution(assignment, round(solved.solver.objective_value), solved.optimal)
