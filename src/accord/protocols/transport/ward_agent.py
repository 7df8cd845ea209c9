"""A ward's scheduling agent in ``transport``: it reveals seats per (line, shift) and
penalty numbers only, never its nurses' preferences or forbidden shifts."""

from __future__ import annotations

from accord.contract import Budget, LocalProblem, PricedMarket, Rides, SolveContext
from accord.contract.resources import others_on_board, ride_cost, unit_price
from accord.model.errors import ProtocolError
from accord.model.messages import Ack, Envelope, PlanQuery, PlanReport
from accord.model.plan import Key, Plan, from_entries, to_entries
from accord.protocols.messages import (
    CallForChanges,
    CallForPlans,
    ChangeRequest,
    Decline,
    Grant,
    NoChange,
    PlanRequest,
    Refusal,
    ReleaseQuote,
    ReleaseRequest,
    Schedule,
    ScheduleQuery,
    Wishes,
    WishOption,
)
from accord.protocols.transport.messages import Busy
from accord.protocols.transport.options import TransportOptions
from accord.runtime.agent import Agent

FIRST_SHARE = 0.25
"""Of an episode's time budget, the wall seconds stage 1 may take at most (a ward's
``first_work`` may need more on a loaded machine; synchronized wards split it): stage 2
then has a quarter before it stops at half of the budget."""


