"""The coordinator's second phase of ``classes``: once every group has reported, classes
left because their professors are full, and professors short of their minimum, are
settled by re-opening negotiations with other professors.

What it reads is public: who can teach what, each professor's minimum and maximum, and
the classes each holds (group and discipline, from ``ProfessorGoalReport``). A class a
group still lacks needs a professor able to teach it with a class to spare; where all are
at their maximum, a **chain of moves** frees one: a class of the full professor that
another professor can teach moves there (the group holding it re-negotiates it with the
other professor, ``ReopenNegotiation`` with ``release``, and releases the old one once
the new one is placed), and so on until a professor with a class to spare (a shortest
chain, found breadth first, as an augmenting path of a matching). Then the group lacking
the class negotiates it with the freed professor. A professor short of its minimum takes
classes it can teach from professors above theirs, the same way.

Every move keeps its group's minutes; a failed negotiation (no agreed time) bans that move
or professor for the class, so the phase ends; each class lacking has at most as many
failed attempts as there are professors.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from accord.contract import MeetingHost
from accord.protocols.classes.messages import HeldClass, ProfessorGoalReport


@dataclass(frozen=True)
class Move:
    """A class to move from professor ``source`` to professor ``target``."""

    held: HeldClass
    source: str
    target: str


class Staff:
    """The professors as the coordinator knows them after the groups' reports."""

    def __init__(self, hosts: Iterable[MeetingHost],
                 goals: dict[str, ProfessorGoalReport]) -> None:
        hs = sorted(hosts, key=lambda h: (not h.first_scope, h.id))  # full-time first
        self.order = [h.id for h in hs]
        self.teaches = {h.id: set(h.subjects) for h in hs}
        self.min = {h.id: h.min_meetings for h in hs}
        self.max = {h.id: h.max_meetings for h in hs}
        self.held = {p: list(goals[p].classes) for p in self.order}

    def teachers(self, discipline: str) -> list[str]:
        """The professors able to teach a discipline, full-time first."""
        return [p for p in self.order if discipline in self.teaches[p]]

    def spare(self, p: str) -> bool:
        """Whether a professor can take one more class."""
        m = self.max[p]
        return m is None or len(self.held[p]) < m

    def short(self, p: str) -> int:
        """Classes a professor lacks for its minimum."""
        return max(0, self.min[p] - len(self.held[p]))

    def move(self, m: Move) -> None:
        self.held[m.source].remove(m.held)
        self.held[m.target].append(m.held)

    def chain(self, discipline: str, skip: set[str],
              banned: set[Move]) -> tuple[str, list[Move]] | None:
        """A professor for one more class of ``discipline`` (not in ``skip``) and the moves,
        in the order to make them, that give it a class to spare; None when none does."""
        parent: dict[str, tuple[str, HeldClass] | None] = {}
        queue: deque[str] = deque()
        for p in self.teachers(discipline):
            if p not in skip:
                parent[p] = None
                queue.append(p)
        while queue:
            p = queue.popleft()
            if self.spare(p):
                moves: list[Move] = []
                while (link := parent[p]) is not None:
                    moves.append(Move(link[1], link[0], p))
                    p = link[0]
                return p, moves
            for c in self.held[p]:
                for q in self.teachers(c.discipline):
                    if q not in parent and Move(c, p, q) not in banned:
                        parent[q] = (p, c)
                        queue.append(q)
        return None

    def donors(self, p: str) -> list[Move]:
        """Classes professor ``p`` could take from professors above their minimum, those
        with most classes above it first."""
        out = [Move(c, q, p) for q in self.order if q != p
               for c in dict.fromkeys(self.held[q]) if c.discipline in self.teaches[p]]
        return sorted(out, key=lambda m: self.min[m.source] - len(self.held[m.source]))


Reopen = Callable[[HeldClass, str, str], Awaitable[bool]]
"""Ask a group to negotiate a class (group, discipline, lesson) with a professor in place
of the one held by another (empty: a class it lacks); whether it was placed."""


async def settle(staff: Staff, lacking: list[HeldClass], reopen: Reopen) -> tuple[int, int]:
    """Place what chains of moves can of the classes lacking (one entry per class), then
    give professors short of their minimum classes of others: the classes placed and
    moved."""
    placed = moved = 0
    banned: set[Move] = set()
    hopeless: set[HeldClass] = set()
    for c in lacking:
        skip: set[str] = set()
        failures = 0
        while c not in hopeless:
            found = staff.chain(c.discipline, skip, banned)
            if found is None or failures >= len(staff.order):
                hopeless.add(c)
                break
            p, moves = found
            for m in moves:
                if not await reopen(m.held, m.target, m.source):
                    banned.add(m)
                    failures += 1
                    break
                staff.move(m)
                moved += 1
            else:
                if await reopen(c, p, ""):
                    staff.held[p].append(c)
                    placed += 1
                    break
                skip.add(p)
                failures += 1
    for p in staff.order:
        for m in staff.donors(p):
            if not staff.short(p):
                break
            if len(staff.held[m.source]) > staff.min[m.source] and m.held in \
                    staff.held[m.source] and await reopen(m.held, p, m.source):
                staff.move(m)
                moved += 1
    return placed, moved
