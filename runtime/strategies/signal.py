"""Signal: hold the target position an expression gives, trading the difference with market
orders.

On every event of its instrument once the target expression's indicators are warm, the
target is evaluated and truncated toward zero to whole lots; when it differs from position +
open order quantity by at least `min_trade_qty` (default: one lot), a market order for the
difference is sent. A target a risk check refused is not retried until the target changes.
This runs per market event, so it reads the engine's lists directly and allocates nothing.
"""

from __future__ import annotations

import math

from orderloom.dsl.kinds.signal import SignalParams
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import Strategy, StrategyContext, StrategySetup


class SignalStrategy(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: SignalParams = setup.node.params
        self.slot = setup.slot(params.instrument)
        self.spec = setup.lots[self.slot]
        self.target = setup.compiler.compile(params.target.ast)
        self.min_lots = max(1, self.spec.lots_up(params.min_trade_qty))
        self._fn = self.target.fn
        self._ready = False
        self._last_target = math.nan
        self._target_lots = 0
        self._refused: int | None = None  # target (lots) a risk check rejected

    def on_start(self, ctx: StrategyContext) -> None:
        self._state = ctx.state
        self._position = ctx.position_lots
        self._buys = ctx.open_buy_lots
        self._sells = ctx.open_sell_lots

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if slot != self.slot:
            return
        if not self._ready:
            if not self.target.ready():
                return
            self._ready = True
        target = self._fn(self._state)
        # Equality here only caches the last rounding; NaN never equals and never trades.
        if target != self._last_target:
            if target != target:
                return
            self._last_target = target
            target_lots = self.spec.lots_toward_zero(target)
            if target_lots != self._target_lots:
                self._target_lots = target_lots
                self._refused = None
        diff = self._target_lots - (self._position[slot] + self._buys[slot] - self._sells[slot])
        if (diff >= self.min_lots or -diff >= self.min_lots) and self._refused is None:
            ctx.place_lots(1 if diff > 0 else -1, abs(diff), None, slot)

    def on_reject(self, ctx: StrategyContext, order: Order, reason: str) -> None:
        self._refused = self._target_lots
