"""The coordinator of ``classes``: starts the groups' searches, widens scopes, records
disciplines no professor can teach, and ends the episode on the groups' reports."""

from __future__ import annotations

from typing import Any

from accord.contract import MeetingsMarket
from accord.model.messages import Ack, EpisodeDone, EpisodeStart
from accord.protocols.classes.messages import (
    ExtraScope,
    ExtraScopeRequest,
    GoalReport,
    NoCounterpartFound,
    StartSearchingProfessors,
)
from accord.runtime.agent import Agent

COORDINATOR = "coordinator"


def subject(discipline: str, lesson: str) -> str:
    """A discipline's name in reports: its code, with ``/lab`` for its labs."""
    return discipline if lesson == "lecture" else f"{discipline}/{lesson}"


class Coordinator(Agent):
    """Starts the groups' searches, widens a group's scope to the part-time professors,
    records disciplines no professor can teach, and ends the episode once every group
    has reported."""

    role = "manager"

    def __init__(self, market: MeetingsMarket) -> None:
        super().__init__(COORDINATOR)
        self.parties = list(market.parties)
        self.full_time = [h.id for h in market.hosts if h.first_scope]
        self.part_time = [h.id for h in market.hosts if not h.first_scope]
        self._start: Any = None
        self._episode = 0
        self.reports: dict[str, GoalReport] = {}
        self.no_counterpart: dict[tuple[str, str], str] = {}
        self.extra = 0

    async def on_episode_start(self, msg: EpisodeStart, env: Any) -> EpisodeDone | None:
        self._start, self._episode = env, msg.episode
        self.reports, self.no_counterpart, self.extra = {}, {}, 0
        if not self.parties:
            return EpisodeDone(episode=msg.episode, rounds=0)
        for g in self.parties:
            await self.send(g, StartSearchingProfessors(scope=self.full_time))
        return None

    async def on_extra_scope_request(self, msg: ExtraScopeRequest, env: Any) -> ExtraScope:
        self.extra += 1
        return ExtraScope(scope=self.part_time)

    async def on_no_counterpart_found(self, msg: NoCounterpartFound, env: Any) -> Ack:
        self.no_counterpart[env.sender, subject(msg.discipline, msg.lesson)] = msg.reason
        return Ack()

    async def on_goal_report(self, msg: GoalReport, env: Any) -> None:
        self.reports[env.sender] = msg
        if len(self.reports) < len(self.parties):
            return
        metrics = {"groups_achieved": float(sum(r.achieved for r in self.reports.values())),
                   "placed_minutes": float(sum(r.placed_minutes for r in self.reports.values())),
                   "required_minutes": float(sum(r.required_minutes
                                                 for r in self.reports.values())),
                   "extra_scope_requests": float(self.extra),
                   "no_counterpart_found": float(len(self.no_counterpart))}
        for g, r in sorted(self.reports.items()):
            for s, reason in sorted(r.unassigned.items()):
                metrics[f"unassigned.{g}.{s}"] = 1.0
                metrics[f"reason.{g}.{s}: {reason}"] = 1.0
        await self.send(self._start.sender, EpisodeDone(episode=self._episode, rounds=0,
                                                        metrics=metrics),
                        in_reply_to=self._start.id)
