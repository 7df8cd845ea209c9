"""``transport``: the seed's three stages over priced resources (nursing's lines).

1. Each ward finds its roster alone (``call_for_plans`` -> ``plan_request``: seats per
   (line, shift) and penalty).
2. Each line manager improves its line (``line_manager.py``): it asks the wards holding a
   shift's last, nearly empty cab to move those nurses into free seats of other shifts
   (``release_request`` -> ``release_quote`` with the penalty added, or ``decline``); a
   ward declines beyond its quality threshold; a move is granted when the cab saved is
   worth more than the weighted penalty. Concurrent mode runs every line at once.
3. Requests for Change, led by the office: each ward re-solves with the free seats open
   (``call_for_changes``) and sends a ``change_request`` with its Expected Gain (weighted
   penalty decrease) and its new seats; every affected line quotes the transport cost it
   adds (``release_request`` with the seats released and taken -> ``release_quote``); the
   change is granted when the quotes sum to less than the gain, so the global cost goes
   down. With ``trade`` the gain may be negative: a worse penalty for fewer cabs. With
   ``tokens``, a ward may also bid (``wishes``) for seats on full shifts: the
   office approves the change when the ward's tokens cover the shortfall, and charges it.
   Requests are processed one at a time; concurrent mode lets every ward re-solve at once.
   A call carries the seconds the time budget leaves, and a ward's re-solve stops by
   then with the best roster it has. Once no ward can gain
   alone, restarts use the time left: every ward re-solves with one line's seats at a full
   cab's cost per seat (that line listed in the call's ``capacity``), its request is
   granted, Requests for Change follow, and the office keeps the better state (granting
   every ward and line its previous one back otherwise).

The office only sequences the stages and adds numbers; it sees seats and costs, like the
line managers. Every message carries seats per (line, shift) and cost numbers only.
"""

from __future__ import annotations

from accord.contract import PricedMarket
from accord.contract.resources import free_places as free_seats
from accord.model.messages import Ack, EpisodeDone, EpisodeStart, PlanQuery, PlanReport
from accord.model.plan import Key, UsageEntry, UsageMap, add_usage, from_entries, to_entries
from accord.protocols.messages import (
    CallForChanges,
    CallForPlans,
    ChangeRequest,
    Grant,
    NoChange,
    PlanRequest,
    Refusal,
    ReleaseQuote,
    Wishes,
)
from accord.protocols.tokens import Wallet, allowances
from accord.protocols.trace import trace_metrics
from accord.protocols.transport.messages import FareQuery, ImproveLine, LineImproved
from accord.protocols.transport.options import TransportOptions, ask
from accord.runtime.agent import Agent, expect

OFFICE = "office"


