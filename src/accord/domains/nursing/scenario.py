"""The toy hospital of the seed: wards roster nurses, the hospital drives them home by cab.

A week has ``days × shifts_per_day`` shifts, numbered from 0 (day 0's first shift). Every
nurse lives on one transportation line and rides it for every shift she works. Qualification
levels run from 1 (junior) to ``levels`` (senior); a ward's ``cover[shift][k]`` is how many
of its nurses of level ``k + 1`` *or above* the shift needs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from accord.model.scenario import ScenarioBase


class Line(BaseModel):
    """A transportation line: cabs of ``capacity`` seats, ``cost_per_cab`` per shift.

    ``host_ward`` runs the line's manager (the ward with most nurses on it; None: derived).
    """

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    capacity: int = Field(ge=1)
    cost_per_cab: list[int]
    host_ward: str | None = None


class NursePrivate(BaseModel):
    """What only the ward knows and never sends: shifts the nurse prefers (each shift
    worked outside them costs ``weight``; an empty list: no preference) and shifts she
    cannot work."""

    model_config = ConfigDict(extra="forbid")
    preferred: list[int] = Field(default_factory=list)
    forbidden: list[int] = Field(default_factory=list)
    weight: int = Field(default=1, ge=0)


class Nurse(BaseModel):
    """A nurse: her home line, qualification level and shifts per week."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    line: str
    level: int = Field(ge=1)
    shifts: int = Field(ge=0)
    private: NursePrivate = Field(default_factory=NursePrivate)


class Ward(BaseModel):
    """A ward agent: its nurses and the cover each shift needs per qualification level."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    nurses: list[Nurse] = Field(min_length=1)
    cover: list[list[int]]


class NursingScenario(ScenarioBase):
    """Wards rostering nurses for one week over shared transportation lines.

    The global cost is transport cost + ``penalty_weight`` × the wards' total penalty.
    """

    domain: Literal["nursing"] = "nursing"
    protocol: str = "transport"
    days: int = Field(default=7, ge=1)
    shifts_per_day: int = Field(default=3, ge=1)
    levels: int = Field(default=3, ge=1)
    penalty_weight: int = Field(default=1, ge=0)
    lines: list[Line] = Field(min_length=1)
    wards: list[Ward] = Field(min_length=1)

    @property
    def shifts(self) -> int:
        """Shifts in the week."""
        return self.days * self.shifts_per_day

    @model_validator(mode="after")
    def _consistent(self) -> NursingScenario:
        names = ([ln.id for ln in self.lines] + [w.id for w in self.wards]
                 + [n.id for w in self.wards for n in w.nurses])
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"ids must be unique; repeated: {', '.join(dup)}")
        lines, wards, n = {ln.id for ln in self.lines}, {w.id for w in self.wards}, self.shifts
        for i, ln in enumerate(self.lines):
            if len(ln.cost_per_cab) != n or min(ln.cost_per_cab) < 0:
                raise ValueError(f"lines[{i}].cost_per_cab: need {n} costs >= 0 (one per shift)")
            if ln.host_ward is not None and ln.host_ward not in wards:
                raise ValueError(f"lines[{i}].host_ward: unknown ward {ln.host_ward!r}")
        for i, w in enumerate(self.wards):
            if len(w.cover) != n or any(len(c) != self.levels or min(c) < 0 for c in w.cover):
                raise ValueError(f"wards[{i}].cover: need {n} rows of {self.levels} counts >= 0")
            for j, nu in enumerate(w.nurses):
                where = f"wards[{i}].nurses[{j}]"
                if nu.line not in lines:
                    raise ValueError(f"{where}.line: unknown line {nu.line!r}")
                if nu.level > self.levels:
                    raise ValueError(f"{where}.level: above levels ({self.levels})")
                if nu.shifts > n:
                    raise ValueError(f"{where}.shifts: more than the {n} shifts of the week")
                bad = [s for s in nu.private.preferred + nu.private.forbidden
                       if not 0 <= s < n]
                if bad:
                    raise ValueError(f"{where}.private: shift {bad[0]} outside 0..{n - 1}")
        return self

    def line(self, line_id: str) -> Line:
        """The line of that id."""
        return next(ln for ln in self.lines if ln.id == line_id)

    def members(self, line_id: str) -> list[str]:
        """Wards with nurses on the line, in the scenario's order."""
        return [w.id for w in self.wards if any(n.line == line_id for n in w.nurses)]

    def host_ward(self, line_id: str) -> str:
        """The ward that runs the line's manager: recorded, else the one with most nurses
        on the line (first listed on a tie)."""
        ln = self.line(line_id)
        if ln.host_ward is not None:
            return ln.host_ward
        return max(self.wards, key=lambda w: sum(n.line == line_id for n in w.nurses)).id
