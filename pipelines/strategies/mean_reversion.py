"""An example user strategy for `kind: python`: fade moves away from a rolling mean.

Used by examples/python_strategy.yaml. On each trade, with the mean and standard deviation
(population) of the last `window` trade prices, current one included:
- flat and not cooling down: buy `size` when price < mean − band·std, sell `size` when
  price > mean + band·std;
- long: sell back to flat once price >= mean; short: buy back once price <= mean;
- after closing, no new entry for `cooldown_s` seconds of event time (a timer).
Orders are market orders for the difference between the target and position + open orders.
The window statistics are recomputed per trade (O(window)), which keeps the example short;
runtime/strategies/rolling.py shows O(1) incremental windows.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import Fill, Strategy, StrategyContext, StrategySetup
from orderloom.runtime.strategies.python import user_params

COOLDOWN_OVER = "cooldown over"  # timer tag


class MeanReversion(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params = user_params(setup)
        self.window = int(params["window"])
        self.band = float(params["band"])
        self.cooldown_ns = int(float(params.get("cooldown_s", 0)) * 1_000_000_000)
        self.size_lots = setup.lots[0].lots_down(float(params["size"]))
        self.prices: deque[float] = deque(maxlen=self.window)
        self.target_lots = 0
        self.cooling = False
        self.filled_lots = 0  # both sides, for on_stop's summary
        self.summary = ""

    def on_start(self, ctx: StrategyContext) -> None:
        self.summary = f"started at {ctx.now_ns}"

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if slot != 0:
            return
        price = ctx.state.last[0]
        if price != price:  # a quote before the first trade
            return
        prices = self.prices
        prices.append(price)
        if len(prices) < self.window:
            return
        mean = math.fsum(prices) / len(prices)
        std = math.sqrt(math.fsum((p - mean) ** 2 for p in prices) / len(prices))
        target = self.target_lots
        if target == 0:
            if self.cooling:
                return
            if price < mean - self.band * std:
                target = self.size_lots
            elif price > mean + self.band * std:
                target = -self.size_lots
        elif (target > 0 and price >= mean) or (target < 0 and price <= mean):
            target = 0
            if self.cooldown_ns:
                self.cooling = True
                ctx.set_timer(ctx.now_ns + self.cooldown_ns, COOLDOWN_OVER)
        if target != self.target_lots:
            self.target_lots = target
            held = ctx.position_lots[0] + ctx.open_buy_lots[0] - ctx.open_sell_lots[0]
            diff = target - held
            if diff:
                ctx.place_lots(1 if diff > 0 else -1, abs(diff))

    def on_timer(self, ctx: StrategyContext, tag: Any) -> None:
        if tag == COOLDOWN_OVER:
            self.cooling = False

    def on_fill(self, ctx: StrategyContext, order: Order, fill: Fill) -> None:
        self.filled_lots += fill.lots

    def on_reject(self, ctx: StrategyContext, order: Order, reason: str) -> None:
        # A refused entry is not retried: stand aside until the next signal.
        self.target_lots = ctx.position_lots[0]

    def on_stop(self, ctx: StrategyContext) -> None:
        self.summary += f", stopped at {ctx.now_ns} holding {ctx.position(0)}"
