"""The simulated venue: deterministic fills against the instance's own market data, in event
time, inside the engine step (so a strategy sees its fills before its next decision).

docs/venue.md states every rule and its assumptions; in short:
- Orders and cancels arrive after the entry latency plus the market-data latency
  (`latency.py`), in send order; a cancel that arrives after a fill finds nothing to cancel.
- On arrival, in this order: a good-till-date order already past its `expire_ns` is cancelled
  ("expired"); an order below `min_notional` or a post-only order that would take is rejected
  (or the latter re-priced); the order is accepted; self-trade prevention may cancel it or
  the instance's resting orders it would cross (`rules.py`); then the fill model matches it.
- Fill models. `trades` (default): marketable orders fill completely at the opposite touch
  (or at the next print without a quotes feed); resting orders fill from prints at or through
  their price behind their queue (`queue.py`). `touch`: aggressive orders take displayed sizes
  level by level up to their limit (`touch.py`), the remainder waiting for the next book
  update; resting orders fill when the opposite touch reaches their price, up to the
  displayed size. `intensity` (`intensity.py`): resting quotes fill by Poisson draws.
- IOC fills what it can on arrival and cancels the rest; FOK fills completely on arrival or
  is cancelled; a GTD order is cancelled ("expired") at `expire_ns`.
- Fees: bps of notional, maker or taker rate, in the instrument's quote currency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.runtime.engine.book import Book
from orderloom.runtime.engine.clock import Clock
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import FOK, GTC, NEW, Order
from orderloom.runtime.venues.intensity import IntensityFills
from orderloom.runtime.venues.latency import EntryLatency
from orderloom.runtime.venues.queue import QueuePositions
from orderloom.runtime.venues.reports import ExecutionReports, Liquidity
from orderloom.runtime.venues.rules import (
    SELF_TRADE_REASON,
    below_min_notional,
    crosses,
    post_only_reason,
    post_only_reprice,
    self_trade_crossed,
    would_take,
)
from orderloom.runtime.venues.touch import Taken, crossing_lots, forget_refreshed, take, takeable

_INF = math.inf


def _bid_priority(order: Order) -> float:
    return -order.price


def _ask_priority(order: Order) -> float:
    return order.price


class SimulatedVenue:
    def __init__(
        self,
        params: SimulatedVenueParams,
        clock: Clock,
        book: Book,
        lots: Sequence[LotSpec],
        reports: ExecutionReports,
    ) -> None:
        n = len(lots)
        self.latency = EntryLatency(params)
        self.maker_rate = params.maker_fee_bps / 10_000.0
        self.taker_rate = params.taker_fee_bps / 10_000.0
        self.min_notional = float(params.min_notional)
        self.self_trade = params.self_trade
        self.reprice_post_only = params.post_only == "reprice"
        self.clock = clock
        self.book = book
        self.lots = tuple(lots)
        self.reports = reports
        # The engine calls on_trade only when a print could fill something: price <= buy
        # trigger or >= sell trigger (±inf when nothing can fill on that side).
        self.buy_trigger = [-_INF] * n
        self.sell_trigger = [_INF] * n
        self.intensity = IntensityFills(params, n) if params.fill_model == "intensity" else None
        self.touch = params.fill_model == "touch"
        self.queue = (
            QueuePositions(book, n)
            if params.fill_model == "trades" and params.queue_position
            else None
        )
        # The engine calls on_quote (quotes and book updates) only while quote_waiting[slot] >
        # 0: the intensity and touch models need every book event, so their floor is 1; the
        # trades model counts the resting orders whose queue the book may still advance.
        self._quote_floor = 1 if self.intensity is not None or self.touch else 0
        self.quote_waiting = [self._quote_floor] * n
        # True while only queue positions listen to the slot's book (trades model, no order
        # waiting for a book update): an L2 delta then matters only at a `watched_levels`
        # price or at the far end of the depth, and the engine skips on_quote otherwise.
        self.queue_only = [False] * n
        self._takers: list[list[Order]] = [[] for _ in range(n)]  # waiting for the next trade
        self._quote_takers: list[list[Order]] = [[] for _ in range(n)]  # ... for a book update
        self._resting_buys: list[list[Order]] = [[] for _ in range(n)]  # best price first
        self._resting_sells: list[list[Order]] = [[] for _ in range(n)]
        # touch: what our orders took from each displayed level (see touch.py).
        self._taken: list[Taken] = [{} for _ in range(n)]

    # --- requests from the engine --------------------------------------------------------

    def submit(self, order: Order, now_ns: int) -> None:
        self.clock.at(self.latency.arrival_ns(now_ns), self._arrive, order)

    def cancel(self, order: Order, now_ns: int) -> None:
        self.clock.at(self.latency.arrival_ns(now_ns), self._cancel_arrives, order)

    def cancel_now(self, order: Order, ts_ns: int, reason: str) -> None:
        """Cancel without latency (end of replay, kill switch, venue rules)."""
        self._remove(order)
        self.reports.on_cancelled(order, ts_ns, reason)

    # --- event-time callbacks ------------------------------------------------------------

    def _arrive(self, ts_ns: int, order: Order) -> None:
        if order.status != NEW:  # cancelled while in flight
            return
        if order.expire_ns is not None and order.expire_ns <= ts_ns:
            self.reports.on_cancelled(order, ts_ns, "expired")
            return
        if self.min_notional > 0.0 and self._below_min_notional(order, ts_ns):
            return
        if order.post_only and would_take(self.book, order) and not self._reprice(order, ts_ns):
            return
        self.reports.on_accepted(order, ts_ns)
        if self.self_trade != "none" and self._prevent_self_trade(order, ts_ns):
            return
        self._match(order, ts_ns)
        if order.expire_ns is not None and order.is_open:
            self.clock.at(order.expire_ns, self._expire, order)

    def _match(self, order: Order, ts_ns: int) -> None:
        slot, side, tif = order.slot, order.side, order.tif
        market = order.price_ticks is None
        if self.intensity is not None and not market and tif == GTC:
            self._rest(order)
            self.intensity.arrival_ns[order] = ts_ns
            return
        if self.book.has_quotes[slot]:
            touch = self.book.touch(slot, side)
            if touch == touch:
                if market or crosses(order, touch):
                    if self.touch:
                        self._take(order, ts_ns)
                    else:
                        self._fill(order, ts_ns, order.remaining_lots, touch, "taker")
                    if order.is_open:
                        if tif != GTC:
                            self.cancel_now(order, ts_ns, f"{tif}: unfilled on arrival")
                        else:  # touch: the rest waits for the next book update
                            self._quote_takers[slot].append(order)
                            self._retrigger(slot)
                    return
            elif market and tif == GTC:
                self._quote_takers[slot].append(order)
                self._retrigger(slot)
                return
            if tif != GTC:
                self.cancel_now(order, ts_ns, f"{tif}: nothing to take on arrival")
                return
            self._rest(order)
            return
        last = self.book.state.last[slot]
        if market or (last == last and crosses(order, last)):
            self._takers[slot].append(order)  # without quotes the next print is the book
            self._retrigger(slot)
        elif tif != GTC:
            self.cancel_now(order, ts_ns, f"{tif}: nothing to take on arrival")
        else:
            self._rest(order)

    def _cancel_arrives(self, ts_ns: int, order: Order) -> None:
        if order.is_open:
            self.cancel_now(order, ts_ns, "cancelled")

    def _expire(self, ts_ns: int, order: Order) -> None:
        if order.is_open:
            self.cancel_now(order, ts_ns, "expired")

    def on_trade(self, slot: int, ts_ns: int, price: float, qty: float) -> None:
        takers = self._takers[slot]
        if takers:
            waiting = []
            missed = []
            for order in takers:
                if not order.is_open:
                    continue
                if order.price_ticks is None or crosses(order, price):
                    self._fill(order, ts_ns, order.remaining_lots, price, "taker")
                elif order.tif != GTC:
                    missed.append(order)  # IOC/FOK: the first print after arrival decides
                else:
                    waiting.append(order)
            takers[:] = waiting
            for order in missed:
                self.cancel_now(order, ts_ns, f"{order.tif}: nothing to take on arrival")
        if self.intensity is not None or (self.touch and self.book.has_quotes[slot]):
            self._retrigger(slot)  # resting orders fill by draws / from the book, not prints
            return
        queue = self.queue if self.book.has_quotes[slot] else None
        for resting, side in ((self._resting_buys[slot], 1), (self._resting_sells[slot], -1)):
            if not resting or (price > resting[0].price if side > 0 else price < resting[0].price):
                continue
            used = 0
            if price != resting[0].price:  # through the best: those levels are cleared
                if queue is not None:
                    queue.cleared(resting, price, side)
                used = self._fill_resting(resting, ts_ns, price, qty, side)
            if queue is not None:
                self._fill_at_level(resting, queue, ts_ns, price, qty, used)
        self._retrigger(slot)

    def on_quote(self, slot: int, ts_ns: int) -> None:
        queue = self.queue
        if queue is not None and not self._quote_takers[slot]:  # trades: only queues move
            self.quote_waiting[slot] = queue.on_book(slot)
            return
        if self.intensity is not None:
            self._intensity_fills(slot, ts_ns)
        touch_model = self.touch
        if touch_model and self._taken[slot]:
            forget_refreshed(self._taken[slot], self.book, slot)
        waiting = self._quote_takers[slot]
        if waiting:
            remaining = []
            passive = []
            for order in waiting:
                if not order.is_open:
                    continue
                touch = self.book.touch(slot, order.side)
                if touch != touch:
                    remaining.append(order)
                elif not touch_model:
                    self._fill(order, ts_ns, order.remaining_lots, touch, "taker")
                elif order.price_ticks is None or crosses(order, touch):
                    self._take(order, ts_ns)
                    if order.is_open:
                        remaining.append(order)
                else:
                    passive.append(order)  # the touch moved away: it rests at its limit
            waiting[:] = remaining
            for order in passive:
                self._rest(order)
        if touch_model:
            self._touch_resting(slot, ts_ns)
        elif queue is not None:
            queue.on_book(slot)
        self._retrigger(slot)

    def watched_levels(self, slot: int) -> tuple[set[float], set[float]] | None:
        """(bid prices, ask prices) where the slot's queue listeners rest, updated in place;
        None without queue positions (see `queue_only`)."""
        return self.queue.watched[slot] if self.queue is not None else None

    def _intensity_fills(self, slot: int, ts_ns: int) -> None:
        intensity = self.intensity
        assert intensity is not None
        arrival = intensity.arrival_ns
        for resting, side in ((self._resting_buys[slot], 1), (self._resting_sells[slot], -1)):
            filled = intensity.filled(resting, side, slot, ts_ns)
            if filled:
                for order in filled:
                    if order.is_open:  # a fill callback may have cancelled it meanwhile
                        self._fill(order, ts_ns, order.remaining_lots, order.price, "maker")
                for order in resting:
                    if not order.is_open:
                        arrival.pop(order, None)
                resting[:] = [o for o in resting if o.is_open]
        state = self.book.state
        intensity.moved(slot, ts_ns, (state.bid[slot] + state.ask[slot]) / 2.0)

    # --- venue rules (rules.py) ------------------------------------------------------------

    def _below_min_notional(self, order: Order, ts_ns: int) -> bool:
        reason = below_min_notional(self.book, order, self.min_notional)
        if reason is None:
            return False
        self.reports.on_rejected(order, ts_ns, reason)
        return True

    def _reprice(self, order: Order, ts_ns: int) -> bool:
        """A post-only order that would take: re-priced (venue setting `post_only:
        reprice`) or rejected; False when rejected."""
        if self.reprice_post_only and post_only_reprice(self.book, self.lots[order.slot], order):
            return True
        self.reports.on_rejected(order, ts_ns, post_only_reason(self.book, order))
        return False

    def _prevent_self_trade(self, order: Order, ts_ns: int) -> bool:
        """Cancel per `self_trade` when `order` would cross the instance's own resting
        orders; True when `order` itself was cancelled."""
        slot = order.slot
        opposite = self._resting_sells[slot] if order.side > 0 else self._resting_buys[slot]
        crossed = self_trade_crossed(order, opposite)
        if not crossed:
            return False
        mode = self.self_trade
        reason = f"{SELF_TRADE_REASON}: {mode}"
        if mode != "cancel_newest":
            for resting in crossed:
                self.cancel_now(resting, ts_ns, reason)
        if mode != "cancel_oldest":
            self.cancel_now(order, ts_ns, reason)
            return True
        return False

    # --- matching ------------------------------------------------------------------------

    def _take(self, order: Order, ts_ns: int) -> None:
        """touch: take displayed size level by level up to the order's limit (FOK: all of
        it or nothing)."""
        slot = order.slot
        taken = self._taken[slot]
        plan = takeable(self.book, self.lots[slot], taken, order, order.remaining_lots)
        if order.tif == FOK and sum(lots for _, lots, _ in plan) < order.remaining_lots:
            return
        for price, lots, size in plan:
            if not order.is_open:
                break
            take(taken, price, size, -order.side, lots)
            self._fill(order, ts_ns, lots, price, "taker")

    def _touch_resting(self, slot: int, ts_ns: int) -> None:
        """touch: resting orders the opposite touch reached fill at their price, as maker,
        up to the displayed size at or through it, in price-time priority."""
        book = self.book
        spec = self.lots[slot]
        taken = self._taken[slot]
        for resting, side in ((self._resting_buys[slot], 1), (self._resting_sells[slot], -1)):
            if not resting:
                continue
            touch = book.touch(slot, side)
            if touch != touch or not crosses(resting[0], touch):
                continue
            for order in resting:
                if not order.is_open:
                    continue
                if not crosses(order, touch):
                    break
                lots = order.remaining_lots
                filled = 0
                for level, available, size in crossing_lots(
                    book, spec, taken, slot, side, order.price
                ):
                    lots_here = min(available, lots - filled)
                    take(taken, level, size, -side, lots_here)
                    filled += lots_here
                    if filled == lots:
                        break
                if filled == 0:
                    break
                self._fill(order, ts_ns, filled, order.price, "maker")
            resting[:] = [o for o in resting if o.is_open]

    def _fill_resting(
        self, resting: list[Order], ts_ns: int, price: float, qty: float, side: int
    ) -> int:
        """A print strictly through resting orders fills them at their price for at most the
        printed quantity, by price then time priority; returns the lots used."""
        available = self.lots[resting[0].slot].lots_down(qty)
        used = 0
        for order in resting:
            if available <= 0:
                break
            through = price < order.price if side > 0 else price > order.price
            if not through:
                break  # sorted best first: the rest are further from the print
            if not order.is_open:
                continue
            lots = min(order.remaining_lots, available)
            available -= lots
            used += lots
            self._fill(order, ts_ns, lots, order.price, "maker")
        resting[:] = [o for o in resting if o.is_open]
        return used

    def _fill_at_level(
        self,
        resting: list[Order],
        queue: QueuePositions,
        ts_ns: int,
        price: float,
        qty: float,
        used: int,
    ) -> None:
        """trades: a print at exactly the resting orders' price consumes each one's queue;
        what passes an order's queue fills it, after our earlier orders got theirs (`used`:
        lots of this print already given to better-priced orders)."""
        reached = queue.print_at(resting, price, qty)
        if not reached:
            return
        spec = self.lots[resting[0].slot]
        for order, past_queue in reached:
            if not order.is_open:
                continue
            lots = min(order.remaining_lots, spec.lots_down(past_queue) - used)
            if lots <= 0:
                continue
            used += lots
            self._fill(order, ts_ns, lots, order.price, "maker")
        resting[:] = [o for o in resting if o.is_open]

    def _fill(
        self, order: Order, ts_ns: int, lots: int, price: float, liquidity: Liquidity
    ) -> None:
        rate = self.maker_rate if liquidity == "maker" else self.taker_rate
        fee = price * lots * self.lots[order.slot].lot * rate
        self.reports.on_fill(order, ts_ns, lots, price, fee, liquidity)
        if self.queue is not None and not order.is_open:
            self.queue.forget(order)

    def _rest(self, order: Order) -> None:
        # Best price first; the sort is stable, so equal prices keep time priority.
        if order.side > 0:
            buys = self._resting_buys[order.slot]
            buys.append(order)
            buys.sort(key=_bid_priority)
        else:
            sells = self._resting_sells[order.slot]
            sells.append(order)
            sells.sort(key=_ask_priority)
        if self.queue is not None and self.book.has_quotes[order.slot]:
            self.queue.join(order)
        self._retrigger(order.slot)

    def _remove(self, order: Order) -> None:
        slot = order.slot
        for orders in (
            self._takers[slot],
            self._quote_takers[slot],
            self._resting_buys[slot],
            self._resting_sells[slot],
        ):
            if order in orders:
                orders.remove(order)
        if self.intensity is not None:
            self.intensity.arrival_ns.pop(order, None)
        if self.queue is not None:
            self.queue.forget(order)
        self._retrigger(slot)

    def _retrigger(self, slot: int) -> None:
        """Recompute the slot's print triggers and how many orders wait for book events."""
        buy = -_INF
        sell = _INF
        for order in self._takers[slot]:
            # Market orders fill on any print; IOC/FOK must hear the next print either way.
            anything = order.price_ticks is None or order.tif != GTC
            if order.side > 0:
                buy = _INF if anything else max(buy, order.price)
            else:
                sell = -_INF if anything else min(sell, order.price)
        buys = self._resting_buys[slot]
        sells = self._resting_sells[slot]
        waiting = len(self._quote_takers[slot])
        quoted = self.book.has_quotes[slot]
        if self.intensity is None and not (self.touch and quoted):
            if self.queue is not None and quoted:
                # Prints at a resting order's own price consume its queue.
                if buys:
                    buy = max(buy, buys[0].price)
                if sells:
                    sell = min(sell, sells[0].price)
                waiting += len(self.queue.listening[slot])
            else:
                if buys:
                    buy = max(buy, math.nextafter(buys[0].price, -_INF))
                if sells:
                    sell = min(sell, math.nextafter(sells[0].price, _INF))
        self.buy_trigger[slot] = buy
        self.sell_trigger[slot] = sell
        self.quote_waiting[slot] = max(waiting, self._quote_floor)
        self.queue_only[slot] = self.queue is not None and not self._quote_takers[slot]
