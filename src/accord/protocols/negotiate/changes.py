"""Requests for Change in ``negotiate``: rounds (concurrent or synchronized) or each
member's own loop (asynchronous), applied best gain first while they still fit."""

from __future__ import annotations

import contextlib

from accord.contract import ManagerSpec
from accord.model.messages import Envelope
from accord.model.plan import UsageMap, from_entries, to_entries
from accord.protocols.capacity import combine, fits
from accord.protocols.messages import CallForChanges, ChangeRequest, Recheck, Wishes
from accord.protocols.negotiate.options import MIN_WORK, NegotiateOptions
from accord.protocols.negotiate.swaps import Swaps
from accord.runtime.agent import Turn


class Changes(Swaps):
    """A manager that seeks Requests for Change (then wishes) once everyone holds a plan."""

    def __init__(self, spec: ManagerSpec, options: NegotiateOptions, seed: int) -> None:
        super().__init__(spec, options, seed)
        self.changes = 0
        """Changes applied this episode."""
        self.turn = Turn(self)
        """Held while applying proposed changes (one batch at a time)."""
        self.slots: contextlib.AbstractAsyncContextManager[object] = (
            contextlib.nullcontext() if options.solvers is None or options.mode != "asynchronous"
            else Turn(self, options.solvers))
        """Held while asking for changes (at most ``solvers`` members at once)."""

    async def _improve(self, order: list[str]) -> int:
        """Rounds of Requests for Change (then wishes) until a round finds none; with a
        time budget, until the budget is spent (members vary their solver seed)."""
        rank = {m: i for i, m in enumerate(order)}
        await self._swap()
        patience = self.options.max_rounds if self.options.time_budget is not None else 1
        if self.options.mode == "asynchronous":
            return await self._improve_asynchronously(order, rank, patience)
        idle = 0
        for rnd in range(self.options.max_rounds):
            self.round = rnd
            if self.budget.out_of_time(order):
                return rnd
            if self._overloaded() and await self._repair(order, rnd + 1):
                self._record()
            if await self._changes(rnd, rank, wish=False) or (
                    self.options.exchange and await self._changes(rnd, rank, wish=True)):
                idle = 0
                await self._swap()
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
            while rounds[m] < self.options.max_rounds and not self.budget.out_of_time(order):
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
            if self.budget.out_of_time([m]):
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
            since, seen, work = self.clock(), dict(self.version), self.budget.work_left(members)
            if work < MIN_WORK:
                return False
            self.busy.update(members)
            free = self._free_entries()
            try:
                replies = await self.request_all([(m, CallForChanges(
                    round=rnd, free=self.spec.usable(m, free), wish=wish,
                    capacity=self.spec.usable(m, capacity),
                    work=work, seconds=self.budget.seconds_left())) for m in members])
            finally:
                self.busy.difference_update(members)
            self.budget.note(members, since, work)
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
            room = combine(self.free, self.granted[m][0])
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
                                                   free=self.spec.usable(
                                                       member, self._free_entries())))
        return reply.body.expected_gain if isinstance(reply.body, ChangeRequest) else 0
