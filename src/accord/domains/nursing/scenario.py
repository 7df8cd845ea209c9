"""The hospital of the seed: wards roster nurses, the hospital drives them home by cab.

The horizon has ``days × shifts_per_day`` shifts (transport departures), numbered from 0
(day 0's first shift). Every nurse lives on one transportation line and rides it for every
shift she works. Two kinds of ward: the seed's toy ``Ward`` (qualification levels run
from 1, junior, to ``levels``, senior; ``cover[shift][k]`` is how many of its nurses of
level ``k + 1`` *or above* the shift needs), and the ``CurtoisWard``, a Curtois & Qu
benchmark instance whose shift types depart at given departures of the day.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, model_validator

from accord.domains.nursing.curtois import WardInstance, parse_curtois
from accord.model.errors import ScenarioError
from accord.model.scenario import Count, Positive, ScenarioBase


class Line(BaseModel):
    """A transportation line: cabs of ``capacity`` seats, ``cost_per_cab`` per shift.

    ``host_ward`` runs the line's manager (the ward with most nurses on it; None: derived).
    """

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    capacity: Positive
    cost_per_cab: list[Count]
    host_ward: str | None = None


class NursePrivate(BaseModel):
    """What only the ward knows and never sends: shifts the nurse prefers (each shift
    worked outside them costs ``weight``; an empty list: no preference) and shifts she
    cannot work."""

    model_config = ConfigDict(extra="forbid")
    preferred: list[int] = Field(default_factory=list)
    forbidden: list[int] = Field(default_factory=list)
    weight: Count = 1


class Nurse(BaseModel):
    """A nurse: her home line, qualification level and shifts per week."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    line: str
    level: Positive
    shifts: Count
    private: NursePrivate = Field(default_factory=NursePrivate)


class Ward(BaseModel):
    """A ward agent: its nurses and the cover each shift needs per qualification level."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    nurses: list[Nurse] = Field(min_length=1)
    cover: list[list[Count]]

    def home_lines(self) -> dict[str, str]:
        """Each nurse's home line."""
        return {n.id: n.line for n in self.nurses}


class CurtoisWard(BaseModel):
    """A ward whose roster problem is a Curtois & Qu benchmark instance (the file's text)
    and whose penalty is the benchmark's objective. A nurse working shift type ``t`` on day
    ``d`` rides home on shift ``d × shifts_per_day + departures[t]``; ``homes`` maps an
    employee to her line (an employee not listed does not ride)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    curtois: str = Field(min_length=1)
    departures: dict[str, int]
    homes: dict[str, str] = Field(default_factory=dict)
    _instance: WardInstance = PrivateAttr()

    @model_validator(mode="after")
    def _parse(self) -> CurtoisWard:
        try:
            self._instance = parse_curtois(self.curtois, f"{self.id}.txt")
        except ScenarioError as exc:
            raise ValueError(f"benchmark text, {exc.where}: {exc.what}") from None
        shifts, staff = {s.id for s in self._instance.shifts}, {e.id for e in
                                                                  self._instance.staff}
        if set(self.departures) != shifts:
            raise ValueError(f"departures: need one per shift type ({', '.join(sorted(shifts))})")
        unknown = sorted(set(self.homes) - staff)
        if unknown:
            raise ValueError(f"homes: unknown employee {unknown[0]!r}")
        return self

    @property
    def instance(self) -> WardInstance:
        """The benchmark instance."""
        return self._instance

    def home_lines(self) -> dict[str, str]:
        """Each riding employee's home line."""
        return dict(self.homes)


def _kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "curtois" if isinstance(value, CurtoisWard) else "toy"
    return "curtois" if isinstance(value, dict) and "curtois" in value else "toy"


AnyWard = Annotated[Annotated[Ward, Tag("toy")] | Annotated[CurtoisWard, Tag("curtois")],
                    Discriminator(_kind)]
"""A ward of either kind (a mapping with ``curtois`` is a Curtois ward)."""


