"""``negotiate``: accord's capacity negotiation between members and resource managers.

Per episode each manager runs three phases with its members, who reveal only usage and
local cost:

1. *Call for plans* — every member solves alone and requests its usage.
2. *Grants* — the manager grants requests in priority order (most owed first, from the
   commitments ledger); a refused member gets the free capacity and asks again. A member
   that cannot fit at all asks others to make room (release requests and quotes).
3. *Requests for Change* — the manager publishes free capacity; members send changes with
   their Expected Gain, applied best first. When none fits, members state wishes (their
   best plan with one slot, or all, opened to full capacity) and the manager buys room for
   a wish from others' release quotes when the gain exceeds their quoted cost. Every
   accepted change lowers the global cost, so this ends.

At the end the manager settles the ledger: members who carried more than the mean burden
are owed, and those debts give priority in the following episodes, so the burden rotates.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from accord.domains.base import LocalProblem, ManagerSpec, SolveContext
from accord.model.messages import (
    Ack,
    CallForChanges,
    CallForPlans,
    ChangeRequest,
    CommitmentRecord,
    Decline,
    Envelope,
    EpisodeDone,
    EpisodeStart,
    Grant,
    NoChange,
    PlanQuery,
    PlanReport,
    PlanRequest,
    Recheck,
    Refusal,
    ReleaseQuote,
    ReleaseRequest,
    Wishes,
    WishOption,
)
from accord.model.plan import (
    Key,
    Plan,
    UsageEntry,
    UsageMap,
    add_usage,
    from_entries,
    to_entries,
)
from accord.model.scenario import ScenarioBase
from accord.protocols.base import Cast, Protocol
from accord.protocols.ledger import credit, priority_order, settle
from accord.protocols.trace import trace_metrics
from accord.runtime.agent import Agent, Turn, expect
from accord.solve.cpsat import LAST_WORDS, deadline

if TYPE_CHECKING:
    from accord.domains.base import Domain


class NegotiateOptions(BaseModel):
    """Options of ``negotiate``."""

    model_config = ConfigDict(extra="forbid")
    max_rounds: int = Field(default=100, ge=0, description="Request-for-Change rounds at most")
    exchange: bool = Field(default=True, description="buy room for wishes with release quotes")
    violation_threshold: int = Field(default=3, ge=1, description="misses before a violation")
    solve_time_limit: float = Field(default=5.0, gt=0)
    quote_batch: int = Field(default=6, ge=1, description="holders asked for quotes at once")
    refusal_batch: int = Field(default=8, ge=1,
                               description="refused members asked to re-plan per wave")
    wishes: Literal["per-slot", "ideal", "priced"] = Field(
        default="per-slot", description="wish with each slot opened (small slot sets), only "
                                        "with all opened, or with every slot for sale at "
                                        "wish_price (large ones, e.g. timetables)")
    wish_price: int = Field(default=2, ge=1, description="cost a priced wish expects to pay "
                                                         "per unit of others' capacity")
    mode: Literal["concurrent", "synchronized", "asynchronous"] = Field(
        default="concurrent", description="Requests for Change from all members at once "
                                          "(best first), from one member at a time, or from "
                                          "each member as soon as its last one is settled "
                                          "(no rounds; solves overlap, not reproducible)")
    grant_order: Literal["ledger", "largest-first", "listed"] = Field(
        default="ledger", description="who is granted first: most owed, then by a seeded "
                                      "draw, by the largest requests, or in the scenario's "
                                      "order")
    plan_work: float = Field(
        default=1.0, gt=0, le=1, description="share of the solver work members spend on "
                                             "plans in the grant phase (the rest of the "
                                             "budget goes to Requests for Change)")
    repairs: int = Field(default=4, ge=0, description="re-plans, each with another solver "
                                                      "seed, of members still over capacity "
                                                      "after the grants")
    solvers: int | None = Field(
        default=None, ge=1, description="asynchronous mode: members solving a change at "
                                        "once at most, the others queue (None: all; on "
                                        "one machine, its cores)")
    time_budget: float | None = Field(
        default=None, gt=0, description="wall seconds per episode after which no further "
                                        "change is sought (None: until no change helps)")


MIN_WORK = 0.25
"""The least share of a member's usual solver work worth asking for in a call for changes
(a shorter solve rarely finds a change)."""


def fits(usage: UsageMap, free: dict[Key, int]) -> bool:
    """Whether a usage fits the free capacity."""
    return all(a <= free.get(k, 0) for k, a in usage.items())


def overflow(usage: UsageMap, free: dict[Key, int]) -> int:
    """How far a usage exceeds the free capacity, summed over its keys."""
    return sum(max(0, a - max(0, free.get(k, 0))) for k, a in usage.items())


def _combine(free: dict[Key, int], usage: UsageMap) -> dict[Key, int]:
    out = dict(free)
    add_usage(out, usage)
    return out


class Member(Agent):
    """A scheduling agent: solves its private problem, reveals usage and cost only."""

    role = "member"

    def __init__(self, problem: LocalProblem, anchor: Plan | None, seed: int, limit: float,
                 wishes: str = "per-slot", wish_price: int = 2):
        super().__init__(problem.agent_id)
        self.wishes, self.wish_price = wishes, wish_price
        self.problem = problem
        self.anchor = anchor
        self.plan: Plan | None = None
        self._offered: dict[tuple[tuple[Key, int], ...], Plan] = {}
        self._seed, self._limit = seed, limit

    def _ctx(self, caps: dict[Key, int], soft: bool = False, price: int | None = None,
             attempt: int = 0, work: float = 1.0) -> SolveContext:
        """The context of a solve; ``attempt`` varies the solver seed between rounds,
        ``work`` scales the solver's budget."""
        return SolveContext(caps=caps, soft_caps=soft, anchor=self.plan or self.anchor,
                            time_limit=work * self._limit, seed=self._seed + attempt,
                            price=price)

    def _solve(self, caps: dict[Key, int], soft: bool = False, price: int | None = None,
               attempt: int = 0, work: float = 1.0) -> Plan | None:
        """Best plan under ``caps``."""
        return self.problem.solve(self._ctx(caps, soft, price, attempt, work))

    def _current(self, caps: dict[Key, int]) -> int:
        """The cost of the granted plan as things stand now (others may have moved)."""
        assert self.plan is not None
        return self.problem.cost_in(self.plan, self._ctx(caps))

    def _offer(self, plan: Plan) -> list[UsageEntry]:
        self._offered[tuple(sorted(plan.usage_map().items()))] = plan
        return to_entries(plan.usage_map())

    async def on_call_for_plans(self, msg: CallForPlans, env: object) -> PlanRequest:
        if self.plan is not None:
            self.anchor = self.plan
        self.plan, self._offered = None, {}
        return await self._request(from_entries(msg.free), work=msg.work)

    async def on_refusal(self, msg: Refusal, env: object) -> PlanRequest:
        return await self._request(from_entries(msg.free), msg.attempt, msg.work)

    async def _request(self, free: dict[Key, int], attempt: int = 0, work: float = 1.0
                       ) -> PlanRequest:
        plan = await self.think(self._solve, free, True, None, attempt, work)
        if plan is None:
            raise RuntimeError(f"{self.id}: local problem has no plan even with soft caps")
        if not fits(plan.usage_map(), free):
            # overflow may only mean the budget was short: look once more, longer, for a fit
            fitting = await self.think(self._solve, free, False, None, attempt, 4 * work)
            plan = fitting or plan
        return PlanRequest(usage=self._offer(plan), cost=plan.cost,
                           overflow=not fits(plan.usage_map(), free))

    async def on_grant(self, msg: Grant, env: object) -> Ack:
        self.plan = self._offered[tuple(sorted(from_entries(msg.usage).items()))]
        return Ack()

    def _own(self) -> UsageMap:
        return self.plan.usage_map() if self.plan else {}

    async def on_call_for_changes(
        self, msg: CallForChanges, env: object
    ) -> ChangeRequest | Wishes | NoChange:
        assert self.plan is not None
        room = _combine(from_entries(msg.free), self._own())
        with deadline(self.left(msg.seconds)):
            if msg.wish:
                return Wishes(options=await self.think(self._wishes, room,
                                                       from_entries(msg.capacity), msg.round,
                                                       msg.work))
            plan = await self.think(self._solve, room, False, None, msg.round, msg.work)
        now = self._current(room)
        if plan is None or plan.cost >= now:
            return NoChange()
        return ChangeRequest(usage=self._offer(plan), expected_gain=now - plan.cost)

    async def on_recheck(self, msg: Recheck, env: object) -> ChangeRequest | NoChange:
        assert self.plan is not None
        room = _combine(from_entries(msg.free), self._own())
        plan = self._offered[tuple(sorted(from_entries(msg.usage).items()))]
        gain = self._current(room) - self.problem.cost_in(plan, self._ctx(room))
        return ChangeRequest(usage=msg.usage, expected_gain=gain) if gain > 0 else NoChange()

    def _wishes(self, room: dict[Key, int], capacity: dict[Key, int], rnd: int,
                work: float = 1.0) -> list[WishOption]:
        """Best plan with each one slot opened to full capacity, and with all opened.

        All opened relaxes every one-slot case: when it gains nothing, none can. Priced
        wishes try, round after round, ``wish_price`` times 1, 2 and 4 (a higher price
        buys fewer slots, whose holders quote less), each time with another seed.
        """
        now = self._current(room)
        if self.wishes == "priced":
            price = self.wish_price * 2 ** (rnd % 3)
            plan = self._solve(room, True, price, rnd, work)
            if plan is None or plan.cost >= now:
                return []
            return [WishOption(usage=self._offer(plan), expected_gain=now - plan.cost)]
        found: dict[tuple[tuple[Key, int], ...], WishOption] = {}
        singles = [{**room, k: c} for k, c in sorted(capacity.items()) if c > room.get(k, 0)]
        for caps in [capacity] + (singles if self.wishes == "per-slot" else []):
            plan = self._solve(caps, work=work)
            if caps is capacity and (plan is None or plan.cost >= now):
                return []
            if plan is not None and plan.cost < now:
                key = tuple(sorted(plan.usage_map().items()))
                found.setdefault(key, WishOption(usage=self._offer(plan),
                                                 expected_gain=now - plan.cost))
        return sorted(found.values(), key=lambda w: -w.expected_gain)

    async def on_release_request(self, msg: ReleaseRequest, env: object) -> ReleaseQuote | Decline:
        assert self.plan is not None
        own = self._own()
        caps = _combine(from_entries(msg.free), own)
        for (resource, slot), amount in from_entries(msg.release).items():
            caps[resource, slot] = max(0, own.get((resource, slot), 0) - amount)
        left = self.left(msg.seconds)
        if left is not None and left < LAST_WORDS:
            return Decline(reason="no time left to quote")
        with deadline(left):
            plan = await self.think(self._solve, caps, False, None, msg.attempt, msg.work)
        if plan is None:
            return Decline(reason="no plan frees that much")
        now = self._current(_combine(from_entries(msg.free), own))
        return ReleaseQuote(usage=self._offer(plan), cost_delta=plan.cost - now)

    async def on_plan_query(self, msg: PlanQuery, env: object) -> PlanReport:
        assert self.plan is not None, f"{self.id} holds no granted plan"
        p = self.plan
        return PlanReport(episode=msg.episode, assignment=p.assignment, cost=p.cost,
                          usage=p.usage)


