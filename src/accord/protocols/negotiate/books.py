"""A ``negotiate`` manager's books: what each member holds, what is free, what is owed."""

from __future__ import annotations

from collections.abc import Iterable

from accord.contract import ManagerSpec
from accord.model.messages import Ack, CommitmentRecord
from accord.model.plan import Key, UsageEntry, UsageMap, add_usage, to_entries
from accord.protocols.messages import Grant
from accord.protocols.negotiate.budget import TimeBudget
from accord.protocols.negotiate.options import NegotiateOptions
from accord.runtime.agent import Agent, expect


class Books(Agent):
    """The base of a resource manager: the usage and cost granted to each member, the
    capacity left free (negative where granted beyond it), the debts of this episode's
    purchases, and when the members' plans changed."""

    def __init__(self, spec: ManagerSpec, options: NegotiateOptions, seed: int) -> None:
        super().__init__(spec.id)
        self.spec, self.options, self.seed = spec, options, seed
        self.episode = 0
        self.granted: dict[str, tuple[UsageMap, int]] = {}
        self.free: dict[Key, int] = {}
        self.new_debts: list[CommitmentRecord] = []
        self.version: dict[str, int] = {}
        """How many times each member was granted a plan (a change since is seen)."""
        self._sent: tuple[dict[Key, int], int, list[UsageEntry]] | None = None
        """The free capacity as last sent: its books, their moves then, the entries."""
        self._moves = 0
        self.budget = TimeBudget(options.time_budget, self.clock)
        self.settled = 0.0
        self.trace: list[tuple[float, int]] = []

    def _grant_local(self, member: str, usage: UsageMap, cost: int) -> None:
        """Book ``usage`` at ``cost`` as ``member``'s, in place of what it held."""
        old = self.granted.get(member)
        if old:
            add_usage(self.free, old[0])
        add_usage(self.free, usage, -1)
        self.granted[member] = (usage, cost)
        self.version[member] = self.version.get(member, 0) + 1
        self._moves += 1

    def _free_entries(self, free: dict[Key, int] | None = None) -> list[UsageEntry]:
        """The free capacity (or ``free``) to send, none below zero. The books' own are
        written once between grants (the messages of a round share them: at 80
        departments a list of 21,636 entries takes a tenth of a second to make)."""
        if free is not None:
            return to_entries({k: max(0, a) for k, a in free.items()})
        if self._sent is None or self._sent[0] is not self.free or self._sent[1] != self._moves:
            self._sent = (self.free, self._moves,
                          to_entries({k: max(0, a) for k, a in self.free.items()}))
        return self._sent[2]

    async def _confirm(self, members: Iterable[str]) -> None:
        """Grant ``members`` what they hold in the books."""
        replies = await self.request_all(
            [(m, Grant(usage=to_entries(self.granted[m][0]))) for m in members])
        for r in replies:
            expect(r, Ack)

    def _overloaded(self) -> bool:
        """Whether any capacity is granted beyond what there is."""
        return any(a < 0 for a in self.free.values())

    def _record(self) -> None:
        """Note when the members' plans last changed, and their summed cost then."""
        self.settled = self.budget.elapsed()
        self.trace.append((round(self.settled, 3), sum(c for _, c in self.granted.values())))
