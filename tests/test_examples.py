"""Every shipped example loads and runs feasibly; on dismissal, negotiate is within 5 % of
the central optimum (the university domain's targets are measured by its benchmark)."""

from __future__ import annotations

import pytest

from accord.app.registry import load_scenario
from accord.app.runner import run_scenario
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


SLOW = {"university-small", "university-private"}  # measured over 2 s


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow) if p.stem in SLOW
                                  else p for p in EXAMPLES], ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, tmp_path):
    sc = load_scenario(path)
    res = run_scenario(sc, episodes=2, db=str(tmp_path / "x.db"), reference=True)
    for e in res.episodes:
        assert e.hard_violations == 0
        assert sum(e.cost_breakdown.values()) == e.cost
        if sc.domain == "dismissal":
            assert e.cost <= 1.05 * e.reference_cost
