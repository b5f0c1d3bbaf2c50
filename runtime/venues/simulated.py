"""The simulated venue: deterministic fills against the instance's own market data, in event
time, inside the engine step (so a strategy sees its fills before its next decision).

Rules (the desk's backtest conventions):
- An order arrives `latency_ns` after it is sent; a cancel takes effect `latency_ns` after it
  is requested (an order that fills in between stays filled).
- Market order: on an instrument with a quotes feed it fills on arrival at the opposite touch
  (or at the first quote after arrival when none was seen yet); otherwise at the first trade
  after arrival, at that trade's price. Complete fills, taker.
- Limit order, marketable on arrival (buy limit >= best ask when quoted, else >= last trade
  price; sells mirrored): quoted instruments fill on arrival at the touch; otherwise it fills
  completely at the next trade priced at or better than the limit, at the trade's price. Taker.
- Limit order not marketable on arrival rests, and fills as maker at its limit price only when
  a later trade prints strictly through it (buy: trade price < limit), for at most the printed
  quantity (whole lots), shared among resting orders by price then time priority.
- Fees: bps of notional, maker or taker rate, in the instrument's quote currency.
- `fill_model: intensity` (see `intensity.py`) replaces the last two rules for limit orders:
  they always rest, and fill at each quote event by Poisson draws on their distance from the
  mid; market orders still take the touch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.runtime.engine.book import Book
from orderloom.runtime.engine.clock import Clock
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import NEW, Order
from orderloom.runtime.venues.intensity import IntensityFills
from orderloom.runtime.venues.reports import ExecutionReports, Liquidity

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
        self.latency_ns = int(params.latency_ns)
        self.maker_rate = params.maker_fee_bps / 10_000.0
        self.taker_rate = params.taker_fee_bps / 10_000.0
        self.clock = clock
        self.book = book
        self.lots = tuple(lots)
        self.reports = reports
        # The engine calls on_trade only when a print could fill something: price <= buy
        # trigger or >= sell trigger (±inf when nothing can fill on that side).
        self.buy_trigger = [-_INF] * n
        self.sell_trigger = [_INF] * n
        self.intensity = IntensityFills(params, n) if params.fill_model == "intensity" else None
        # The engine calls on_quote only while quote_waiting[slot] > 0; the intensity model
        # needs every quote event, so its floor is 1.
        self._quote_floor = 0 if self.intensity is None else 1
        self.quote_waiting = [self._quote_floor] * n  # orders waiting for a quote to take
        self._takers: list[list[Order]] = [[] for _ in range(n)]  # waiting for the next trade
        self._quote_takers: list[list[Order]] = [[] for _ in range(n)]
        self._resting_buys: list[list[Order]] = [[] for _ in range(n)]  # best price first
        self._resting_sells: list[list[Order]] = [[] for _ in range(n)]

    # --- requests from the engine --------------------------------------------------------

    def submit(self, order: Order, now_ns: int) -> None:
        self.clock.at(now_ns + self.latency_ns, self._arrive, order)

    def cancel(self, order: Order, now_ns: int) -> None:
        self.clock.at(now_ns + self.latency_ns, self._cancel_arrives, order)

    def cancel_now(self, order: Order, ts_ns: int, reason: str) -> None:
        """Cancel without latency (end of replay, kill switch)."""
        self._remove(order)
        self.reports.on_cancelled(order, ts_ns, reason)

    # --- event-time callbacks ------------------------------------------------------------

    def _arrive(self, ts_ns: int, order: Order) -> None:
        if order.status != NEW:  # cancelled while in flight
            return
        self.reports.on_accepted(order, ts_ns)
        slot, side = order.slot, order.side
        market = order.price_ticks is None
        if self.intensity is not None and not market:
            self._rest(order)
            self.intensity.arrival_ns[order] = ts_ns
            return
        if self.book.has_quotes[slot]:
            touch = self.book.touch(slot, side)
            if touch == touch:
                if market or (order.price >= touch if side > 0 else order.price <= touch):
                    self._fill(order, ts_ns, order.remaining_lots, touch, "taker")
                    return
            elif market:
                self._quote_takers[slot].append(order)
                self.quote_waiting[slot] += 1
                return
            self._rest(order)
        elif market:
            self._takers[slot].append(order)
        else:
            last = self.book.state.last[slot]
            if last == last and (order.price >= last if side > 0 else order.price <= last):
                self._takers[slot].append(order)
            else:
                self._rest(order)
        self._retrigger(slot)

    def _cancel_arrives(self, ts_ns: int, order: Order) -> None:
        if order.is_open:
            self.cancel_now(order, ts_ns, "cancelled")

    def on_trade(self, slot: int, ts_ns: int, price: float, qty: float) -> None:
        takers = self._takers[slot]
        if takers:
            waiting = []
            for order in takers:
                if not order.is_open:
                    continue
                if order.price_ticks is None or (
                    price <= order.price if order.side > 0 else price >= order.price
                ):
                    self._fill(order, ts_ns, order.remaining_lots, price, "taker")
                else:
                    waiting.append(order)
            takers[:] = waiting
        if self.intensity is not None:
            self._retrigger(slot)
            return
        buys = self._resting_buys[slot]
        if buys and price < buys[0].price:
            self._fill_resting(buys, ts_ns, price, qty, 1)
        sells = self._resting_sells[slot]
        if sells and price > sells[0].price:
            self._fill_resting(sells, ts_ns, price, qty, -1)
        self._retrigger(slot)

    def on_quote(self, slot: int, ts_ns: int) -> None:
        if self.intensity is not None:
            self._intensity_fills(slot, ts_ns)
        waiting = self._quote_takers[slot]
        remaining = []
        for order in waiting:
            if not order.is_open:
                continue
            touch = self.book.touch(slot, order.side)
            if touch == touch:
                self._fill(order, ts_ns, order.remaining_lots, touch, "taker")
            else:
                remaining.append(order)
        waiting[:] = remaining
        self.quote_waiting[slot] = max(len(remaining), self._quote_floor)

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

    # --- internals -----------------------------------------------------------------------

    def _fill_resting(
        self, resting: list[Order], ts_ns: int, price: float, qty: float, side: int
    ) -> None:
        available = self.lots[resting[0].slot].lots_down(qty)
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
            self._fill(order, ts_ns, lots, order.price, "maker")
        resting[:] = [o for o in resting if o.is_open]

    def _fill(
        self, order: Order, ts_ns: int, lots: int, price: float, liquidity: Liquidity
    ) -> None:
        rate = self.maker_rate if liquidity == "maker" else self.taker_rate
        fee = price * lots * self.lots[order.slot].lot * rate
        self.reports.on_fill(order, ts_ns, lots, price, fee, liquidity)

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

    def _remove(self, order: Order) -> None:
        slot = order.slot
        for orders in (
            self._takers[slot],
            self._resting_buys[slot],
            self._resting_sells[slot],
        ):
            if order in orders:
                orders.remove(order)
        quote_takers = self._quote_takers[slot]
        if order in quote_takers:
            quote_takers.remove(order)
            self.quote_waiting[slot] = max(len(quote_takers), self._quote_floor)
        if self.intensity is not None:
            self.intensity.arrival_ns.pop(order, None)
        self._retrigger(slot)

    def _retrigger(self, slot: int) -> None:
        buy = -_INF
        sell = _INF
        for order in self._takers[slot]:
            if order.side > 0:
                buy = _INF if order.price_ticks is None else max(buy, order.price)
            else:
                sell = -_INF if order.price_ticks is None else min(sell, order.price)
        if self.intensity is not None:  # resting orders fill by draws, never by prints
            self.buy_trigger[slot] = buy
            self.sell_trigger[slot] = sell
            return
        buys = self._resting_buys[slot]
        if buys:
            buy = max(buy, math.nextafter(buys[0].price, -_INF))
        sells = self._resting_sells[slot]
        if sells:
            sell = min(sell, math.nextafter(sells[0].price, _INF))
        self.buy_trigger[slot] = buy
        self.sell_trigger[slot] = sell