class Manager(Agent):
    """A resource manager: grants capacity, arbitrates changes, keeps the ledger fair."""

    role = "manager"

    def __init__(self, spec: ManagerSpec, options: NegotiateOptions, seed: int) -> None:
        super().__init__(spec.id)
        self.spec, self.options, self.seed = spec, options, seed
        self.granted: dict[str, tuple[UsageMap, int]] = {}
        self.free: dict[Key, int] = {}
        self.new_debts: list[CommitmentRecord] = []
        self.episode = 0
        self.started = 0.0
        self.asked: dict[str, float] = {}
        self.version: dict[str, int] = {}
        self.turn = Turn(self)
        self.refused_units = 0
        self.refused_members: set[str] = set()
        self.changes = 0
        self.settled = 0.0
        self.trace: list[tuple[float, int]] = []
        self.round = 0
        self.busy: set[str] = set()
        """Members solving a call for changes (only the asynchronous mode buys room for a
        wish meanwhile)."""
        self.slots: contextlib.AbstractAsyncContextManager[object] = (
            contextlib.nullcontext() if options.solvers is None or options.mode != "asynchronous"
            else Turn(self, options.solvers))

    # --- bookkeeping --------------------------------------------------------------
    def _grant_local(self, member: str, usage: UsageMap, cost: int) -> None:
        old = self.granted.get(member)
        if old:
            add_usage(self.free, old[0])
        add_usage(self.free, usage, -1)
        self.granted[member] = (usage, cost)
        self.version[member] = self.version.get(member, 0) + 1

    def _free_entries(self, free: dict[Key, int] | None = None) -> list[UsageEntry]:
        free = self.free if free is None else free
        return to_entries({k: max(0, a) for k, a in free.items()})

    async def _confirm(self, members: Iterable[str]) -> None:
        replies = await self.request_all(
            [(m, Grant(usage=to_entries(self.granted[m][0]))) for m in members])
        for r in replies:
            expect(r, Ack)

    # --- the episode ----------------------------------------------------------------
    async def on_episode_start(self, msg: EpisodeStart, env: object) -> EpisodeDone:
        self.episode, self.started = msg.episode, time.monotonic()
        self.refused_units, self.refused_members = 0, set()
        self.granted, self.free, self.new_debts = {}, dict(self.spec.capacity), []
        members = list(self.spec.members)
        order = priority_order(members, msg.ledger, self.seed, msg.episode)
        replies = await self.request_all(
            [(m, CallForPlans(episode=msg.episode, free=self._free_entries(),
                              work=self.options.plan_work)) for m in members])
        # a first estimate of how long each member's call for changes will take: longer
        # than its first plan, as a change searches from its plan (comp06, K = 2: 32 s
        # against 22 s)
        self.asked = dict.fromkeys(
            members, 1.5 * (time.monotonic() - self.started) / self.options.plan_work)
        requests = {m: expect(r, PlanRequest) for m, r in zip(members, replies, strict=True)}
        if self.options.grant_order != "ledger":
            drawn = {m: i for i, m in enumerate(order)}
            then = ({m: -sum(e.amount for e in requests[m].usage) for m in members}
                    if self.options.grant_order == "largest-first"
                    else {m: i for i, m in enumerate(members)})
            order = sorted(members, key=lambda m: (-credit(msg.ledger, m), then[m], drawn[m]))
        await self._grant_in_order(order, requests)
        for attempt in range(1 + self.options.repairs):
            if not self._overloaded():
                break
            await self._repair(order, attempt)
        self.changes, self.trace = 0, []
        self._record()
        granted = self.settled
        rounds = await self._improve(order)
        ledger = settle(self.id, msg.ledger, self.new_debts, self.granted, msg.episode,
                        self.options.violation_threshold)
        return EpisodeDone(episode=msg.episode, rounds=rounds, ledger=ledger, metrics={
            "refused_requests": float(self.refused_units),
            "refused_members": float(len(self.refused_members)),
            "changes_applied": float(self.changes), "granted_seconds": round(granted, 3),
            "settled_seconds": round(self.settled, 3), **trace_metrics(self.id, self.trace)})

    def _record(self) -> None:
        """Note when the members' plans last changed, and their summed cost then."""
        self.settled = time.monotonic() - self.started
        self.trace.append((round(self.settled, 3), sum(c for _, c in self.granted.values())))

    async def _grant_in_order(self, order: list[str], requests: dict[str, PlanRequest]) -> None:
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
                (m, Refusal(reason="capacity taken by members with priority",
                            free=self._free_entries(), work=self.options.plan_work))
                for m in asked])
            for m, r in zip(asked, replies, strict=True):
                requests[m] = expect(r, PlanRequest)
            head = refused[0]
            if requests[head].overflow:
                usage = from_entries(requests[head].usage)
                # granted even when no room could be made: that is a hard violation
                await self._make_room(head, usage, None)
                self._grant_local(head, usage, requests[head].cost)
                await self._confirm([head])
                refused = refused[1:]
            pending = refused

    def _overloaded(self) -> bool:
        """Whether any capacity is granted beyond what there is."""
        return any(a < 0 for a in self.free.values())

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
            room = {k: max(0, v) for k, v in _combine(self.free, usage).items()}
            reply = expect(await self.request(m, Refusal(
                reason="over capacity: re-plan within what others leave",
                free=self._free_entries(room), attempt=attempt,
                work=self.options.plan_work)), PlanRequest)
            new = from_entries(reply.usage)
            if (fits(new, room) or await self._make_room(m, new, None)
                    or overflow(new, room) < overflow(usage, room)):
                self._grant_local(m, new, reply.cost)
                repaired = True
            await self._confirm([m])
        return repaired

    def _work_left(self, asking: Iterable[str] = ()) -> float:
        """The share of their usual solver work that the members ``asking`` can spend on
        one more call for changes (as long, at full work, as their longest so far) before
        the time budget is spent; at most 1."""
        left = self._seconds_left()
        if left is None:
            return 1.0
        ahead = max((self.asked.get(m, 0.0) for m in asking), default=0.0)
        return min(1.0, left / ahead) if ahead > 0 else float(left > 0)

    def _seconds_left(self) -> float | None:
        """Wall seconds the time budget leaves (None: no budget)."""
        budget = self.options.time_budget
        return None if budget is None else max(0.0, budget - (time.monotonic() - self.started))

    def _out_of_time(self, asking: Iterable[str] = ()) -> bool:
        """Whether the time budget is spent, or leaves the members ``asking`` less than
        ``MIN_WORK`` of their usual work for one more call for changes."""
        return self._work_left(asking) < MIN_WORK

    async def _improve(self, order: list[str]) -> int:
        """Rounds of Requests for Change (then wishes) until a round finds none; with a
        time budget, until the budget is spent (members vary their solver seed)."""
        rank = {m: i for i, m in enumerate(order)}
        patience = self.options.max_rounds if self.options.time_budget is not None else 1
        if self.options.mode == "asynchronous":
            return await self._improve_asynchronously(order, rank, patience)
        idle = 0
        for rnd in range(self.options.max_rounds):
            self.round = rnd
            if self._out_of_time(asking=order):
                return rnd
            if self._overloaded() and await self._repair(order, rnd + 1):
                self._record()
            if await self._changes(rnd, rank, wish=False) or (
                    self.options.exchange and await self._changes(rnd, rank, wish=True)):
                idle = 0
                continue
            idle += 1
            if idle >= patience:
                return rnd
        return self.options.max_rounds

    async def _improve_asynchronously(self, order: list[str], rank: dict[str, int],
                                      patience: int) -> int:
        """Each member proposes changes (then wishes) in its own loop, settled as soon as
        its answer arrives, while the others solve; until the budget is spent or it has
        found nothing ``patience`` times in a row. A member wishes only when no other
        changed meanwhile, even while it queued (else it asks for a plain change again,
        which may fit now).
        The rounds of the busiest member."""
        rounds = dict.fromkeys(order, 0)

        async def loop(m: str) -> None:
            idle = 0
            # solves overlap and queue for the cores: any member's longest ask bounds each
            while rounds[m] < self.options.max_rounds and not self._out_of_time(order):
                rnd = self.round = rounds[m]
                rounds[m] += 1
                before = dict(self.version)
                if await self._apply_changes(rnd, [m], rank, wish=False):
                    idle = 0
                    continue
                if self.version != before:
                    continue  # others changed meanwhile: a plain change may fit now
                if self.options.exchange and await self._apply_changes(
                        rnd, [m], rank, wish=True, unless_changed=before):
                    idle = 0
                    continue
                idle += 1
                if idle >= patience:
                    return

        await self.concurrently([loop(m) for m in order])
        return max(rounds.values(), default=0)

    async def _changes(self, rnd: int, rank: dict[str, int], wish: bool) -> bool:
        """One round: concurrent asks every member at once and applies the changes best
        first where they still fit; synchronized asks one member at a time, each seeing
        the changes before it. Whether any change was applied."""
        members = sorted(self.granted, key=rank.__getitem__)
        if self.options.mode == "concurrent":  # it asks only with enough work left
            return await self._apply_changes(rnd, members, rank, wish)
        applied = False
        for m in members:
            if self._out_of_time(asking=[m]):
                break
            applied |= await self._apply_changes(rnd, [m], rank, wish)
        return applied

    async def _apply_changes(self, rnd: int, members: list[str], rank: dict[str, int],
                             wish: bool, unless_changed: dict[str, int] | None = None
                             ) -> bool:
        """Ask ``members`` for changes and apply those that still fit, best gain first
        (a change is dropped when its member's plan changed meanwhile). A wish
        ``unless_changed`` is asked as a plain change when plans changed since those
        versions (while it queued)."""
        async with self.slots:  # a queued member sees the changes applied meanwhile
            if unless_changed is not None and self.version != unless_changed:
                wish = False
            capacity = to_entries(self.spec.capacity) if wish else []
            asked, seen, work = time.monotonic(), dict(self.version), self._work_left(members)
            if work < MIN_WORK:
                return False
            self.busy.update(members)
            try:
                replies = await self.request_all([(m, CallForChanges(
                    round=rnd, free=self._free_entries(), wish=wish, capacity=capacity,
                    work=work, seconds=self._seconds_left())) for m in members])
            finally:
                self.busy.difference_update(members)
            for m in members:  # how long a call at full work takes
                self.asked[m] = max(self.asked.get(m, 0.0), (time.monotonic() - asked) / work)
        proposed = self._proposed(members, replies, rank)
        if not proposed:  # nothing to apply: no need to wait for another's purchase
            return False
        async with self.turn:
            return await self._apply(wish, proposed, seen)

    def _proposed(self, members: list[str], replies: list[Envelope], rank: dict[str, int]
                  ) -> list[tuple[int, str, UsageMap]]:
        """The changes and wishes in replies, best gain first."""
        changes: list[tuple[int, str, UsageMap]] = []
        for m, r in zip(members, replies, strict=True):
            if isinstance(r.body, ChangeRequest):
                changes.append((r.body.expected_gain, m, from_entries(r.body.usage)))
            elif isinstance(r.body, Wishes):
                changes += [(w.expected_gain, m, from_entries(w.usage)) for w in r.body.options]
        return sorted(changes, key=lambda c: (-c[0], rank[c[1]]))

    async def _apply(self, wish: bool, changes: list[tuple[int, str, UsageMap]],
                     seen: dict[str, int]) -> bool:
        """Apply proposed changes where they fit (wishes: where room can be bought). A
        change is dropped when its member's plan changed since it was proposed, and its
        gain is asked again when others' plans changed (the gain may depend on them)."""
        applied: set[str] = set()
        for gain, m, usage in changes:
            # no time check: a computed change costs only messages to apply (a wish's
            # purchase of room checks the work left itself)
            if m in applied or self.version.get(m) != seen.get(m):
                continue
            if any(v != seen.get(o) for o, v in self.version.items() if o != m):
                gain = await self._recheck(m, usage)
                if gain <= 0:
                    continue
            room = _combine(self.free, self.granted[m][0])
            if fits(usage, room) or (wish and await self._make_room(m, usage, gain)):
                self._grant_local(m, usage, self.granted[m][1] - gain)
                await self._confirm([m])
                applied.add(m)
                self.changes += 1
                self._record()
        return bool(applied)

    async def _recheck(self, member: str, usage: UsageMap) -> int:
        """The gain of ``member``'s proposed change as things stand now (0: none)."""
        reply = await self.request(member, Recheck(usage=to_entries(usage),
                                                   free=self._free_entries()))
        return reply.body.expected_gain if isinstance(reply.body, ChangeRequest) else 0

    async def _make_room(self, requester: str, usage: UsageMap, gain: int | None) -> bool:
        """Buy room for ``requester``'s usage from holders' release quotes.

        With ``gain`` the quotes must cost less than it, and are sought only with the solver
        work the time budget leaves (``MIN_WORK`` at least); without, any cost goes (the
        requester has no feasible plan otherwise). Releasers are owed what they quote.
        For a wish, a member busy with its own call for changes is not asked (its quote
        would wait behind that solve, and every change behind the purchase): the wish is
        tried again later.
        """
        room = _combine(self.free, self.granted.get(requester, ({}, 0))[0])
        need = {k: a - max(0, room.get(k, 0)) for k, a in usage.items() if a > room.get(k, 0)}
        spare = {k: max(0, v - usage.get(k, 0)) for k, v in room.items()}
        chosen: dict[str, Release] = {}
        batch = self.options.quote_batch
        for key, amount in sorted(need.items()):
            holders = sorted((m for m in self.granted if m != requester
                              and (gain is None or m not in self.busy)
                              and self._holding(m, chosen).get(key, 0) > 0),
                             key=lambda m: (-self._holding(m, chosen).get(key, 0), m))
            for start in range(0, len(holders), batch):
                if amount <= 0:
                    break
                asked = holders[start:start + batch]
                work = 1.0 if gain is None else self._work_left(asked)
                if work < MIN_WORK:
                    return False
                # a needed room is bought whatever the time: its quotes get no deadline
                amount = await self._take_quotes(
                    asked, key, amount, spare, chosen, work,
                    seconds=None if gain is None else self._seconds_left())
            if amount > 0:
                return False
        cost = sum(r.delta for r in chosen.values())
        if gain is not None and cost >= gain:
            return False
        for m, r in chosen.items():
            self._grant_local(m, r.usage, self.granted[m][1] + r.delta)
            self.new_debts.append(CommitmentRecord(
                id=f"{self.id}:e{self.episode}:{requester}>{m}:{len(self.new_debts)}",
                debtor=requester, creditor=m, amount=max(0, r.delta),
                created_episode=self.episode, due_episode=self.episode + 1))
        await self._confirm(sorted(chosen))
        return True

    def _holding(self, m: str, chosen: dict[str, Release]) -> UsageMap:
        """What ``m`` holds, after the release it has already quoted for."""
        return chosen[m].usage if m in chosen else self.granted[m][0]

    async def _take_quotes(self, asked: list[str], key: Key, amount: int,
                           spare: dict[Key, int], chosen: dict[str, Release],
                           work: float = 1.0, seconds: float | None = None) -> int:
        """Ask some holders to quote for releasing ``amount`` at ``key`` (on top of what
        they already agreed to release), with ``work`` and the wall ``seconds`` left;
        keep the cheapest per unit that fit the spare capacity together. Returns what is
        still needed."""
        asks = {}
        for m in asked:
            before = chosen.get(m)
            room = dict(spare)
            if before:  # its earlier quote's extra usage is spare again for the new one
                add_usage(room, before.extra)
            take = min(amount, self._holding(m, chosen)[key])
            release = dict(before.release) if before else {}
            release[key] = release.get(key, 0) + take
            asks[m] = (room, release)
        replies = await self.request_all([
            (m, ReleaseRequest(release=to_entries(release), free=self._free_entries(room),
                               attempt=self.round, work=work, seconds=seconds))
            for m, (room, release) in asks.items()])
        quotes = []
        for m, r in zip(asked, replies, strict=True):
            if isinstance(r.body, ReleaseQuote):
                new = from_entries(r.body.usage)
                freed = self._holding(m, chosen)[key] - new.get(key, 0)
                if freed > 0:
                    extra = {k: a - self.granted[m][0].get(k, 0) for k, a in new.items()}
                    quotes.append((r.body.cost_delta / freed, m, Release(
                        usage=new, delta=r.body.cost_delta, release=asks[m][1],
                        extra={k: a for k, a in extra.items() if a > 0}), freed))
        for _, m, q, freed in sorted(quotes, key=lambda q: (q[0], q[1])):
            if amount <= 0:
                break
            room = dict(spare)
            if m in chosen:
                add_usage(room, chosen[m].extra)
            if not fits(q.extra, room):
                continue
            add_usage(room, q.extra, -1)
            spare.clear()
            spare.update(room)
            chosen[m] = q
            amount -= freed
        return amount


