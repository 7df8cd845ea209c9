"""Each department's timetable as CSV rows and as an iCalendar (RFC 5545) file.

Periods become clock times through the scenario's ``calendar`` (first day, start of the
first period, period length, weeks); ITC-2007 instances have none, so the defaults apply.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from accord.domains.ical import escape, fold
from accord.domains.university.instance import Lecture
from accord.domains.university.scenario import UniversityScenario

CSV_COLUMNS = ("department", "course", "teacher", "students", "room", "day", "period",
               "start", "end")


@dataclass(frozen=True)
class Session:
    """One lecture of a department's timetable, with its clock times in the first week."""

    department: str
    course: str
    teacher: str
    students: int
    room: str
    day: int
    period: int
    start: datetime
    end: datetime


def sessions(sc: UniversityScenario, dept: str, lectures: list[Lecture]) -> list[Session]:
    """The department's lectures in time order, with clock times."""
    courses = {c.id: c for d in sc.departments if d.id == dept for c in d.courses}
    cal = sc.calendar
    first = datetime.combine(cal.first_day, cal.day_start)
    out = []
    for lec in lectures:
        if lec.course not in courses:
            continue
        c = courses[lec.course]
        start = first + timedelta(days=lec.day, minutes=lec.slot * cal.period_minutes)
        out.append(Session(dept, c.id, c.teacher, c.students, lec.room, lec.day, lec.slot,
                           start, start + timedelta(minutes=cal.period_minutes)))
    return sorted(out, key=lambda s: (s.start, s.room, s.course))


def to_csv(rows: list[Session]) -> str:
    """CSV with a header row; times in ISO 8601."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for s in rows:
        w.writerow([s.department, s.course, s.teacher, s.students, s.room, s.day, s.period,
                    s.start.isoformat(timespec="minutes"), s.end.isoformat(timespec="minutes")])
    return buf.getvalue()


def to_ics(sc: UniversityScenario, dept: str, rows: list[Session], stamp: datetime) -> str:
    """An iCalendar file: one weekly event per lecture (``calendar.weeks`` weeks), floating
    local times, UIDs stable across exports of the same timetable."""
    fmt = "%Y%m%dT%H%M%S"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//accord//university timetable//EN",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{escape(f'{sc.name} {dept}')}"]
    for s in rows:
        lines += ["BEGIN:VEVENT",
                  f"UID:{escape(f'{sc.name}-{dept}-{s.course}-{s.day}-{s.period}')}@accord",
                  f"DTSTAMP:{stamp.strftime(fmt)}Z",
                  f"DTSTART:{s.start.strftime(fmt)}", f"DTEND:{s.end.strftime(fmt)}"]
        if sc.calendar.weeks > 1:
            lines.append(f"RRULE:FREQ=WEEKLY;COUNT={sc.calendar.weeks}")
        lines += [f"SUMMARY:{escape(s.course)}", f"LOCATION:{escape(s.room)}",
                  f"DESCRIPTION:{escape(f'teacher {s.teacher}, {s.students} students')}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
