"""POV (percentage of volume): after every print from `start`, keep filled + working at
`rate` × the volume printed since `start`, in whole lots, up to the parent.

The shortfall target − filled − open is sent as one child when it reaches `min_order` (or is
the whole rest of the parent), capped at `max_order`; limit children at `limit_price`
evaluated when sent, market children otherwise. Working children count toward the target and
are not re-priced. The printed volume is the tape's, which the simulated venue's fills never
join, i.e. the market's volume net of the strategy's own. A risk rejection stops the
strategy; so does `end` (after cancelling what is open) and a filled parent. This runs per
market event: quotes return after one comparison.
"""

from __future__ import annotations

from typing import Any

from orderloom.dsl.kinds.pov import PovParams
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import Fill, Strategy, StrategyContext, StrategySetup

END = "end"


class PovStrategy(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: PovParams = setup.node.params
        name = f"pov '{setup.node.name}'"
        if params.side not in ("buy", "sell"):
            raise ValueError(f"{name}: side must be buy or sell")
        if not 0 < params.rate <= 1:
            raise ValueError(f"{name}: rate must be in (0, 1], got {params.rate}")
        self.slot = setup.slot(params.instrument)
        self.spec = setup.lots[self.slot]
        self.side = 1 if params.side == "buy" else -1
        self.rate = params.rate
        self.parent_lots = self.spec.lots_down(params.quantity)
        self.start_ns = params.start_ns
        self.end_ns = params.end_ns
        self.min_lots = max(1, self.spec.lots_up(params.min_order))
        self.max_lots = self.spec.lots_down(params.max_order) if params.max_order > 0 else 0
        if params.max_order > 0 and self.max_lots < 1:
            raise ValueError(f"{name}: max_order {params.max_order} is less than one lot")
        self.limit = (
            setup.compiler.compile(params.limit_price.ast)
            if params.limit_price is not None
            else None
        )
        self.volume = 0.0  # printed since start
        self.filled_lots = 0
        self.done = self.parent_lots <= 0
        self._trades_seen = 0

    def on_start(self, ctx: StrategyContext) -> None:
        self._state = ctx.state
        self._open = ctx.open_buy_lots if self.side > 0 else ctx.open_sell_lots
        if self.end_ns is not None:
            ctx.set_timer(self.end_ns, END)

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if self.done or slot != self.slot:
            return
        state = self._state
        trades = state.trades[slot]
        if trades == self._trades_seen:  # a quote, not a print
            return
        self._trades_seen = trades
        if state.ts_ns < self.start_ns:
            return
        self.volume += state.last_qty[slot]
        target = min(self.spec.lots_down(self.rate * self.volume), self.parent_lots)
        shortfall = target - self.filled_lots - self._open[slot]
        if shortfall < self.min_lots and not (shortfall > 0 and target == self.parent_lots):
            return
        lots = min(shortfall, self.max_lots) if self.max_lots else shortfall
        price = None
        if self.limit is not None:
            if not self.limit.ready():
                return
            price = float(self.limit.fn(state))
            if not price > 0:  # NaN before the first print, or a nonsensical limit
                return
        ctx.place_lots(self.side, lots, price, slot)

    def on_timer(self, ctx: StrategyContext, tag: Any) -> None:
        if tag == END:
            self.done = True
            for order in ctx.open_orders(self.slot):
                ctx.cancel(order)

    def on_fill(self, ctx: StrategyContext, order: Order, fill: Fill) -> None:
        self.filled_lots += fill.lots
        if self.filled_lots >= self.parent_lots:
            self.done = True

    def on_reject(self, ctx: StrategyContext, order: Order, reason: str) -> None:
        self.done = True
