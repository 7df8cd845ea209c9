"""A transportation line's manager in ``transport``: it knows each member ward's seats on
its line per shift (nothing else), improves the line's cost in stage 2 and quotes the
transport cost of Requests for Change in stage 3."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from accord.contract import PricedMarket
from accord.contract.resources import free_places as free_seats
from accord.contract.resources import resource_cost as line_cost
from accord.contract.resources import units as cabs
from accord.model.messages import Ack, Envelope, EpisodeDone, EpisodeStart, PlanQuery, PlanReport
from accord.model.plan import UsageEntry
from accord.protocols.messages import (
    Decline,
    Grant,
    Refusal,
    ReleaseQuote,
    ReleaseRequest,
    Schedule,
    ScheduleQuery,
)
from accord.protocols.transport.messages import Busy, FareQuery, ImproveLine, LineImproved, LineMove
from accord.protocols.transport.options import TransportOptions, ask
from accord.runtime.agent import Agent, expect

Seats = dict[int, int]
"""Passengers per shift."""


class LineManager(Agent):
    """Stage 2: while a shift's last cab carries few enough passengers to fit in the free
    seats of the line's other shifts, ask the wards holding them to move those nurses
    there (a cap on their nurses in that shift, no nurse added where cabs are full); take
    the cheapest quotes whose penalty, weighted, is below the cab saved."""

    role = "line"

    def __init__(self, market: PricedMarket, line: str, opts: TransportOptions,
                 office: str) -> None:
        super().__init__(line)
        self.market, self.opts, self.office = market, opts, office
        self.line = market.resource(line)
        self.members = list(self.line.members)
        self.seats: dict[str, Seats] = {}
        self.loads: Seats = {}
        self.started = self.clock()

    def _elapsed(self) -> float:
        return self.clock() - self.started

    async def _refresh(self) -> None:
        """Each member's seats on the line, as it holds them now."""
        replies = await self.request_all([(m, ScheduleQuery()) for m in self.members])
        self.seats = {m: dict(expect(r, Schedule).slots)
                      for m, r in zip(self.members, replies, strict=True)}
        self.loads = _total(self.seats.values())

    async def on_episode_start(self, msg: EpisodeStart, env: Envelope) -> EpisodeDone:
        """From the director: the episode begins (the office leads it)."""
        self.started, self.seats, self.loads = self.clock(), {}, {}
        return EpisodeDone(episode=msg.episode, rounds=0)

    async def on_improve_line(self, msg: ImproveLine, env: Envelope) -> LineImproved:
        """From the office: run stage 2 on this line."""
        events: list[tuple[float, int, int, int]] = []
        failed: set[tuple[int, tuple[tuple[int, int], ...]]] = set()
        for _ in range(self.opts.stage2_rounds):
            if self._late():
                break
            await self._refresh()
            state = tuple(sorted(self.loads.items()))
            moved = False
            for s in self._candidates():
                if self._late():
                    break
                if (s, state) in failed:
                    continue
                outcome = await self._empty_last_cab(s)
                if outcome is not None and outcome[0] < 0:
                    events.append((round(self._elapsed(), 4), *outcome))
                    moved = True
                    break
                if outcome is not None:
                    failed.add((s, state))
            if not moved:
                break
        return LineImproved(moves=[LineMove(at_seconds=t, delta=g) for t, g, _, _ in events],
                            transport_delta=sum(e[2] for e in events),
                            penalty_delta=sum(e[3] for e in events))

    def _late(self) -> bool:
        """Stage 2 has had half the episode's time budget."""
        budget = self.opts.time_budget
        return budget is not None and self._elapsed() > budget / 2

    def _last_cab(self, s: int) -> int:
        """Passengers in the shift's last cab."""
        p = self.loads.get(s, 0)
        return p - (cabs(p, self.line.unit) - 1) * self.line.unit if p else 0

    def _free(self, but: int) -> Seats:
        """Free seats in the cabs of every other shift."""
        return {t: f for t, p in self.loads.items()
                if t != but and (f := free_seats(p, self.line.unit))}

    def _candidates(self) -> list[int]:
        """Shifts whose last cab could be emptied into free seats, most saved per
        passenger first."""
        ok = [s for s in self.loads if 0 < self._last_cab(s) <= sum(self._free(s).values())]
        return sorted(ok, key=lambda s: (-self.line.cost_per_unit[s] / self._last_cab(s), s))

    async def _empty_last_cab(self, s: int) -> tuple[int, int, int] | None:
        """Ask holders to move the last cab's passengers of shift ``s``; apply the best
        set of quotes. Returns (global delta, transport delta, penalty delta) of the
        applied move (or of the best rejected one), None when every holder was busy."""
        need = self._last_cab(s)
        free = [UsageEntry(resource=self.id, slot=t, amount=f)
                for t, f in sorted(self._free(s).items())]
        holders = sorted((m for m in self.members if self.seats[m].get(s, 0)),
                         key=lambda m: (-self.seats[m][s], m))
        calls = [(m, ReleaseRequest(release=[UsageEntry(
            resource=self.id, slot=s, amount=min(need, self.seats[m][s]))], free=free))
            for m in holders]
        quotes: list[tuple[float, str, Seats, int]] = []
        busy = False
        for m, r in zip(holders, await ask(self, calls, self.opts.mode), strict=True):
            if isinstance(r.body, ReleaseQuote):
                new = {e.slot: e.amount for e in r.body.usage}
                freed = self.seats[m].get(s, 0) - new.get(s, 0)
                quotes.append((r.body.cost_delta / max(1, freed), m, new, r.body.cost_delta))
            elif isinstance(r.body, Busy):
                busy = True
            else:
                expect(r, Decline)
        quotes.sort(key=lambda q: (q[0], q[1]))
        before = line_cost(self.line, self.loads)
        best: tuple[int, int, int, int] | None = None  # (global, transport, penalty, count)
        trial = dict(self.seats)
        for i, (_, m, new, _) in enumerate(quotes):
            trial[m] = new
            transport = line_cost(self.line, _total(trial.values())) - before
            penalty = sum(q[3] for q in quotes[:i + 1])
            g = transport + self.market.penalty_weight * penalty
            if best is None or g < best[0]:
                best = (g, transport, penalty, i + 1)
        take = best[3] if best is not None and best[0] < 0 else 0
        replies = await self.request_all(
            [(m, Grant(usage=[UsageEntry(resource=self.id, slot=t, amount=a)
                              for t, a in sorted(new.items()) if a]))
             for _, m, new, _ in quotes[:take]]
            + [(m, Refusal(reason="the move does not lower the global cost", free=[]))
               for _, m, _, _ in quotes[take:]])
        for r in replies:
            expect(r, Ack)
        for _, m, new, _ in quotes[:take]:
            self.seats[m] = new
        self.loads = _total(self.seats.values())
        if best is None:
            return None if busy else (0, 0, 0)
        return best[:3]

    async def on_plan_query(self, msg: PlanQuery, env: Envelope) -> PlanReport:
        """The line's state: seats per member and cabs per shift, its cost, its loads."""
        await self._refresh()
        return PlanReport(
            episode=msg.episode,
            assignment={"seats": {m: {str(s): a for s, a in sorted(d.items()) if a}
                                  for m, d in self.seats.items()},
                        "cabs": {str(s): cabs(p, self.line.unit)
                                 for s, p in sorted(self.loads.items()) if p}},
            cost=line_cost(self.line, self.loads), usage=self._entries(self.loads))

    async def on_fare_query(self, msg: FareQuery, env: Envelope) -> ReleaseQuote:
        """Stage 3: the transport cost a ward's change of seats on this line would add."""
        new = dict(self.loads)
        for e in msg.release:
            new[e.slot] = new.get(e.slot, 0) - e.amount
        for e in msg.take:
            new[e.slot] = new.get(e.slot, 0) + e.amount
        if min(new.values(), default=0) < 0:
            raise ValueError(f"{self.id}: release of seats nobody holds")
        return ReleaseQuote(usage=self._entries(new),
                            cost_delta=line_cost(self.line, new) - line_cost(self.line,
                                                                             self.loads))

    async def on_grant(self, msg: Grant, env: Envelope) -> Ack:
        """Stage 3: a quoted change is approved; these are the line's loads now."""
        self.loads = {e.slot: e.amount for e in msg.usage}
        return Ack()

    def _entries(self, loads: Seats) -> list[UsageEntry]:
        return [UsageEntry(resource=self.id, slot=s, amount=a)
                for s, a in sorted(loads.items()) if a]


def _total(per_member: Iterable[Mapping[int, int]]) -> Seats:
    out: Seats = {}
    for d in per_member:
        for s, a in d.items():
            out[s] = out.get(s, 0) + a
    return out
