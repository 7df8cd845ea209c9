"""Groups formed from students' choices, as the source's coordinator forms them: the
students who chose a discipline, united in groups of at most ``size`` students. The
importer writes both the groups (their seats) and the choices; at run time the
coordinator of ``classes`` seats each student (``protocols/classes/enrolment.py``).

A group is one section of one discipline: the students who chose it, in order of career
and tag (so a section keeps a career together), cut into the fewest groups of at most
``size`` students, as even as can be. A student who chose several disciplines sits in a
group of each; the domain's groups are its agents, so clashes between one student's
groups of different disciplines are not checked (docs/classes.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accord.domains.classes.scenario import Group, Student


@dataclass(frozen=True)
class Choice:
    """A student's choice of a discipline."""

    student: str
    career: str
    discipline: str


def sections(choices: Iterable[Choice], size: int) -> list[tuple[str, str, list[str]]]:
    """Each group's id (``CODE-k``, k from 1), discipline and students (in order of career
    and tag), the disciplines in the order they are first chosen."""
    chosen: dict[str, dict[str, str]] = {}
    for c in choices:
        chosen.setdefault(c.discipline, {}).setdefault(c.student, c.career)
    out = []
    for code, students in chosen.items():
        order = sorted(students, key=lambda s: (students[s], s))
        n, first = len(order), 0
        k = -(-n // size)
        for i in range(k):
            count = n // k + (1 if i < n % k else 0)
            out.append((f"{code}-{i + 1}", code, order[first:first + count]))
            first += count
    return out


def form_groups(choices: Iterable[Choice], size: int) -> list[Group]:
    """The groups of at most ``size`` students of every chosen discipline."""
    return [Group(id=gid, disciplines=[code], students=len(members))
            for gid, code, members in sections(choices, size)]


def students_of(choices: Iterable[Choice]) -> list[Student]:
    """Each student's choices, students and disciplines in the order first chosen: what
    the coordinator of ``classes`` seats in the groups at run time."""
    out: dict[str, Student] = {}
    for c in choices:
        st = out.setdefault(c.student, Student(id=c.student, career=c.career))
        if c.discipline not in st.disciplines:
            st.disciplines.append(c.discipline)
    return list(out.values())
