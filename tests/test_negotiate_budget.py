"""The time budget of a ``negotiate`` episode: refused members' last chances share one
grace past it."""

from __future__ import annotations

from accord.protocols.negotiate.budget import GRACE, TimeBudget


def test_re_plans_past_the_budget_share_one_grace():
    now = [100.0]
    budget = TimeBudget(60.0, lambda: now[0])
    budget.start()
    now[0] += 50.0
    assert budget.last_chance() == 10.0  # before the deadline: the time left
    assert budget.last_chance(share=0.1) == 6.0  # at most that share of the budget
    now[0] += 10.5
    assert budget.seconds_left() == 0.0
    assert budget.last_chance() == GRACE - 0.5  # past it: what is left of the grace
    now[0] += GRACE
    assert budget.last_chance() == 0.0
    assert TimeBudget(None, lambda: now[0]).last_chance() is None
