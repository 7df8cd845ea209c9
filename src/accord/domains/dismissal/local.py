"""A classroom's local problem: its own CP-SAT model under what the negotiation imposes."""

from __future__ import annotations

from ortools.sat.python import cp_model

from accord.contract import LocalProblem, SolveContext
from accord.domains.dismissal.model import add_classroom, read_plan, usage_key
from accord.domains.dismissal.scenario import Classroom, DismissalScenario
from accord.model.plan import Key, Plan
from accord.solve.cpsat import solve_within


class ClassroomProblem(LocalProblem):
    """Minimise, in this order: overflow of soft caps, student-minutes displaced, changes
    from the anchor plan weighted by the professor's reluctance, and groups used."""

    def __init__(self, scenario: DismissalScenario, classroom: Classroom) -> None:
        self.scenario, self.classroom = scenario, classroom
        self.agent_id = classroom.id
        self.manager = scenario.bottleneck_of(classroom).id

    def solve(self, ctx: SolveContext) -> Plan | None:
        sc, c = self.scenario, self.classroom
        a = c.attendance
        m = cp_model.CpModel()
        v = add_classroom(m, sc, c)
        overflow = []
        if ctx.caps is not None:
            by_key: dict[Key, list[cp_model.IntVar]] = {}
            for o, x in v.count.items():
                by_key.setdefault(usage_key(sc, c, o), []).append(x)
            for k, xs in by_key.items():
                cap = max(0, ctx.caps.get(k, 0))
                if ctx.soft_caps:
                    ov = m.new_int_var(0, a, f"over_{k[0]}_{k[1]}")
                    m.add(sum(xs) <= cap + ov)
                    overflow.append(ov)
                else:
                    m.add(sum(xs) <= cap)
        rel = round(10 * c.private.reluctance)
        changes = []
        if ctx.anchor is not None and rel:
            before = {int(o): n for o, n in ctx.anchor.assignment.items()}
            for o, x in v.count.items():
                d = m.new_int_var(0, a, f"chg{o}")
                m.add_abs_equality(d, x - before.get(o, 0))
                changes.append(d)
        spread_w = len(v.used) + 1
        cost_w = spread_w * (rel * 2 * a + 1) + spread_w
        over_w = cost_w * (max(abs(o) for o in v.count) * a + 1)
        used = list(v.used.values())
        m.minimize(cp_model.LinearExpr.weighted_sum(
            [*overflow, v.displacement(), *changes, *used],
            [over_w] * len(overflow) + [cost_w] + [spread_w * rel] * len(changes)
            + [1] * len(used)))
        solved = solve_within(m, ctx.budget, seed=ctx.seed)
        if solved is None:
            return None
        return read_plan(sc, v, solved.solver)
