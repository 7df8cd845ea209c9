"""The Curtois & Qu shift-scheduling benchmark format: one ward's roster problem.

A file is made of ``SECTION_*`` headers, each followed by comma-separated data lines;
``#`` starts a comment line. Reading is strict: anything malformed is a ScenarioError
naming the file and the line; SECTION_COVER must list every day and shift type, as every
published instance does, so a file cut short inside it is refused where it ends. Day 0
is a Monday, so weekends are days (5, 6), (12, 13), …
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from accord.model.errors import LineErrors, read_text_file

MAX_HORIZON = 366
"""Days of a horizon at most: a year (the longest published instance has 364)."""

SECTIONS = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_DAYS_OFF",
            "SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS", "SECTION_COVER")


@dataclass(frozen=True)
class Shift:
    """A shift type: its length in minutes and the shifts that cannot follow it next day."""

    id: str
    minutes: int
    cannot_follow: frozenset[str]


@dataclass(frozen=True)
class Staff:
    """An employee's hard limits. A shift type missing from ``max_shifts`` is unlimited."""

    id: str
    max_shifts: Mapping[str, int] = field(hash=False)
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A wish to work (on-request) or not to work (off-request) a shift on a day."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """How many people a shift needs on a day, and the weight per person under and over."""

    day: int
    shift: str
    requirement: int
    under: int
    over: int


@dataclass(frozen=True)
class WardInstance:
    """One ward's roster problem, as read from a benchmark file."""

    name: str
    horizon: int
    shifts: tuple[Shift, ...]
    staff: tuple[Staff, ...]
    days_off: Mapping[str, frozenset[int]] = field(hash=False)
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    covers: tuple[Cover, ...]

    @property
    def weekends(self) -> tuple[tuple[int, ...], ...]:
        """The Saturday–Sunday pairs in the horizon (a trailing lone Saturday included)."""
        return tuple(tuple(d for d in (sat, sat + 1) if d < self.horizon)
                     for sat in range(5, self.horizon, 7))


class _Reader(LineErrors):
    """Data lines grouped by section, with their numbers, and one-line errors."""

    def __init__(self, source: str, text: str) -> None:
        super().__init__(source)
        lines = text.splitlines()
        self.last = len(lines)
        self.sections: dict[str, list[tuple[int, list[str]]]] = {}
        current: list[tuple[int, list[str]]] | None = None
        for n, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("SECTION_"):
                if line not in SECTIONS:
                    raise self.fail(n, f"unknown section {line}")
                if line in self.sections:
                    raise self.fail(n, f"{line} appears twice")
                current = self.sections[line] = []
            elif current is None:
                raise self.fail(n, f"data before any section: {line!r}")
            else:
                current.append((n, [tok.strip() for tok in line.split(",")]))

    def section(self, name: str) -> list[tuple[int, list[str]]]:
        if name not in self.sections:
            raise self.fail(self.last, f"file ends without {name}")
        return self.sections[name]

    def fields(self, line: int, tok: list[str], layout: str, count: int | None) -> None:
        """Check the field count (``None``: at least two) against the layout's name."""
        if (len(tok) != count) if count is not None else len(tok) < 2:
            raise self.fail(line, f"expected '{layout}', got {','.join(tok)!r}")

    def day(self, line: int, token: str, horizon: int) -> int:
        value = self.integer(line, token, "day")
        if value >= horizon:
            raise self.fail(line, f"day {value} is outside the horizon of {horizon} days")
        return value

    def known(self, line: int, token: str, ids: Mapping[str, object], what: str) -> str:
        if token not in ids:
            raise self.fail(line, f"unknown {what} {token!r}")
        return token


def _horizon(rd: _Reader) -> int:
    rows = rd.section("SECTION_HORIZON")
    if len(rows) != 1:
        raise rd.fail(rows[1][0] if rows else rd.last, "SECTION_HORIZON holds one number")
    n, tok = rows[0]
    rd.fields(n, tok, "days", 1)
    return rd.integer(n, tok[0], "horizon", 1, MAX_HORIZON)


def _shifts(rd: _Reader) -> dict[str, Shift]:
    rows = rd.section("SECTION_SHIFTS")
    if not rows:
        raise rd.fail(rd.last, "SECTION_SHIFTS lists no shift")
    shifts: dict[str, Shift] = {}
    for n, tok in rows:
        rd.fields(n, tok, "ShiftID,minutes,cannot-follow|...", 3)
        if tok[0] in shifts:
            raise rd.fail(n, f"shift {tok[0]} is listed twice")
        follow = frozenset(t.strip() for t in tok[2].split("|")) if tok[2] else frozenset()
        shifts[tok[0]] = Shift(tok[0], rd.integer(n, tok[1], "shift length", 1), follow)
    for n, tok in rows:
        for t in sorted(shifts[tok[0]].cannot_follow):
            rd.known(n, t, shifts, "shift")
    return shifts


