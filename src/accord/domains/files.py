"""What the domains' exporters share: the names of the files they write (one per agent
or role) and the week a run's calendar starts in."""

from __future__ import annotations

import re
from datetime import datetime, timedelta


def file_name(role: str, who: str, fmt: str) -> str:
    """``group-G1.csv``: the role, the id (characters unsafe in a file name as ``_``)."""
    return f"{role}-{re.sub(r'[^A-Za-z0-9_.-]', '_', who)}.{fmt}"


def first_monday(stamp: datetime) -> datetime:
    """Midnight of the Monday on or before ``stamp``."""
    day = datetime(stamp.year, stamp.month, stamp.day)
    return day - timedelta(days=day.weekday())
