"""The member of ``negotiate``: solves its private problem, reveals only usage and cost."""

from __future__ import annotations

from accord.contract import Budget, LocalProblem, Moves, SolveContext
from accord.model.errors import ProtocolError
from accord.model.messages import Ack, PlanQuery, PlanReport
from accord.model.plan import Key, Plan, UsageEntry, UsageMap, from_entries, to_entries
from accord.protocols.capacity import combine, fits
from accord.protocols.messages import (
    CallForChanges,
    CallForPlans,
    ChangeRequest,
    Decline,
    Grant,
    NoChange,
    PlanRequest,
    PricedCall,
    Recheck,
    Refusal,
    ReleaseQuote,
    ReleaseRequest,
    Substitution,
    Swap,
    SwapCall,
    SwapOffer,
    SwapOffers,
    Wishes,
    WishOption,
)
from accord.runtime.agent import Agent
from accord.solve.cpsat import LAST_WORDS

_UsageKey = tuple[tuple[Key, int], ...]


def _moves(group: list[Substitution]) -> Moves:
    """Substitutions as the local problem takes them."""
    return tuple(((s.held, s.slot), s.other) for s in group)


def _usage_key(usage: UsageMap) -> _UsageKey:
    """``usage`` as a dictionary key (the same whatever its order)."""
    return tuple(sorted(usage.items()))