def _staff(rd: _Reader, shifts: Mapping[str, Shift]) -> dict[str, Staff]:
    rows = rd.section("SECTION_STAFF")
    if not rows:
        raise rd.fail(rd.last, "SECTION_STAFF lists no employee")
    staff: dict[str, Staff] = {}
    layout = ("ID,Shift=max|...,MaxTotalMinutes,MinTotalMinutes,MaxConsecutiveShifts,"
              "MinConsecutiveShifts,MinConsecutiveDaysOff,MaxWeekends")
    names = layout.split(",")[2:]
    for n, tok in rows:
        rd.fields(n, tok, layout, 8)
        if tok[0] in staff:
            raise rd.fail(n, f"employee {tok[0]} is listed twice")
        limits: dict[str, int] = {}
        for pair in tok[1].split("|") if tok[1] else []:
            sid, eq, value = pair.partition("=")
            if not eq:
                raise rd.fail(n, f"expected 'Shift=max', got {pair!r}")
            sid = rd.known(n, sid.strip(), shifts, "shift")
            if sid in limits:
                raise rd.fail(n, f"shift {sid} has two maxima")
            limits[sid] = rd.integer(n, value.strip(), f"max shifts {sid}")
        nums = [rd.integer(n, t, what) for t, what in zip(tok[2:], names, strict=True)]
        if nums[1] > nums[0]:
            raise rd.fail(n, f"MinTotalMinutes {nums[1]} exceeds MaxTotalMinutes {nums[0]}")
        staff[tok[0]] = Staff(tok[0], limits, *nums)
    return staff


def _days_off(rd: _Reader, staff: Mapping[str, Staff], horizon: int
              ) -> dict[str, frozenset[int]]:
    out: dict[str, frozenset[int]] = {}
    for n, tok in rd.section("SECTION_DAYS_OFF"):
        rd.fields(n, tok, "EmployeeID,day,...", None)
        emp = rd.known(n, tok[0], staff, "employee")
        if emp in out:
            raise rd.fail(n, f"employee {emp} has a second days-off line")
        days = [rd.day(n, t, horizon) for t in tok[1:]]
        if len(set(days)) != len(days):
            raise rd.fail(n, "a day off is listed twice")
        out[emp] = frozenset(days)
    return out


def _requests(rd: _Reader, name: str, staff: Mapping[str, Staff],
              shifts: Mapping[str, Shift], horizon: int) -> tuple[Request, ...]:
    out: dict[tuple[str, int, str], Request] = {}
    for n, tok in rd.section(name):
        rd.fields(n, tok, "EmployeeID,Day,ShiftID,Weight", 4)
        req = Request(rd.known(n, tok[0], staff, "employee"), rd.day(n, tok[1], horizon),
                      rd.known(n, tok[2], shifts, "shift"), rd.integer(n, tok[3], "weight"))
        key = (req.employee, req.day, req.shift)
        if key in out:
            raise rd.fail(n, f"request {','.join(tok[:3])} is listed twice")
        out[key] = req
    return tuple(out.values())


def _covers(rd: _Reader, shifts: Mapping[str, Shift], horizon: int) -> tuple[Cover, ...]:
    out: dict[tuple[int, str], Cover] = {}
    for n, tok in rd.section("SECTION_COVER"):
        rd.fields(n, tok, "Day,ShiftID,Requirement,WeightUnder,WeightOver", 5)
        cover = Cover(rd.day(n, tok[0], horizon), rd.known(n, tok[1], shifts, "shift"),
                      rd.integer(n, tok[2], "requirement"), rd.integer(n, tok[3], "weight under"),
                      rd.integer(n, tok[4], "weight over"))
        if (cover.day, cover.shift) in out:
            raise rd.fail(n, f"cover of day {cover.day} shift {cover.shift} is listed twice")
        out[cover.day, cover.shift] = cover
    missing = [(d, s) for d in range(horizon) for s in shifts if (d, s) not in out]
    if missing:  # every published instance lists them all: a gap is a file cut short
        d, s = missing[0]
        raise rd.fail(rd.last, f"SECTION_COVER ends without day {d} shift {s}: every day "
                               f"and shift type needs a cover ({len(out)} of "
                               f"{horizon * len(shifts)} listed; is the file cut short?)")
    return tuple(out.values())


def parse_curtois(text: str, source: str = "<curtois>") -> WardInstance:
    """Parse a benchmark file; errors are one line naming the source and line number."""
    rd = _Reader(source, text.removeprefix("\ufeff"))
    horizon = _horizon(rd)
    shifts = _shifts(rd)
    staff = _staff(rd, shifts)
    return WardInstance(
        name=Path(source).stem, horizon=horizon, shifts=tuple(shifts.values()),
        staff=tuple(staff.values()), days_off=_days_off(rd, staff, horizon),
        on_requests=_requests(rd, "SECTION_SHIFT_ON_REQUESTS", staff, shifts, horizon),
        off_requests=_requests(rd, "SECTION_SHIFT_OFF_REQUESTS", staff, shifts, horizon),
        covers=_covers(rd, shifts, horizon))


def read_curtois(path: str | Path) -> WardInstance:
    """Read a benchmark file."""
    return parse_curtois(read_text_file(path), str(path))
