"""Pairs: trade the z-score of the spread between two instruments (the rules are in the kind's
doc, dsl/kinds/pairs.py).

The two legs' market data arrives interleaved, in event-time order (the engine merges the
feeds). On every event of either leg, once both have a price, one sample is taken from the
latest price of each: the hedge-ratio window is updated, then the spread's z window, then
the position state machine steps. Orders go out only when the state changes, each leg for
the difference between its target and its position plus open orders, so an order still in
flight is never sent twice.
"""

from __future__ import annotations

import math

from orderloom.dsl.kinds.pairs import PairsParams
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import Strategy, StrategyContext, StrategySetup
from orderloom.runtime.strategies.rolling import RollingMoments, RollingOls

FLAT = 0
LONG = 1  # long the spread: long a, short β·b
SHORT = -1
STOPPED = 2  # flat after a stop, until |z| <= exit_z


class PairsStrategy(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: PairsParams = setup.node.params
        self.a = setup.slot(params.leg_a)
        self.b = setup.slot(params.leg_b)
        self.lots_a = setup.lots[self.a]
        self.lots_b = setup.lots[self.b]
        self.qty_lots = self.lots_a.lots_down(params.quantity)
        if self.qty_lots < 1:
            raise ValueError(
                f"pairs '{setup.node.name}': quantity {params.quantity} is less than one lot "
                f"({self.lots_a.lot}) of {params.leg_a}"
            )
        self.qty_a = self.lots_a.qty(self.qty_lots)
        self.log = params.spread == "log"
        self.ols = (
            RollingOls(params.ols_window, params.ols_by_count)
            if params.hedge_ratio is None
            else None
        )
        self.beta = params.hedge_ratio if params.hedge_ratio is not None else math.nan
        self.spreads = RollingMoments(params.window, params.window_by_count)
        self.entry_z = params.entry_z
        self.exit_z = params.exit_z
        self.stop_z = params.stop_z if params.stop_z is not None else math.inf
        self.position = FLAT
        self.z = math.nan  # the latest z-score, once the windows are warm
        self._rejected = False

    def on_start(self, ctx: StrategyContext) -> None:
        state = ctx.state
        self._last, self._bid, self._ask = state.last, state.bid, state.ask
        self._held = ctx.position_lots
        self._buys = ctx.open_buy_lots
        self._sells = ctx.open_sell_lots

    def _price(self, slot: int) -> float:
        """Mid once both sides were quoted, else the last trade (NaN before either)."""
        bid, ask = self._bid[slot], self._ask[slot]
        if bid == bid and ask == ask:
            return float((bid + ask) / 2.0)
        return float(self._last[slot])

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if slot != self.a and slot != self.b:
            return
        price_a = self._price(self.a)
        price_b = self._price(self.b)
        if not (price_a > 0 and price_b > 0):
            return
        if self.log:
            y, x = math.log(price_a), math.log(price_b)
        else:
            y, x = price_a, price_b
        now = ctx.now_ns
        ols = self.ols
        if ols is not None:
            ols.push(now, x, y)
            if not ols.ready():
                return
            beta = ols.slope()
            if beta != beta:  # leg b did not move over the window: no hedge ratio
                return
            self.beta = beta
        else:
            beta = self.beta
        spread = y - beta * x
        spreads = self.spreads
        spreads.push(now, spread)
        if not spreads.ready():
            return
        z = self.z = spreads.zscore(spread)
        position = self.position
        if position == FLAT:
            if self.entry_z <= z < self.stop_z:
                self._enter(ctx, SHORT, price_a, price_b)
            elif -self.stop_z < z <= -self.entry_z:
                self._enter(ctx, LONG, price_a, price_b)
        elif position == SHORT:
            if z >= self.stop_z:
                self.position = STOPPED
                self._go(ctx, 0, 0)
            elif z <= self.exit_z:
                self.position = FLAT
                self._go(ctx, 0, 0)
        elif position == LONG:
            if z <= -self.stop_z:
                self.position = STOPPED
                self._go(ctx, 0, 0)
            elif z >= -self.exit_z:
                self.position = FLAT
                self._go(ctx, 0, 0)
        elif -self.exit_z <= z <= self.exit_z:  # STOPPED, and back near the mean
            self.position = FLAT

    def _enter(self, ctx: StrategyContext, side: int, price_a: float, price_b: float) -> None:
        hedge_qty = self.beta * self.qty_a
        if self.log:  # β of log prices is an elasticity: hedge β times a's notional
            hedge_qty *= price_a / price_b
        hedge_lots = round(hedge_qty / self.lots_b.lot)
        if hedge_lots == 0:
            return  # the hedge rounds to nothing: leg a alone is not a pair trade
        self.position = side
        self._go(ctx, side * self.qty_lots, -side * hedge_lots)

    def _go(self, ctx: StrategyContext, target_a: int, target_b: int) -> None:
        """Move both legs to their targets (lots), leg a first. A leg refused on entry
        unwinds the other and counts as a stop."""
        self._rejected = False
        self._trade(ctx, self.a, target_a)
        if not self._rejected:
            self._trade(ctx, self.b, target_b)
        if self._rejected and (target_a or target_b):
            self.position = STOPPED
            self._rejected = False
            self._trade(ctx, self.a, 0)
            self._trade(ctx, self.b, 0)

    def _trade(self, ctx: StrategyContext, slot: int, target: int) -> None:
        diff = target - (self._held[slot] + self._buys[slot] - self._sells[slot])
        if diff:
            ctx.place_lots(1 if diff > 0 else -1, abs(diff), None, slot)

    def on_reject(self, ctx: StrategyContext, order: Order, reason: str) -> None:
        # Called inside place_lots: only note it; _go decides once place_lots returns.
        self._rejected = True
