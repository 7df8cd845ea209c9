"""A classroom agent of ``classes``: the resource manager that books one classroom."""

from __future__ import annotations

from typing import Any

from accord.contract import MeetingRoom
from accord.model.messages import Ack, Body, EpisodeDone, EpisodeStart
from accord.protocols.classes.messages import (
    BookClassroom,
    BookingRefused,
    ClassroomBooked,
    ReleaseClassroom,
)
from accord.runtime.agent import Agent


class ClassroomAgent(Agent):
    """A classroom's resource manager: grants a booking of free steps to a class of its
    kind that it seats, refuses any other."""

    role = "manager"

    def __init__(self, room: MeetingRoom) -> None:
        super().__init__(room.id)
        self.room = room
        self.booked: dict[int, str] = {}

    async def on_episode_start(self, msg: EpisodeStart, env: Any) -> EpisodeDone:
        self.booked = {}
        return EpisodeDone(episode=msg.episode, rounds=0)

    async def on_book_classroom(self, msg: BookClassroom, env: Any) -> Body:
        r = self.room
        if msg.lesson != r.kind:
            return BookingRefused(reason=f"{r.id} is a {r.kind} room")
        if msg.size > r.capacity:
            return BookingRefused(reason=f"{r.id} seats {r.capacity}")
        steps = range(msg.start, msg.start + msg.steps)
        if any(s in self.booked for s in steps):
            return BookingRefused(reason=f"{r.id} is taken then")
        self.booked |= dict.fromkeys(steps, env.sender)
        return ClassroomBooked(start=msg.start)

    async def on_release_classroom(self, msg: ReleaseClassroom, env: Any) -> Ack:
        for s in range(msg.start, msg.start + msg.steps):
            if self.booked.get(s) == env.sender:
                del self.booked[s]
        return Ack()
