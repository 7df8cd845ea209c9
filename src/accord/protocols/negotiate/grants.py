"""The grant phase of ``negotiate``: grants in priority order, refusals, and repairs."""

from __future__ import annotations

from accord.contract import ManagerSpec
from accord.model.plan import from_entries
from accord.protocols.capacity import combine, fits, overflow
from accord.protocols.messages import PlanRequest, Refusal
from accord.protocols.negotiate.exchange import Exchange
from accord.protocols.negotiate.options import NegotiateOptions
from accord.runtime.agent import expect


class Grants(Exchange):
    """A manager that grants the members' requests in order, refusing what does not fit."""

    def __init__(self, spec: ManagerSpec, options: NegotiateOptions, seed: int) -> None:
        super().__init__(spec, options, seed)
        self.refused_units = 0
        self.refused_members: set[str] = set()

    def _replan_seconds(self) -> float | None:
        """Wall seconds for one refused member's re-plan: the second half of the grant
        phase's share of the budget, split between all members but the first granted;
        past the budget, what is left of its grace (``TimeBudget.last_chance``)."""
        share = self.options.grant_share
        return self.budget.last_chance(None if share is None else
                                       share / 2 / max(1, len(self.spec.members) - 1))

    def _plan_share(self) -> float | None:
        """The share of the budget first plans may take: half the grant phase's."""
        return None if self.options.grant_share is None else self.options.grant_share / 2

    def _more_time(self) -> bool:
        """Whether the budget leaves more than a re-plan's share of it."""
        left, share = self.budget.seconds_left(), self._replan_seconds()
        return left is not None and share is not None and left > share + 1.0

    def _refusal(self, member: str, seconds: float | None) -> Refusal:
        """A refusal in the grant phase: re-plan within what is free, by ``seconds``
        (the free capacity's entries are written once between grants)."""
        return Refusal(reason="capacity taken by members with priority",
                       free=self.spec.usable(member, self._free_entries()),
                       work=self.options.plan_work, seconds=seconds)

    async def _grant_in_order(self, order: list[str], requests: dict[str, PlanRequest]) -> None:
        """Grant ``requests`` in ``order``, in waves: refused members (a batch) re-plan
        within what is free; the first that still overflows is granted with room bought
        for it where holders can make it."""
        pending = order
        while pending:
            refused: list[str] = []
            granted_now: list[str] = []
            for m in pending:
                usage = from_entries(requests[m].usage)
                if refused and self.options.refusal_batch == 1:
                    refused.append(m)  # strictly in order: nobody passes a refused member
                elif fits(usage, self.free):
                    self._grant_local(m, usage, requests[m].cost)
                    granted_now.append(m)
                else:
                    refused.append(m)
            await self._confirm(granted_now)
            if not refused:
                return
            # only the first refused is sure to fit next wave: re-plan a few, not everyone
            asked = refused[:self.options.refusal_batch]
            for m in asked:
                self.refused_units += overflow(from_entries(requests[m].usage), self.free)
            self.refused_members |= set(asked)
            replies = await self.request_all([
                (m, self._refusal(m, self._replan_seconds())) for m in asked])
            for m, r in zip(asked, replies, strict=True):
                requests[m] = expect(r, PlanRequest)
            head = refused[0]
            if requests[head].overflow and self._more_time():
                # no fit within its share of the grant phase: all the time left, rather
                # than a plan over capacity
                requests[head] = expect(await self.request(
                    head, self._refusal(head, self.budget.last_chance())), PlanRequest)
            if requests[head].overflow:
                usage = from_entries(requests[head].usage)
                # granted even when no room could be made: that is a hard violation
                await self._make_room(head, usage, None)
                self._grant_local(head, usage, requests[head].cost)
                await self._confirm([head])
                refused = refused[1:]
            pending = refused

    async def _repair(self, order: list[str], attempt: int = 0) -> bool:
        """Members granted beyond capacity (no room could be bought for them) re-plan
        within what the others leave them, now that everyone holds a plan; ``attempt``
        varies their solver seed. A re-plan that still overflows is taken when it
        overflows less. Whether any member's plan changed."""
        repaired = False
        for m in order:
            usage = self.granted[m][0]
            if all(self.free.get(k, 0) >= 0 for k in usage):
                continue
            room = {k: max(0, v) for k, v in combine(self.free, usage).items()}
            reply = expect(await self.request(m, Refusal(
                reason="over capacity: re-plan within what others leave",
                free=self.spec.usable(m, self._free_entries(room)), attempt=attempt,
                work=self.options.plan_work, seconds=self._replan_seconds())),
                PlanRequest)
            new = from_entries(reply.usage)
            if (fits(new, room) or await self._make_room(m, new, None)
                    or overflow(new, room) < overflow(usage, room)):
                self._grant_local(m, new, reply.cost)
                repaired = True
            await self._confirm([m])
        return repaired
