"""Buying room in ``negotiate``: holders quote for releasing capacity, the cheapest are paid."""

from __future__ import annotations

from dataclasses import dataclass

from accord.contract import ManagerSpec
from accord.model.messages import CommitmentRecord
from accord.model.plan import Key, UsageMap, add_usage, from_entries, to_entries
from accord.protocols.capacity import combine, fits
from accord.protocols.messages import ReleaseQuote, ReleaseRequest
from accord.protocols.negotiate.books import Books
from accord.protocols.negotiate.options import MIN_WORK, NegotiateOptions
from accord.protocols.tokens import Wallet


@dataclass
class Release:
    """A holder's quoted release: its usage after it, the cost, what it frees, and the
    usage it adds beyond what it was granted."""

    usage: UsageMap
    delta: int
    release: UsageMap
    extra: UsageMap


class Exchange(Books):
    """A manager that buys room for a member's usage from the holders' release quotes."""

    def __init__(self, spec: ManagerSpec, options: NegotiateOptions, seed: int) -> None:
        super().__init__(spec, options, seed)
        self.round = 0
        """The round of changes under way (holders vary their solver seed by it)."""
        self.busy: set[str] = set()
        """Members solving a call for changes (only the asynchronous mode buys room for a
        wish meanwhile)."""
        self.wallet = Wallet(options, {})
        """The members' tokens this episode (bidding)."""

    async def _make_room(self, requester: str, usage: UsageMap, gain: int | None) -> bool:
        """Buy room for ``requester``'s usage from holders' release quotes.

        With ``gain`` the quotes must cost less than it, and are sought only with the solver
        work the time budget leaves (``MIN_WORK`` at least); without, any cost goes (the
        requester has no feasible plan otherwise). Releasers are owed what they quote.
        For a wish, a member busy with its own call for changes is not asked (its quote
        would wait behind that solve, and every change behind the purchase): the wish is
        tried again later.
        """
        room = combine(self.free, self.granted.get(requester, ({}, 0))[0])
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
                work = 1.0 if gain is None else self.budget.work_left(asked)
                if work < MIN_WORK:
                    return False
                # a needed room is sought whatever the time, but its quotes stop by the
                # deadline too (a holder's last-chance repair still runs past it)
                amount = await self._take_quotes(
                    asked, key, amount, spare, chosen, work,
                    seconds=self.budget.seconds_left())
            if amount > 0:
                return False
        cost = sum(r.delta for r in chosen.values())
        if gain is not None and cost >= gain:  # a bid may pay what the gain does not cover
            if not self.wallet.can_pay(requester, cost - gain + 1, need):
                return False
            self.wallet.pay(requester, cost - gain + 1)
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
            (m, ReleaseRequest(release=to_entries(release),
                               free=self.spec.usable(m, self._free_entries(room)),
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
