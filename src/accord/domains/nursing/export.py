"""Each ward's roster as CSV and as iCalendar (RFC 5545).

The scenario has no dates: day 0 is the Monday on or before the run's start (the
benchmark's day 0 is a Monday). A day is cut into ``shifts_per_day`` equal shifts from
``DAY_START`` (3 shifts: 07–15, 15–23, 23–07); a toy nurse's shift lasts its part of the
day, a Curtois shift type starts at its departure's part and lasts its own minutes. Times
are floating local times; UIDs are the same in every export of the same roster.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from accord.domains.files import file_name, first_monday
from accord.domains.ical import escape, fold
from accord.domains.nursing import curtois_ward, rules
from accord.domains.nursing.scenario import AnyWard, NursingScenario, Ward
from accord.model.plan import Plan

DAY_START = timedelta(hours=7)
"""When the first shift of a day begins: the usual hospital change of 07:00."""
Write = Callable[[NursingScenario, Mapping[str, Plan], datetime], dict[str, str]]
CSV_COLUMNS = ("ward", "nurse", "day", "shift", "departure", "line", "start", "end")


@dataclass(frozen=True)
class Duty:
    """One shift a nurse works, with clock times."""

    ward: str
    nurse: str
    day: int
    shift: str
    departure: int
    line: str
    start: datetime
    end: datetime


def duties(sc: NursingScenario, ward: AnyWard, plan: Plan | None, monday: datetime
           ) -> list[Duty]:
    """The ward's roster in time order."""
    part = timedelta(days=1) / sc.shifts_per_day
    homes = ward.home_lines()
    worked: list[tuple[str, int, str, int, timedelta]] = []  # nurse, day, label, slot, length
    if isinstance(ward, Ward):
        for nurse, shifts in sorted(rules.roster_of(plan).items()):
            worked += [(nurse, s // sc.shifts_per_day, f"shift {s % sc.shifts_per_day + 1}",
                        s % sc.shifts_per_day, part) for s in shifts]
    else:
        minutes = {s.id: s.minutes for s in ward.instance.shifts}
        for (nurse, day), t in sorted(curtois_ward.assignment_of(plan).items()):
            worked.append((nurse, day, t, ward.departures[t], timedelta(minutes=minutes[t])))
    out = []
    for nurse, day, label, slot, length in worked:
        start = monday + timedelta(days=day) + DAY_START + slot * part
        out.append(Duty(ward.id, nurse, day, label, day * sc.shifts_per_day + slot,
                        homes.get(nurse, ""), start, start + length))
    return sorted(out, key=lambda d: (d.start, d.nurse))


def to_csv(rows: list[Duty]) -> str:
    """CSV with a header row; times in ISO 8601."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for d in rows:
        w.writerow([d.ward, d.nurse, d.day, d.shift, d.departure, d.line,
                    d.start.isoformat(timespec="minutes"), d.end.isoformat(timespec="minutes")])
    return buf.getvalue()


def to_ics(sc: NursingScenario, ward: str, rows: list[Duty], stamp: datetime) -> str:
    """An iCalendar file: an event per shift worked."""
    fmt = "%Y%m%dT%H%M%S"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//accord//nursing roster//EN",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{escape(f'{sc.name} {ward}')}"]
    for d in rows:
        ride = f", rides line {d.line}" if d.line else ""
        lines += ["BEGIN:VEVENT",
                  f"UID:{escape(f'{sc.name}-{ward}-{d.nurse}-{d.departure}')}@accord",
                  f"DTSTAMP:{stamp.strftime(fmt)}Z",
                  f"DTSTART:{d.start.strftime(fmt)}", f"DTEND:{d.end.strftime(fmt)}",
                  f"SUMMARY:{escape(f'{d.nurse}: {d.shift}')}", f"LOCATION:{escape(ward)}",
                  f"DESCRIPTION:{escape(f'day {d.day}, departure {d.departure}{ride}')}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def per_ward(fmt: str) -> Write:
    """The exporter's ``write``: a ``ward-<id>.csv`` or ``.ics`` file per ward."""
    def write(sc: NursingScenario, plans: Mapping[str, Plan], stamp: datetime
              ) -> dict[str, str]:
        monday = first_monday(stamp)
        out = {}
        for w in sc.wards:
            rows = duties(sc, w, plans.get(w.id), monday)
            out[file_name("ward", w.id, fmt)] = (to_csv(rows) if fmt == "csv"
                                                 else to_ics(sc, w.id, rows, stamp))
        return out
    return write