class Member(Agent):
    """A scheduling agent: solves its private problem, reveals usage and cost only."""

    role = "member"

    def __init__(self, problem: LocalProblem, anchor: Plan | None, seed: int, limit: float,
                 wishes: str = "per-slot", wish_price: int = 2) -> None:
        super().__init__(problem.agent_id)
        self.wishes, self.wish_price = wishes, wish_price
        self.problem = problem
        self.anchor = anchor
        self.plan: Plan | None = None
        self._offered: dict[_UsageKey, Plan] = {}
        self._requested: Plan | None = None
        """The plan last requested while none is granted: a refused member re-plans from
        it (a complete plan, over capacity somewhere, is a better start than none)."""
        self._seed, self._limit = seed, limit

    def _ctx(self, caps: dict[Key, int], soft: bool = False, price: int | None = None,
             attempt: int = 0, work: float = 1.0, due: float | None = None,
             dear: dict[Key, int] | None = None) -> SolveContext:
        """The context of a solve; ``attempt`` varies the solver seed between rounds,
        ``work`` scales the solver's work, ``due`` is the wall seconds the asking message
        allowed (counted from its arrival), ``dear`` the keys priced above ``price``."""
        return SolveContext(caps=caps, soft_caps=soft,
                            anchor=self.plan or self._requested or self.anchor,
                            budget=Budget(work=work * self._limit, seconds=self.left(due)),
                            seed=self._seed + attempt, price=price, dear=dear)

    def _solve(self, caps: dict[Key, int], soft: bool = False, price: int | None = None,
               attempt: int = 0, work: float = 1.0, due: float | None = None,
               dear: dict[Key, int] | None = None) -> Plan | None:
        """Best plan under ``caps``."""
        return self.problem.solve(self._ctx(caps, soft, price, attempt, work, due, dear))

    def _current(self, caps: dict[Key, int]) -> int:
        """The cost of the granted plan as things stand now (others may have moved)."""
        assert self.plan is not None
        return self.problem.cost_in(self.plan, self._ctx(caps))

    def _offer(self, plan: Plan) -> list[UsageEntry]:
        """``plan``'s usage, to send; the plan is kept to take up if that usage is granted."""
        self._offered[_usage_key(plan.usage_map())] = plan
        return to_entries(plan.usage_map())

    async def on_call_for_plans(self, msg: CallForPlans, env: object) -> PlanRequest:
        if self.plan is not None:
            self.anchor = self.plan
        self.plan, self._offered, self._requested = None, {}, None
        return await self._request(from_entries(msg.free), work=msg.work, due=msg.seconds)

    async def on_refusal(self, msg: Refusal, env: object) -> PlanRequest:
        return await self._request(from_entries(msg.free), msg.attempt, msg.work, msg.seconds)

    async def on_priced_call(self, msg: PricedCall, env: object) -> PlanRequest:
        return await self._request(from_entries(msg.free), msg.round + 1, msg.work, msg.seconds,
                                   msg.price, from_entries(msg.dear))

    async def _request(self, free: dict[Key, int], attempt: int = 0, work: float = 1.0,
                       due: float | None = None, price: int | None = None,
                       dear: dict[Key, int] | None = None) -> PlanRequest:
        """The best plan within ``free`` (overflow minimised first when none fits; with
        ``price``, each unit of it costs that, or what ``dear`` says at its keys), by the
        wall seconds ``due`` at the latest."""
        plan = await self.think(self._solve, free, True, price, attempt, work, due, dear)
        if plan is None:  # none found in time: the last plan it had, over capacity or not
            plan = self._requested or self.anchor
        if plan is None:
            raise ProtocolError(f"{self.id}: no local plan found even with the shared "
                                "resources relaxed (its own hard constraints cannot be met, "
                                "or not within the solve budget)")
        if price is None and not fits(plan.usage_map(), free):
            # overflow may only mean the budget was short: look once more, longer, for a fit
            fitting = await self.think(self._solve, free, False, None, attempt, 4 * work, due)
            plan = fitting or plan
        if self.plan is None:
            self._requested = plan
        return PlanRequest(usage=self._offer(plan), cost=plan.cost,
                           overflow=not fits(plan.usage_map(), free))

    async def on_grant(self, msg: Grant, env: object) -> Ack:
        self.plan = self._offered[_usage_key(from_entries(msg.usage))]
        return Ack()

    def _own(self) -> UsageMap:
        """The usage of the granted plan (none before a grant)."""
        return self.plan.usage_map() if self.plan else {}

    async def on_call_for_changes(
        self, msg: CallForChanges, env: object
    ) -> ChangeRequest | Wishes | NoChange:
        assert self.plan is not None
        room = combine(from_entries(msg.free), self._own())
        if msg.wish:
            return Wishes(options=await self.think(self._wishes, room,
                                                   from_entries(msg.capacity), msg.round,
                                                   msg.work, msg.seconds))
        plan = await self.think(self._solve, room, False, None, msg.round, msg.work,
                                msg.seconds)
        now = self._current(room)
        if plan is None or plan.cost >= now:
            return NoChange()
        return ChangeRequest(usage=self._offer(plan), expected_gain=now - plan.cost)

    async def on_recheck(self, msg: Recheck, env: object) -> ChangeRequest | NoChange:
        assert self.plan is not None
        room = combine(from_entries(msg.free), self._own())
        plan = self._offered[_usage_key(from_entries(msg.usage))]
        gain = self._current(room) - self.problem.cost_in(plan, self._ctx(room))
        return ChangeRequest(usage=msg.usage, expected_gain=gain) if gain > 0 else NoChange()

    def _wishes(self, room: dict[Key, int], capacity: dict[Key, int], rnd: int,
                work: float = 1.0, due: float | None = None) -> list[WishOption]:
        """Best plan with each one slot opened to full capacity, and with all opened.

        All opened relaxes every one-slot case: when it gains nothing, none can. Priced
        wishes try, round after round, ``wish_price`` times 1, 2 and 4 (a higher price
        buys fewer slots, whose holders quote less), each time with another seed.
        """
        now = self._current(room)
        if self.wishes == "priced":
            price = self.wish_price * 2 ** (rnd % 3)
            plan = self._solve(room, True, price, rnd, work, due)
            if plan is None or plan.cost >= now:
                return []
            return [WishOption(usage=self._offer(plan), expected_gain=now - plan.cost)]
        found: dict[_UsageKey, WishOption] = {}
        singles = [{**room, k: c} for k, c in sorted(capacity.items()) if c > room.get(k, 0)]
        for caps in [capacity] + (singles if self.wishes == "per-slot" else []):
            plan = self._solve(caps, work=work, due=due)
            if caps is capacity and (plan is None or plan.cost >= now):
                return []
            if plan is not None and plan.cost < now:
                found.setdefault(_usage_key(plan.usage_map()), WishOption(
                    usage=self._offer(plan), expected_gain=now - plan.cost))
        return sorted(found.values(), key=lambda w: -w.expected_gain)

    async def on_release_request(self, msg: ReleaseRequest, env: object) -> ReleaseQuote | Decline:
        assert self.plan is not None
        own = self._own()
        caps = combine(from_entries(msg.free), own)
        for (resource, slot), amount in from_entries(msg.release).items():
            caps[resource, slot] = max(0, own.get((resource, slot), 0) - amount)
        left = self.left(msg.seconds)
        if left is not None and left < LAST_WORDS:
            return Decline(reason="no time left to quote")
        plan = await self.think(self._solve, caps, False, None, msg.attempt, msg.work,
                                msg.seconds)
        if plan is None:
            return Decline(reason="no plan frees that much")
        now = self._current(combine(from_entries(msg.free), own))
        return ReleaseQuote(usage=self._offer(plan), cost_delta=plan.cost - now)

    async def on_swap_call(self, msg: SwapCall, env: object) -> SwapOffers:
        assert self.plan is not None
        asked = None if msg.asked is None else [_moves(g) for g in msg.asked]
        free = {k for k, a in from_entries(msg.free).items() if a > 0}
        return SwapOffers(offers=[
            SwapOffer(moves=[Substitution(slot=k[1], held=k[0], other=o) for k, o in moves],
                      delta=d) for moves, d in self.problem.substitutes(self.plan, asked, free)])

    async def on_swap(self, msg: Swap, env: object) -> PlanRequest:
        assert self.plan is not None
        plan = self.problem.substituted(self.plan, _moves(msg.moves))
        return PlanRequest(usage=self._offer(plan), cost=plan.cost)

    async def on_plan_query(self, msg: PlanQuery, env: object) -> PlanReport:
        assert self.plan is not None, f"{self.id} holds no granted plan"
        p = self.plan
        return PlanReport(episode=msg.episode, assignment=p.assignment, cost=p.cost,
                          usage=p.usage)