@dataclass
class Release:
    """A holder's quoted release: its usage after it, the cost, what it frees, and the
    usage it adds beyond what it was granted."""

    usage: UsageMap
    delta: int
    release: UsageMap
    extra: UsageMap


class NegotiateProtocol(Protocol):
    """The protocol object registered as ``negotiate``."""

    name = "negotiate"
    summary = "grants by ledger priority, Requests for Change, exchanges; usage only"
    options_type = NegotiateOptions

    def cast(
        self, domain: Domain, scenario: ScenarioBase, options: BaseModel, anchors: dict[str, Plan]
    ) -> Cast:
        assert isinstance(options, NegotiateOptions)
        managers: list[Agent] = [Manager(s, options, scenario.seed)
                                 for s in domain.managers(scenario)]
        return Cast(managers=managers, members=members(
            domain, scenario, anchors, options.solve_time_limit, options.wishes,
            options.wish_price), asynchronous=options.mode == "asynchronous")


def members(domain: Domain, scenario: ScenarioBase, anchors: dict[str, Plan], limit: float,
            wishes: str = "per-slot", wish_price: int = 2) -> list[Agent]:
    """One member agent per local problem, anchored on its last stored plan."""
    return [Member(p, anchors.get(p.agent_id), member_seed(scenario.seed, p.agent_id), limit,
                   wishes, wish_price) for p in domain.local_problems(scenario)]


def member_seed(seed: int, name: str) -> int:
    """A member's solver seed, derived from the scenario seed and its name."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:4], "big") % 2**31