class WardAgent(Agent):
    """Solves the ward's roster alone (stage 1), answers its lines' proposals within its
    quality threshold (stage 2) and sends Requests for Change (stage 3).

    A proposal it quotes stays open until the proposing line grants or refuses it; other
    lines meanwhile hear that it is busy, so two lines never change it at once. A restart
    (stage 3) replaces its roster at once and keeps the one it held, to return to when the
    office grants it back.
    """

    role = "ward"

    def __init__(self, problem: LocalProblem, market: PricedMarket, opts: TransportOptions,
                 seed: int, anchor: Plan | None) -> None:
        super().__init__(problem.agent_id)
        self.problem, self.market, self.opts = problem, market, opts
        self.seed, self.anchor = seed, anchor
        self.keys = market.keys[problem.agent_id]
        self.plan: Plan | None = None
        self.pending: Plan | None = None
        self.kept: Plan | None = None
        self.holder: str | None = None
        self.first_cost = 0

    def _solve(self, caps: dict[Key, int] | None, rides: Rides | None = None,
               work: float | None = None, prices: dict[Key, float] | None = None,
               seconds: float | None = None, due: float | None = None) -> Plan | None:
        """The ward's solve, within ``seconds`` from its start or by ``due`` (on the
        agent's clock: a solve queued behind others' gets what is left)."""
        if due is not None:
            seconds = max(0.0, due - self.clock())
        return self.problem.solve(SolveContext(
            caps=caps, anchor=self.plan or self.anchor,
            budget=Budget(work=work or self.opts.solve_work, seconds=seconds), seed=self.seed,
            rides=rides, prices=prices))

    def _first_seconds(self) -> float | None:
        """Stage 1's wall seconds for this ward: ``FIRST_SHARE`` of the time budget,
        shared with the other wards when they solve one after the other."""
        budget = self.opts.time_budget
        if budget is None:
            return None
        turns = len(self.market.keys) if self.opts.mode == "synchronized" else 1
        return FIRST_SHARE * budget / turns

    def _held(self) -> Plan:
        if self.plan is None:
            raise ProtocolError(f"{self.id} holds no roster yet")
        return self.plan

    async def on_call_for_plans(self, msg: CallForPlans, env: Envelope) -> PlanRequest:
        """Stage 1: the ward's best roster alone."""
        if self.plan is not None:
            self.anchor = self.plan
        self.plan = self.pending = self.holder = self.kept = None
        plan = await self.think(self._solve, None, None, self.opts.first_work, None,
                                self.left(self._first_seconds()))
        if plan is None:
            raise ProtocolError(f"{self.id}: no roster meets the ward's hard rules within "
                                "the solve budget")
        self.plan, self.first_cost = plan, plan.cost
        return PlanRequest(usage=plan.usage, cost=plan.cost)

    async def on_schedule_query(self, msg: ScheduleQuery, env: Envelope) -> Schedule:
        """Seats on the asking line, per shift."""
        line = env.sender
        return Schedule(slots=[(s, a) for (r, s), a in sorted(self._held().usage_map().items())
                               if r == line])

    async def on_release_request(
        self, msg: ReleaseRequest, env: Envelope
    ) -> ReleaseQuote | Decline | Busy:
        """Stage 2: move the released seats into the free ones, keeping every other line's
        seats where they are; quote the penalty it adds."""
        if self.holder is not None:
            return Busy()
        plan = self._held()
        caps = self.problem.caps_around(plan)
        for e in msg.release:
            caps[e.resource, e.slot] = max(0, caps.get((e.resource, e.slot), 0) - e.amount)
        for e in msg.free:
            caps[e.resource, e.slot] = caps.get((e.resource, e.slot), 0) + e.amount
        new = await self.think(self._solve, caps)
        if new is None:
            return Decline(reason="no roster frees those seats")
        if new.usage == plan.usage:
            return Decline(reason="no roster moves those seats")
        if new.cost > self.first_cost + self.opts.penalty_slack:
            return Decline(reason="the roster would fall below the ward's quality threshold")
        line = env.sender
        self.pending, self.holder = new, line
        return ReleaseQuote(usage=[e for e in new.usage if e.resource == line],
                            cost_delta=new.cost - plan.cost)

    async def on_call_for_changes(
        self, msg: CallForChanges, env: Envelope
    ) -> ChangeRequest | Wishes | NoChange:
        """Stage 3: re-solve for a better penalty (with ``trade``, any penalty), paying the
        cabs its seats need (read from the free seats the office publishes); a roster whose
        weighted penalty plus cabs is lower becomes a Request for Change (its gain, the
        weighted penalty decrease, is negative for a trade). A wish (bid) takes the best penalty
        whose weighted penalty plus cabs exceeds today's by less than its tokens. The
        re-solve stops by the end of the seconds the call leaves (the episode's time
        budget), however long it waited for a thread.

        A restart lists (line, shift)s in ``capacity``: there a seat costs a full cab's cost
        per seat (the line's public cost per cab over its capacity) instead of the cabs it
        adds; the ward requests its best roster so priced, however it compares, and keeps the
        roster it held, to return to when the office grants it back."""
        plan, market = self._held(), self.market
        own, free = plan.usage_map(), from_entries(msg.free)
        shared = {(e.resource, e.slot) for e in msg.capacity}
        if shared:
            self.kept = plan
        fares, prices = {}, {}
        for k in self.keys:
            line = market.resource(k[0])
            if k in shared:
                prices[k] = unit_price(line, k[1])
            else:
                fares[k] = (line.unit, line.cost_per_unit[k[1]],
                            others_on_board(line.unit, free.get(k, 0), own.get(k, 0)))
        now = market.penalty_weight * plan.cost + ride_cost(fares, own)
        tokens = msg.tokens or 0
        if msg.wish and tokens <= 0:
            return NoChange()
        limit = now + tokens - 1 if msg.wish else None
        below = None if self.opts.trade and not msg.wish else plan.cost
        left = self.left(msg.seconds)
        new = await self.think(self._solve, None, Rides(fares, below, limit), None,
                               prices or None, None,
                               None if left is None else self.clock() + left)
        if new is None:
            return NoChange()
        value = market.penalty_weight * new.cost + ride_cost(fares, new.usage_map())
        gain = market.penalty_weight * (plan.cost - new.cost)
        if not msg.wish and value >= now and not shared:
            return NoChange()
        self.pending = new
        if msg.wish:
            return Wishes(options=[WishOption(usage=new.usage, expected_gain=gain)])
        return ChangeRequest(usage=new.usage, expected_gain=gain)

    async def on_grant(self, msg: Grant, env: Envelope) -> Ack:
        """The open proposal or Request for Change is approved: it becomes the roster; or,
        with no proposal open, the roster kept at the last restart comes back."""
        if self.pending is None and self.kept is not None and \
                from_entries(msg.usage) == self.kept.usage_map():
            self.plan, self.kept = self.kept, None
            return Ack()
        if self.pending is None or not set(msg.usage) <= set(self.pending.usage):
            raise ProtocolError(f"{self.id}: granted seats it did not offer")
        self.plan, self.pending, self.holder = self.pending, None, None
        return Ack()

    async def on_refusal(self, msg: Refusal, env: Envelope) -> Ack:
        """The open proposal or Request for Change is dropped."""
        self.pending = self.holder = None
        return Ack()

    async def on_plan_query(self, msg: PlanQuery, env: Envelope) -> PlanReport:
        p = self._held()
        return PlanReport(episode=msg.episode, assignment=p.assignment, cost=p.cost,
                          usage=to_entries(p.usage_map()))
