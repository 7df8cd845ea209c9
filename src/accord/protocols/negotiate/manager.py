"""The manager of ``negotiate``: an episode's phases in order, then the ledger settled."""

from __future__ import annotations

from accord.model.messages import CommitmentRecord, EpisodeDone, EpisodeStart
from accord.protocols.ledger import credit, priority_order, settle
from accord.protocols.messages import CallForPlans, PlanRequest
from accord.protocols.negotiate.changes import Changes
from accord.protocols.tokens import Wallet, allowances
from accord.protocols.trace import trace_metrics
from accord.runtime.agent import expect


class Manager(Changes):
    """A resource manager: grants capacity, arbitrates changes, keeps the ledger fair.

    Its books are ``Books``, buying room ``Exchange``, the grant phase ``Grants``, and
    Requests for Change ``Changes``; here the episode runs them in turn.
    """

    role = "manager"

    async def on_episode_start(self, msg: EpisodeStart, env: object) -> EpisodeDone:
        self.episode = msg.episode
        self.budget.start()
        self.changes, self.swaps, self.trace = 0, 0, []
        self._wants, self._asked = {}, {}
        self.refused_units, self.refused_members = 0, set()
        self.granted, self.free, self.new_debts = {}, dict(self.spec.capacity), []
        members = list(self.spec.members)
        free = self._free_entries()
        replies = await self.request_all(
            [(m, CallForPlans(episode=msg.episode, free=self.spec.usable(m, free),
                              work=self.options.plan_work,
                              seconds=self.budget.within(self._plan_share())))
             for m in members])
        # a first estimate of how long each member's call for changes will take: longer
        # than its first plan, as a change searches from its plan (comp06, K = 2: 32 s
        # against 22 s)
        self.budget.expect(members, 1.5 * self.budget.elapsed() / self.options.plan_work)
        requests = {m: expect(r, PlanRequest) for m, r in zip(members, replies, strict=True)}
        alone = dict(requests)
        order = self._grant_order(members, requests, msg.ledger)
        priced = await self._price_rounds(order, requests)
        await self._grant_in_order(order, requests)
        for attempt in range(1 + self.options.repairs):
            # the first repair is the last chance of a feasible merge; more only in time
            if not self._overloaded() or (attempt and self.budget.seconds_left() == 0):
                break
            await self._repair(order, attempt)
        self.wallet = Wallet(self.options, allowances(
            self.options, {m: self.granted[m][1] for m in members if m in self.granted}))
        self._record()
        granted = self.settled
        rounds = await self._improve(order)
        ledger = settle(self.id, msg.ledger, self.new_debts, self.granted, msg.episode,
                        self.options.violation_threshold)
        return EpisodeDone(episode=msg.episode, rounds=rounds, ledger=ledger, metrics={
            "refused_requests": float(self.refused_units),
            "refused_members": float(len(self.refused_members)),
            "changes_applied": float(self.changes), "swaps": float(self.swaps),
            "granted_seconds": round(granted, 3),
            "settled_seconds": round(self.settled, 3), **trace_metrics(self.id, self.trace),
            **{f"alone.{m}": float(r.cost) for m, r in alone.items()},
            "priced_rounds": float(max(0, len(priced) - 1)),
            **{f"priced_overflow.{i}": float(o) for i, o in enumerate(priced)},
            **self.wallet.metrics()})

    def _grant_order(self, members: list[str], requests: dict[str, PlanRequest],
                     ledger: list[CommitmentRecord]) -> list[str]:
        """Who is granted first (``grant_order``): most owed, then by a seeded draw, by
        the largest requests, or in the scenario's order."""
        order = priority_order(members, ledger, self.seed, self.episode)
        if self.options.grant_order == "ledger":
            return order
        drawn = {m: i for i, m in enumerate(order)}
        then = ({m: -sum(e.amount for e in requests[m].usage) for m in members}
                if self.options.grant_order == "largest-first"
                else {m: i for i, m in enumerate(members)})
        return sorted(members, key=lambda m: (-credit(ledger, m), then[m], drawn[m]))
