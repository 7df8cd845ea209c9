"""The ITC-2007 track 3 formats: ``.ctt`` instances and ``.sol`` solutions.

Reading an instance is strict: anything malformed is a ScenarioError naming the file and
the line. Reading a solution follows the official validator: a line naming an unknown
course, room, day or period, or repeating a course's period, is skipped with a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from accord.domains.university.instance import Course, Curriculum, Instance, Lecture, Room
from accord.model.errors import LineErrors, ScenarioError, read_text_file
from accord.model.limits import COUNT_MAX

LARGEST = {"Days": 7, "Periods_per_day": 24 * 60}
"""A week's days, and a day's minutes: more is no timetable of a week."""

HEADER = ("Name", "Courses", "Rooms", "Days", "Periods_per_day", "Curricula", "Constraints")


class _Lines(LineErrors):
    """Non-blank lines with their numbers, consumed in order."""

    def __init__(self, source: str, text: str) -> None:
        super().__init__(source)
        self.items = [(n, ln.strip()) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()]
        self.pos = 0
        self.last = len(text.splitlines())

    def next(self, what: str) -> tuple[int, list[str]]:
        if self.pos >= len(self.items):
            raise ScenarioError(self.source, f"line {self.last}", f"file ends before {what}")
        n, text = self.items[self.pos]
        self.pos += 1
        return n, text.split()



def parse_ctt(text: str, source: str = "<ctt>") -> Instance:
    """Parse a ``.ctt`` instance; errors are one line naming the file and line number."""
    lines = _Lines(source, text.removeprefix("\ufeff"))
    head: dict[str, str] = {}
    for key in HEADER:
        n, tok = lines.next(f"the header field {key}")
        if len(tok) != 2 or tok[0] != f"{key}:":
            raise lines.fail(n, f"expected '{key}: value', got {' '.join(tok)!r}")
        head[key] = tok[1]
        if key != "Name":
            lines.integer(n, tok[1], key, minimum=1 if key in ("Courses", "Rooms", "Days",
                                                                "Periods_per_day") else 0,
                          maximum=LARGEST.get(key, COUNT_MAX))
    days, ppd = int(head["Days"]), int(head["Periods_per_day"])

    def section(name: str) -> None:
        n, tok = lines.next(f"section {name}")
        if tok != [f"{name}:"]:
            raise lines.fail(n, f"expected '{name}:', got {' '.join(tok)!r}")

    section("COURSES")
    courses: list[Course] = []
    for _ in range(int(head["Courses"])):
        n, tok = lines.next("the end of COURSES")
        if len(tok) != 5:
            raise lines.fail(n, "a course is 'name teacher lectures min_working_days "
                                f"students', got {' '.join(tok)!r}")
        cid = tok[0]
        if any(c.id == cid for c in courses):
            raise lines.fail(n, f"course {cid} is listed twice")
        courses.append(Course(cid, tok[1], lines.integer(n, tok[2], "lectures", 1),
                              lines.integer(n, tok[3], "min_working_days"),
                              lines.integer(n, tok[4], "students")))
    known = {c.id for c in courses}
    section("ROOMS")
    rooms: list[Room] = []
    for _ in range(int(head["Rooms"])):
        n, tok = lines.next("the end of ROOMS")
        if len(tok) != 2:
            raise lines.fail(n, f"a room is 'name capacity', got {' '.join(tok)!r}")
        rooms.append(Room(tok[0], lines.integer(n, tok[1], "capacity", 1)))
    section("CURRICULA")
    curricula: list[Curriculum] = []
    for _ in range(int(head["Curricula"])):
        n, tok = lines.next("the end of CURRICULA")
        if len(tok) < 2:
            raise lines.fail(n, f"a curriculum is 'name size course...', got {' '.join(tok)!r}")
        size = lines.integer(n, tok[1], "curriculum size", 1)
        members = tok[2:]
        if len(members) != size:
            raise lines.fail(n, f"curriculum {tok[0]} announces {size} courses, lists "
                                f"{len(members)}")
        for m in members:
            if m not in known:
                raise lines.fail(n, f"curriculum {tok[0]} names unknown course {m}")
        curricula.append(Curriculum(tok[0], tuple(members)))
    section("UNAVAILABILITY_CONSTRAINTS")
    unavailable: set[tuple[str, int]] = set()
    for _ in range(int(head["Constraints"])):
        n, tok = lines.next("the end of UNAVAILABILITY_CONSTRAINTS")
        if len(tok) != 3:
            raise lines.fail(n, f"a constraint is 'course day period', got {' '.join(tok)!r}")
        if tok[0] not in known:
            raise lines.fail(n, f"unavailability names unknown course {tok[0]}")
        day, slot = lines.integer(n, tok[1], "day"), lines.integer(n, tok[2], "period")
        if day >= days or slot >= ppd:
            raise lines.fail(n, f"day {day} period {slot} is outside {days} days × {ppd} "
                                "periods")
        unavailable.add((tok[0], day * ppd + slot))
    n, tok = lines.next("END.")
    if tok != ["END."]:
        raise lines.fail(n, f"expected 'END.', got {' '.join(tok)!r}")
    return Instance(head["Name"], days, ppd, courses, rooms, curricula, unavailable)


def read_ctt(path: str | Path) -> Instance:
    """Read a ``.ctt`` file."""
    return parse_ctt(read_text_file(path), str(path))


def format_sol(lectures: Iterable[Lecture]) -> str:
    """The competition's solution format: one ``course room day period`` line per lecture."""
    return "".join(f"{lec.course} {lec.room} {lec.day} {lec.slot}\n" for lec in lectures)


def parse_sol(inst: Instance, text: str) -> tuple[list[Lecture], list[str]]:
    """Read a solution as the official validator does: returns lectures and warnings."""
    courses = {c.id for c in inst.courses}
    rooms = {r.id for r in inst.rooms}
    seen: set[tuple[str, int]] = set()
    out: list[Lecture] = []
    warnings: list[str] = []
    tokens = text.split()
    for i in range(0, len(tokens) - len(tokens) % 4, 4):
        c, r, d, s = tokens[i:i + 4]
        try:
            day, slot = int(d), int(s)
        except ValueError:
            warnings.append(f"entry {i // 4 + 1}: day and period must be numbers")
            break  # the validator's stream stops reading here
        if c not in courses:
            warnings.append(f"Nonexisting course {c} (entry skipped)")
        elif r not in rooms:
            warnings.append(f"Nonexisting room {r} (entry skipped)")
        elif not 0 <= day < inst.days:
            warnings.append(f"Nonexisting day {day} (entry skipped)")
        elif not 0 <= slot < inst.periods_per_day:
            warnings.append(f"Nonexisting period {slot} (entry skipped)")
        elif (c, inst.period(day, slot)) in seen:
            warnings.append(f"Repeated entry: {c} {r} {day} {slot} (entry skipped)")
        else:
            seen.add((c, inst.period(day, slot)))
            out.append(Lecture(c, r, day, slot))
    return out, warnings