class NursingScenario(ScenarioBase):
    """Wards rostering nurses over shared transportation lines (none: nobody rides).

    The global cost is transport cost + ``penalty_weight`` × the wards' total penalty.
    """

    domain: Literal["nursing"] = "nursing"
    protocol: str = "transport"
    days: int = Field(default=7, ge=1, le=366, description="days of the horizon, a year "
                      "at most (the benchmark's longest instance has 364)")
    shifts_per_day: int = Field(default=3, ge=1, le=96, description="departures a day, at "
                                "most one every quarter of an hour")
    levels: int = Field(default=3, ge=1, le=100)
    penalty_weight: Count = 1
    lines: list[Line] = Field(default_factory=list)
    wards: list[AnyWard] = Field(min_length=1)

    @property
    def shifts(self) -> int:
        """Shifts in the week."""
        return self.days * self.shifts_per_day

    @model_validator(mode="after")
    def _consistent(self) -> NursingScenario:
        names = ([ln.id for ln in self.lines] + [w.id for w in self.wards]
                 + [n.id for w in self.wards if isinstance(w, Ward) for n in w.nurses])
        dup = sorted(n for n, k in Counter(names).items() if k > 1)
        if dup:
            raise ValueError(f"ids must be unique; repeated: {', '.join(dup)}")
        wards, n = {w.id for w in self.wards}, self.shifts
        for i, ln in enumerate(self.lines):
            if len(ln.cost_per_cab) != n or min(ln.cost_per_cab) < 0:
                raise ValueError(f"lines[{i}].cost_per_cab: need {n} costs >= 0 (one per shift)")
            if ln.host_ward is not None and ln.host_ward not in wards:
                raise ValueError(f"lines[{i}].host_ward: unknown ward {ln.host_ward!r}")
        for i, w in enumerate(self.wards):
            if isinstance(w, Ward):
                self._check_toy(f"wards[{i}]", w)
            else:
                self._check_curtois(f"wards[{i}]", w)
        return self

    def _check_toy(self, where: str, w: Ward) -> None:
        lines, n = {ln.id for ln in self.lines}, self.shifts
        if len(w.cover) != n or any(len(c) != self.levels or min(c) < 0 for c in w.cover):
            raise ValueError(f"{where}.cover: need {n} rows of {self.levels} counts >= 0")
        for j, nu in enumerate(w.nurses):
            at = f"{where}.nurses[{j}]"
            if nu.line not in lines:
                raise ValueError(f"{at}.line: unknown line {nu.line!r}")
            if nu.level > self.levels:
                raise ValueError(f"{at}.level: above levels ({self.levels})")
            if nu.shifts > n:
                raise ValueError(f"{at}.shifts: more than the {n} shifts of the week")
            bad = [s for s in nu.private.preferred + nu.private.forbidden if not 0 <= s < n]
            if bad:
                raise ValueError(f"{at}.private: shift {bad[0]} outside 0..{n - 1}")
        self._meetable_toy(where, w)

    def _meetable_toy(self, where: str, w: Ward) -> None:
        """Cheap necessary conditions of a roster with no hard violation, each an error
        naming what cannot be met: a nurse's shifts among those she may work, each shift's
        cover by the nurses who may work it, each level's cover by its nurses' shifts."""
        n = self.shifts
        for j, nu in enumerate(w.nurses):
            allowed = n - len(set(nu.private.forbidden))
            if nu.shifts > allowed:
                raise ValueError(f"{where}.nurses[{j}].shifts: nurse {nu.id}: {nu.shifts} "
                                 f"shifts, {allowed} she may work")
        for s, need in enumerate(w.cover):
            for k, c in enumerate(need):
                able = sum(nu.level > k and s not in nu.private.forbidden for nu in w.nurses)
                if c > able:
                    raise ValueError(f"{where}.cover[{s}][{k}]: ward {w.id}, shift {s}: "
                                     f"{c} nurses of level {k + 1}+ needed, {able} may work it")
        for k in range(self.levels):
            total = sum(row[k] for row in w.cover)
            have = sum(nu.shifts for nu in w.nurses if nu.level > k)
            if total > have:
                raise ValueError(f"{where}.cover: ward {w.id}: {total} shifts of level "
                                 f"{k + 1}+ needed in the week, its nurses work {have}")

    def _check_curtois(self, where: str, w: CurtoisWard) -> None:
        lines = {ln.id for ln in self.lines}
        if w.instance.horizon > self.days:
            raise ValueError(f"{where}: the instance's {w.instance.horizon} days exceed the "
                             f"scenario's {self.days}")
        for t, dep in sorted(w.departures.items()):
            if not 0 <= dep < self.shifts_per_day:
                raise ValueError(f"{where}.departures.{t}: {dep} outside "
                                 f"0..{self.shifts_per_day - 1}")
        for e, line in sorted(w.home_lines().items()):
            if line not in lines:
                raise ValueError(f"{where}.homes.{e}: unknown line {line!r}")
        inst = w.instance
        for emp in inst.staff:  # a cheap necessary condition of the benchmark's hard rules
            lengths = [s.minutes for s in inst.shifts if emp.max_shifts.get(s.id, 1) > 0]
            days = inst.horizon - len(inst.days_off.get(emp.id, ()))
            most = days * max(lengths, default=0)
            if emp.min_minutes > most:
                raise ValueError(f"{where}: employee {emp.id}: MinTotalMinutes "
                                 f"{emp.min_minutes}, "
                                 f"at most {most} in {days} working days")

    def line(self, line_id: str) -> Line:
        """The line of that id."""
        return next(ln for ln in self.lines if ln.id == line_id)

    def members(self, line_id: str) -> list[str]:
        """Wards with nurses on the line, in the scenario's order."""
        return [w.id for w in self.wards if line_id in w.home_lines().values()]

    def host_ward(self, line_id: str) -> str:
        """The ward that runs the line's manager: recorded, else the one with most nurses
        on the line (first listed on a tie)."""
        ln = self.line(line_id)
        if ln.host_ward is not None:
            return ln.host_ward
        return max(self.wards, key=lambda w: self.riders(w.id, line_id)).id

    def riders(self, ward_id: str | None, line_id: str) -> int:
        """Nurses living on the line, of one ward (None: of every ward)."""
        return sum(line == line_id for w in self.wards if ward_id in (None, w.id)
                   for line in w.home_lines().values())
