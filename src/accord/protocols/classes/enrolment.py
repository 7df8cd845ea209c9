"""The coordinator forms the groups from the students' choices at run time.

Each choice, in the order the office received them, goes to the first group of its
discipline (``AddStudent``); a group whose seats are all taken answers ``GroupIsFull`` and
the student is offered the next group of the discipline, and waits when every group is
full. Then each choice a student dropped frees its seat (``RemoveStudent``), and the first
student waiting for that discipline takes it. One student at a time travels, never a
group's roster.
"""

from __future__ import annotations

from accord.contract import MeetingsMarket, MemberChoice
from accord.model.messages import Ack
from accord.protocols.classes.messages import (
    AddStudent,
    GroupIsFull,
    RemoveStudent,
    StudentAdded,
)
from accord.runtime.agent import Agent, expect


async def enrol(office: Agent, market: MeetingsMarket, episode: int) -> dict[str, float]:
    """Seat every choice that a seat can be found for; the enrolment's metrics:
    ``seats_taken``, ``choices_without_seat`` and ``without_seat.<student>.<discipline>`` =
    1 for each choice left waiting."""
    if not market.choices:
        return {}
    sections: dict[str, list[str]] = {}
    for n in market.needs:
        if n.party not in sections.setdefault(n.subject, []):
            sections[n.subject].append(n.party)
    seat: dict[tuple[str, str], str] = {}
    waiting: list[MemberChoice] = []

    async def place(c: MemberChoice) -> bool:
        for g in sections.get(c.subject, []):
            r = await office.request(g, AddStudent(student=c.member, discipline=c.subject,
                                                   episode=episode))
            if isinstance(r.body, StudentAdded):
                seat[c.member, c.subject] = g
                return True
            expect(r, GroupIsFull)
        return False

    for c in market.choices:
        if not await place(c):
            waiting.append(c)
    for c in market.choices:
        g = seat.pop((c.member, c.subject), None) if c.dropped else None
        if g is None:
            continue
        expect(await office.request(g, RemoveStudent(student=c.member, discipline=c.subject,
                                                     episode=episode)), Ack)
        nxt = next((w for w in waiting if w.subject == c.subject and not w.dropped), None)
        if nxt is not None and await place(nxt):
            waiting.remove(nxt)
    left = [w for w in waiting if not w.dropped]
    out = {"seats_taken": float(len(seat)), "choices_without_seat": float(len(left))}
    out |= {f"without_seat.{w.member}.{w.subject}": 1.0 for w in left}
    return out
