"""A dismissal timetable as a CSV file per classroom: when its students leave (minutes
from the bell), through which exit and batch, how many."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime

from accord.domains.dismissal.scenario import DismissalScenario
from accord.domains.files import file_name
from accord.model.plan import Plan

CSV_COLUMNS = ("classroom", "offset_minutes", "bottleneck", "batch", "students")


def per_classroom(sc: DismissalScenario, plans: Mapping[str, Plan],
                  stamp: datetime) -> dict[str, str]:
    """``classroom-<id>.csv`` for every classroom, its offsets in time order (a classroom
    without a plan has the header only)."""
    out = {}
    for c in sc.classrooms:
        b = sc.bottleneck_of(c)
        plan = plans.get(c.id)
        students = sorted((int(o), n) for o, n in plan.assignment.items()) if plan else []
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for offset, n in students:
            if n:
                w.writerow([c.id, offset, b.id, b.batch_of(offset), n])
        out[file_name("classroom", c.id, "csv")] = buf.getvalue()
    return out