class Office(Agent):
    """Sequences the stages, routes Requests for Change to the lines, keeps the trace."""

    role = "office"

    def __init__(self, market: PricedMarket, opts: TransportOptions) -> None:
        super().__init__(OFFICE)
        self.market, self.opts = market, opts
        self.wards = list(market.keys)
        self.lines = [ln.id for ln in market.resources]
        self.seats: dict[str, UsageMap] = {}
        self.loads: UsageMap = {}
        self.penalty = 0
        self.transport = 0
        self.alone: dict[str, int] = {}
        """Each ward's penalty alone (stage 1): its difficulty for a token allowance."""
        self.wallet = Wallet(opts, {})
        self.started = self.clock()
        self.trace: list[tuple[float, int]] = []
        self.tentative = False
        """A restart is under way: its costs are not the protocol's answer yet."""
        self.round_seconds = 0.0
        """How long the last round of stage 3 lasted."""

    def _elapsed(self) -> float:
        return self.clock() - self.started

    def _cost(self) -> int:
        return self.transport + self.market.penalty_weight * self.penalty

    def _mark(self, metrics: dict[str, float], stage: int) -> None:
        metrics |= {f"stage{stage}.cost": float(self._cost()),
                    f"stage{stage}.transport": float(self.transport),
                    f"stage{stage}.penalty": float(self.penalty),
                    f"stage{stage}.at_seconds": round(self._elapsed(), 4)}

    async def on_episode_start(self, msg: EpisodeStart, env: object) -> EpisodeDone:
        self.started, self.trace = self.clock(), []
        metrics: dict[str, float] = {}
        replies = await ask(self, [(w, CallForPlans(episode=msg.episode, free=[]))
                                   for w in self.wards], self.opts.mode)
        self.seats, self.penalty, self.alone = {}, 0, {}
        for w, r in zip(self.wards, replies, strict=True):
            req = expect(r, PlanRequest)
            self.seats[w], self.penalty = from_entries(req.usage), self.penalty + req.cost
            self.alone[w] = req.cost
        self.loads = {}
        for u in self.seats.values():
            add_usage(self.loads, u)
        self.transport = self.market.cost(self.loads)
        self.trace.append((self._elapsed(), self._cost()))
        self._mark(metrics, 1)
        rounds = 0
        if self.opts.stages >= 2:
            rounds += await self._stage2(msg.episode, metrics)
        if self.opts.stages >= 3:
            rounds += await self._stage3(metrics)
        return EpisodeDone(episode=msg.episode, rounds=rounds,
                           metrics=metrics | trace_metrics(self.id, self.trace))

    async def _stage2(self, episode: int, metrics: dict[str, float]) -> int:
        """Every line improves itself; then the office reads the lines' state back."""
        start, cost = self._elapsed(), self._cost()
        done = [expect(r, LineImproved) for r in await ask(
            self, [(ln, ImproveLine(episode=episode)) for ln in self.lines], self.opts.mode)]
        events = sorted((m.at_seconds, m.delta) for d in done for m in d.moves)
        for t, delta in events:
            cost += delta
            self.trace.append((max(t, start), cost))
        self.penalty += sum(d.penalty_delta for d in done)
        await self._survey(episode)
        if self._cost() != cost:  # a move may also have emptied seats on other lines
            self.trace.append((self._elapsed(), self._cost()))
        metrics["stage2.moves"] = float(sum(len(d.moves) for d in done))
        self._mark(metrics, 2)
        return max((len(d.moves) for d in done), default=0)

    async def _survey(self, episode: int) -> None:
        """Seats of every ward on every line, and the transport cost, from the lines."""
        reports = [expect(r, PlanReport) for r in await ask(
            self, [(ln, PlanQuery(episode=episode)) for ln in self.lines], self.opts.mode)]
        self.seats, self.loads = {w: {} for w in self.wards}, {}
        self.transport = sum(rep.cost for rep in reports)
        for ln, rep in zip(self.lines, reports, strict=True):
            for w, per_shift in rep.assignment["seats"].items():
                for s, a in per_shift.items():
                    self.seats[w][ln, int(s)] = a
            add_usage(self.loads, from_entries(rep.usage))

    async def _stage3(self, metrics: dict[str, float]) -> int:
        """Rounds of Requests for Change (then bids) until a round changes nothing; then,
        while time is left, restarts, one line after the other (not a line of one-seat cabs,
        whose seats cost that already): every ward requests its best
        roster with that line's seats sold at a full cab's cost per seat (granted whatever
        it costs), Requests for Change follow, and the better of that state and the one
        before is kept. Restarts stop once every line has failed in a row, or when the time
        left is shorter than two rounds (a restart's first round and one round of
        requests)."""
        self.wallet = Wallet(self.opts, allowances(self.opts, self.alone))
        counts = {"changes": 0, "rejected": 0, "restarts": 0, "restarts_kept": 0}
        rounds = await self._requests(counts)
        order = [ln for ln in self.market.resources if ln.unit > 1]  # one seat: priced already
        failed = 0
        while (counts["restarts"] < self.opts.restarts and failed < len(order)
               and not self._late(2 * self.round_seconds)):
            line = order[counts["restarts"] % len(order)]
            best = (self._cost(), dict(self.seats), dict(self.loads), self.penalty,
                    self.transport)
            self.tentative, began = True, self._elapsed()
            await self._round(counts["restarts"], False, counts, shared=[
                UsageEntry(resource=line.id, slot=s, amount=line.unit)
                for s in range(len(line.cost_per_unit))])
            self.round_seconds = self._elapsed() - began
            rounds += await self._requests(counts, bids=False)
            self.tentative = False
            counts["restarts"] += 1
            if self._cost() < best[0]:
                counts["restarts_kept"] += 1
                failed = 0
                self.trace.append((self._elapsed(), self._cost()))
                continue
            failed += 1
            _, self.seats, self.loads, self.penalty, self.transport = best
            for r in await self.request_all([(w, Grant(usage=to_entries(self.seats[w])))
                                             for w in self.wards]):
                expect(r, Ack)
            await self._tell_lines()
        metrics |= {f"stage3.{k}": float(v) for k, v in counts.items()} | {
            f"stage3.{k}": v for k, v in self.wallet.metrics().items()} | {
            f"alone.{w}": float(c) for w, c in self.alone.items()}
        self._mark(metrics, 3)
        return rounds

    async def _requests(self, counts: dict[str, int],
                        bids: bool = True) -> int:
        """Rounds of Requests for Change (then, with tokens, bids) until a round changes
        nothing; the rounds that changed something."""
        rounds = 0
        for rnd in range(self.opts.stage3_rounds):
            if self._late():
                break
            applied, began = 0, self._elapsed()
            for wish in (False, True) if self.opts.tokens and bids else (False,):
                applied += await self._round(rnd, wish, counts)
                if applied or self._late():
                    break
            self.round_seconds = self._elapsed() - began
            if not applied or self._late():
                break
            rounds = rnd + 1
        return rounds

    async def _tell_lines(self) -> None:
        """Every line's loads as the office holds them."""
        per_line: dict[str, list[UsageEntry]] = {ln: [] for ln in self.lines}
        for e in to_entries(self.loads):
            per_line[e.resource].append(e)
        for r in await self.request_all([(ln, Grant(usage=u)) for ln, u in per_line.items()]):
            expect(r, Ack)

    def _seconds_left(self) -> float | None:
        """Wall seconds the time budget leaves (None: no budget): a ward's re-solve stops
        by then, so that a round started in time does not overrun it."""
        budget = self.opts.time_budget
        return None if budget is None else max(0.0, budget - self._elapsed())

    def _late(self, ahead: float = 0.0) -> bool:
        """The time budget is spent, or would be after ``ahead`` more seconds (a restart,
        as long as two of the last rounds: what is not started does not overrun). A round
        of Requests for Change stops itself in time (``_seconds_left``)."""
        budget = self.opts.time_budget
        return budget is not None and self._elapsed() + ahead > budget

    def _beyond_free(self, old: UsageMap, new: UsageMap) -> set[Key]:
        """The (line, shift)s where ``new`` takes more seats than ``old`` held plus the
        free ones: where a bid buys room (more cabs)."""
        return {k for k, a in new.items() if a - old.get(k, 0) > free_seats(
            self.loads.get(k, 0), self.market.resource(k[0]).unit)}

    async def _round(self, rnd: int, wish: bool, counts: dict[str, int],
                     shared: list[UsageEntry] | None = None) -> int:
        """One round: synchronized asks one ward at a time, each seeing the changes before
        it; concurrent asks all at once and settles their requests best gain first. With
        ``shared`` (a restart), every ward is asked and every request granted."""
        def call(ward: str) -> CallForChanges:
            free = {k: f for k, p in self.loads.items()
                    if (f := free_seats(p, self.market.resource(k[0]).unit))}
            return CallForChanges(round=rnd, free=to_entries(free), wish=wish,
                                  capacity=shared or [], seconds=self._seconds_left(),
                                  tokens=self.wallet.balance.get(ward, 0) if wish else None)
        applied = 0
        if self.opts.mode == "synchronized":
            for w in self.wards:
                if self._late() and not shared:
                    break
                applied += await self._settle(w, (await self.request(w, call(w))).body,
                                              counts, bool(shared))
            return applied
        bodies = [r.body for r in await self.request_all([(w, call(w)) for w in self.wards])]
        order = sorted(zip(self.wards, bodies, strict=True), key=lambda wb: -_gain(wb[1]))
        for w, body in order:
            applied += await self._settle(w, body, counts, bool(shared))
        return applied

    async def _settle(self, ward: str, body: object, counts: dict[str, int],
                      force: bool = False) -> int:
        """Quote a ward's request at its lines; grant it when the global cost goes down
        (or, for a bid, when the ward's tokens cover the shortfall, see ``protocols.tokens``;
        or with ``force``)."""
        if isinstance(body, NoChange):
            return 0
        if isinstance(body, Wishes):
            wish = body.options[0]
            new, gain, bid = from_entries(wish.usage), wish.expected_gain, True
        else:
            assert isinstance(body, ChangeRequest), f"{ward} answered {body!r}"
            new, gain, bid = from_entries(body.usage), body.expected_gain, False
        old = self.seats[ward]
        per_line: dict[str, tuple[UsageMap, UsageMap]] = {}
        for k in sorted(set(old) | set(new)):
            d = new.get(k, 0) - old.get(k, 0)
            if d:
                rel, add = per_line.setdefault(k[0], ({}, {}))
                (add if d > 0 else rel)[k] = abs(d)
        lines = sorted(per_line)
        quotes = [expect(r, ReleaseQuote) for r in await self.request_all(
            [(ln, _quote_request(*per_line[ln])) for ln in lines])]
        delta = sum(q.cost_delta for q in quotes)
        pay = 0 if delta < gain or force else delta - gain + 1
        if pay and not (bid and self.wallet.can_pay(ward, pay, self._beyond_free(old, new))):
            counts["rejected"] += 1
            expect(await self.request(ward, Refusal(
                reason=f"adds {delta} transport cost for a gain of {gain}", free=[])), Ack)
            return 0
        replies = await self.request_all(
            [(ln, Grant(usage=q.usage)) for ln, q in zip(lines, quotes, strict=True)]
            + [(ward, Grant(usage=to_entries(new)))])
        for r in replies:
            expect(r, Ack)
        if pay:
            self.wallet.pay(ward, pay)
        counts["changes"] += 1
        add_usage(self.loads, old, -1)
        add_usage(self.loads, new)
        self.seats[ward] = new
        self.transport += delta
        self.penalty -= gain // max(1, self.market.penalty_weight)
        if not self.tentative:
            self.trace.append((self._elapsed(), self._cost()))
        return 1


def _quote_request(release: UsageMap, take: UsageMap) -> FareQuery:
    """Ask a line what releasing and taking these seats adds."""
    return FareQuery(release=to_entries(release), take=to_entries(take))


def _gain(body: object) -> int:
    if isinstance(body, ChangeRequest):
        return body.expected_gain
    if isinstance(body, Wishes) and body.options:
        return body.options[0].expected_gain
    return 0
