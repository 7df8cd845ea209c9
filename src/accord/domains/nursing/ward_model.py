"""What the ward's local problem and the centralised model need of a ward, whatever its
kind: its roster's 0-1 cells in a CP-SAT model, its seats per (line, shift), its penalty
as one expression, and the plan a solution makes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, ClassVar

from ortools.sat.python import cp_model

from accord.contract import Rides
from accord.model.plan import Key, Plan
from accord.solve.lns import Guide, Polish


class WardModel(ABC):
    """A ward's roster as CP-SAT variables in a model."""

    interleave: ClassVar[bool] = False
    """Solve with CP-SAT's interleaved portfolio (one worker)."""
    cells: Mapping[Any, cp_model.IntVar]
    """The roster's decisions: 1 where a nurse works (a plan's ``worked`` cells)."""
    riders: int
    """Nurses of the ward who ride a line at all."""

    def grid(self) -> list[list[list[int]]] | None:
        """The cells' variables (proto indices) by nurse and day, for large-neighbourhood
        search (``solve.lns``); None: the ward is solved by one CP-SAT search."""
        return None

    def polish(self, rides: Rides | None = None, prices: Mapping[Key, float] | None = None,
               scale: int = 1) -> Polish | None:
        """A local search of the ward's own over its roster, to alternate with the
        large-neighbourhood search (None: none): on its penalty alone, or, with ``rides``
        or ``prices`` (what the negotiation quotes, ``SolveContext``), on the weighted
        penalty plus what its seats cost, all × ``scale``."""
        return None

    def guide(self) -> Guide | None:
        """A relaxation of the ward's penalty to guide the large-neighbourhood search
        (``solve.lns``; None: none)."""
        return None

    @abstractmethod
    def seats(self, key: Key) -> cp_model.LinearExprT:
        """The ward's nurses on a (line, shift)."""

    @abstractmethod
    def penalty(self) -> cp_model.LinearExprT:
        """The ward's penalty, equal to the plan's cost for every solution."""

    @abstractmethod
    def penalty_bound(self) -> int:
        """No roster's penalty exceeds this."""

    @abstractmethod
    def worked(self, plan: Plan) -> set[Hashable]:
        """The cells a plan of this ward sets to 1."""

    def plan(self, solver: cp_model.CpSolver) -> Plan:
        """The plan of the solved roster."""
        return self.plan_from(solver.response_proto.solution)

    @abstractmethod
    def plan_from(self, values: Sequence[int]) -> Plan:
        """The plan of a solution given as every variable's value, in proto order."""
