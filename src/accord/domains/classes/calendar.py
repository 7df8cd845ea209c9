"""Each group's, professor's and classroom's timetable as CSV and as iCalendar (RFC 5545).

The scenario's week has no dates: the calendar's first week is the one the run started
in (its Monday on or before the run's start), a day of the week falls on its weekday
(``Mon`` ... ``Sun``, by its first three letters; any other name by its position in
``week.days``), and every class is a weekly event for ``TERM_WEEKS`` weeks, in floating
local time. A class has one UID wherever it appears (its group's, professor's and
classroom's calendars), the same in every export of the same timetable. Classes off the
week (an unknown day, off the steps) are left out; they are hard violations already.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from accord.domains.classes.scenario import ClassesScenario, minutes_of
from accord.domains.classes.timetable import Lesson, lessons_of, steps_of
from accord.domains.files import file_name, first_monday
from accord.domains.ical import escape, fold
from accord.model.plan import Plan

TERM_WEEKS = 16
CSV_COLUMNS = ("group", "discipline", "name", "kind", "professor", "classroom", "students",
               "day", "start", "end", "minutes")
WEEKDAY = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
ROLES = ("group", "professor", "classroom")


@dataclass(frozen=True)
class Session:
    """One class of the timetable, with its clock times in the first week."""

    group: str
    lesson: Lesson
    name: str
    students: int
    start: datetime
    end: datetime


def sessions(sc: ClassesScenario, plans: Mapping[str, Plan], stamp: datetime) -> list[Session]:
    """Every class on the week, in time order, with clock times."""
    monday = first_monday(stamp)
    names = {d.code: d.name for d in sc.disciplines}
    size = {g.id: g.students for g in sc.groups}
    out = []
    for group, plan in sorted(plans.items()):
        for x in lessons_of(plan):
            if steps_of(sc, x) is None:
                continue
            pos = sc.week.days.index(x.day)
            offset = WEEKDAY.get(x.day[:3].lower(), pos)
            start = monday + timedelta(days=offset, minutes=minutes_of(x.start))
            out.append(Session(group, x, names.get(x.discipline, ""), size.get(group, 0),
                               start, start + timedelta(minutes=x.minutes)))
    return sorted(out, key=lambda s: (s.start, s.group, s.lesson.discipline, s.lesson.kind))


def of(rows: list[Session], role: str, who: str) -> list[Session]:
    """The sessions of one group, professor or classroom."""
    if role == "group":
        return [s for s in rows if s.group == who]
    return [s for s in rows if getattr(s.lesson, role) == who]


def to_csv(rows: list[Session]) -> str:
    """CSV with a header row: the day's name and ``HH:MM`` times of the week."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for s in rows:
        x = s.lesson
        w.writerow([s.group, x.discipline, s.name, x.kind, x.professor, x.classroom,
                    s.students, x.day, x.start, s.end.strftime("%H:%M"), x.minutes])
    return buf.getvalue()


def uid(sc: ClassesScenario, s: Session) -> str:
    """A class's UID: the same in every calendar it appears in and every export."""
    x = s.lesson
    return f"{sc.name}-{s.group}-{x.discipline}-{x.kind}-{x.day}-{x.start}@accord"


def to_ics(sc: ClassesScenario, title: str, rows: list[Session], stamp: datetime) -> str:
    """An iCalendar file: a weekly event per class."""
    fmt = "%Y%m%dT%H%M%S"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//accord//classes timetable//EN",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{escape(f'{sc.name} {title}')}"]
    for s in rows:
        x = s.lesson
        summary = f"{x.discipline} {s.name}".strip() + f" ({x.kind})"
        about = f"group {s.group} ({s.students} students), professor {x.professor}"
        lines += ["BEGIN:VEVENT", f"UID:{escape(uid(sc, s))}",
                  f"DTSTAMP:{stamp.strftime(fmt)}Z",
                  f"DTSTART:{s.start.strftime(fmt)}", f"DTEND:{s.end.strftime(fmt)}",
                  f"RRULE:FREQ=WEEKLY;COUNT={TERM_WEEKS}",
                  f"SUMMARY:{escape(summary)}", f"LOCATION:{escape(x.classroom)}",
                  f"DESCRIPTION:{escape(about)}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def timetables(sc: ClassesScenario, plans: Mapping[str, Plan], stamp: datetime,
               fmt: str) -> dict[str, str]:
    """A file per group, professor and classroom (one with no class has none listed)."""
    rows = sessions(sc, plans, stamp)
    ids = {"group": [g.id for g in sc.groups], "professor": [p.id for p in sc.professors],
           "classroom": [r.id for r in sc.classrooms]}
    out = {}
    for role in ROLES:
        for who in ids[role]:
            mine = of(rows, role, who)
            out[file_name(role, who, fmt)] = (to_csv(mine) if fmt == "csv" else
                                              to_ics(sc, f"{role} {who}", mine, stamp))
    return out
