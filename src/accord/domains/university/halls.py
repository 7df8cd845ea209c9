"""Lectures moved to other halls in their periods: what that changes in a department's cost.

Only room capacity and room stability depend on a lecture's hall (curriculum compactness,
working days and a department's own rules depend on periods), so the change is exact and
cheap to compute, and the room authority can swap halls between departments where
together they gain (``negotiate``'s swaps). A department wants two kinds of moves: one
lecture to a hall that seats its students better, and a course's lectures into one hall
(room stability, which moving one lecture at a time may never reach).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from accord.contract import Moves
from accord.domains.university.cpmodel import ROOM
from accord.domains.university.instance import Instance, Lecture
from accord.domains.university.validate import ROOM_STABILITY_COST
from accord.model.errors import ProtocolError
from accord.model.plan import Key


class Halls:
    """A department's lectures by the hall and period they hold."""

    def __init__(self, inst: Instance, lectures: list[Lecture]) -> None:
        self.lectures = lectures
        self.cap = {r.id: r.capacity for r in inst.rooms}
        self.halls = sorted(ROOM + r for r in self.cap)
        self.students = {c.id: c.students for c in inst.courses}
        self.at: dict[Key, Lecture] = {
            (ROOM + lec.room, inst.period(lec.day, lec.slot)): lec for lec in lectures}
        self.rooms: dict[str, Counter[str]] = {}
        """Each course's halls, with its lectures in each."""
        self.keys: dict[str, list[Key]] = {}
        """Each course's lectures by their keys, in order."""
        for key, lec in sorted(self.at.items()):
            self.rooms.setdefault(lec.course, Counter())[lec.room] += 1
            self.keys.setdefault(lec.course, []).append(key)

    def _lecture(self, key: Key) -> Lecture:
        if key not in self.at:
            raise ProtocolError(f"no lecture of the department in {key[0]} at period {key[1]}")
        return self.at[key]

    def delta(self, moves: Moves) -> int:
        """The change of cost if ``moves`` were made together."""
        seats = 0
        rooms: dict[str, Counter[str]] = {}
        for key, other in moves:
            lec, room = self._lecture(key), other[len(ROOM):]
            if not other.startswith(ROOM) or room not in self.cap:
                raise ProtocolError(f"no hall {other!r} to move a lecture to")
            n = self.students[lec.course]
            seats += max(0, n - self.cap[room]) - max(0, n - self.cap[lec.room])
            change = rooms.setdefault(lec.course, Counter())
            change[lec.room] -= 1
            change[room] += 1
        stability = 0
        for course, change in rooms.items():
            used = self.rooms[course]
            after = used.copy()
            after.update(change)
            stability += len(+after) - len(used)
        return seats + ROOM_STABILITY_COST * stability

    def wanted(self) -> list[tuple[Moves, int]]:
        """Every move of one lecture, and of a course's lectures into one hall, that
        lowers the cost; where the department's own lecture holds the hall in that
        period, the two swap halls."""
        out: list[tuple[Moves, int]] = []
        for key in sorted(self.at):
            for hall in self.halls:
                if hall != key[0] and (d := self.delta(moves := self.into(hall, [key]))) < 0:
                    out.append((moves, d))
        for course, keys in self.keys.items():
            if len(self.rooms[course]) < 2:
                continue
            for hall in self.halls:  # two lectures or more move (one is a move above)
                if sum(k[0] != hall for k in keys) > 1 and (
                        d := self.delta(moves := self.into(hall, keys))) < 0:
                    out.append((moves, d))
        return out

    def into(self, hall: str, keys: list[Key]) -> Moves:
        """The lectures at ``keys`` (of one course) into ``hall``, and the department's own
        lecture holding it in a period into the hall left there."""
        moves: list[tuple[Key, str]] = []
        for key in keys:
            if key[0] != hall:
                moves.append((key, hall))
                if (hall, key[1]) in self.at:
                    moves.append(((hall, key[1]), key[0]))
        return tuple(moves)

    def leave(self, offered: Moves, free: Collection[Key]) -> tuple[Moves, int]:
        """The cheapest moves that leave the halls of ``offered`` (each a lecture's key and
        the hall given in exchange in its period), into the halls given or ``free``
        ones, and their change of cost: each lecture into the hall given; or, leaving one
        hall, the lecture into any hall open in its period, or its course's lectures into
        one hall open in each of their periods (a course stays whole)."""
        options = [offered]
        if len(offered) == 1:
            ((key, given),) = offered
            open_ = {h for h, p in free if p == key[1] and h.startswith(ROOM)} - {given}
            options += [((key, h),) for h in sorted(open_)]
            keys = self.keys[self._lecture(key).course]
            for hall in self.halls:
                moves = tuple((k, hall) for k in keys if k[0] != hall)
                if len(moves) > 1 and key in dict(moves) and all(
                        (hall, k[1]) in free or (k == key and hall == given)
                        for k, _ in moves):
                    options.append(moves)
        return min(((m, self.delta(m)) for m in options), key=lambda o: o[1])

    def moved(self, moves: Moves) -> list[Lecture]:
        """The lectures with ``moves`` made."""
        to = {self._lecture(key): other[len(ROOM):] for key, other in moves}
        return [Lecture(lec.course, to[lec], lec.day, lec.slot) if lec in to else lec
                for lec in self.lectures]
