"""Iceberg: one visible limit child of `display_quantity` at a time, the next one sent when
the visible child is completely filled, until the parent is filled or `end`.

The first child goes out at `start` (or the first market event) once `price` can be
computed; until then every market event tries again. A replenishing child is priced by
`price` evaluated at that moment; if it cannot be computed then, the next market event sends
it. `end` cancels the visible child; a risk rejection stops the strategy.
"""

from __future__ import annotations

from typing import Any

from orderloom.dsl.kinds.iceberg import IcebergParams
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import Fill, Strategy, StrategyContext, StrategySetup

START = "start"
END = "end"


class IcebergStrategy(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: IcebergParams = setup.node.params
        name = f"iceberg '{setup.node.name}'"
        if params.side not in ("buy", "sell"):
            raise ValueError(f"{name}: side must be buy or sell")
        self.slot = setup.slot(params.instrument)
        spec = setup.lots[self.slot]
        self.side = 1 if params.side == "buy" else -1
        self.parent_lots = spec.lots_down(params.quantity)
        self.display_lots = spec.lots_down(params.display_quantity)
        if self.display_lots < 1:
            raise ValueError(
                f"{name}: display_quantity {params.display_quantity} is less than one lot"
            )
        self.start_ns = params.start_ns
        self.end_ns = params.end_ns
        self.price = setup.compiler.compile(params.price.ast)
        self.filled_lots = 0
        self.visible: Order | None = None
        self.active = False  # between start and end (or the parent filled, or a reject)
        self.waiting = False  # a child is due but its price could not be computed yet

    def on_start(self, ctx: StrategyContext) -> None:
        if self.start_ns is None:
            self.active = True
            self.waiting = True
        else:
            ctx.set_timer(self.start_ns, START)
        if self.end_ns is not None:
            ctx.set_timer(self.end_ns, END)

    def on_timer(self, ctx: StrategyContext, tag: Any) -> None:
        if tag == START and not self.active and self.filled_lots == 0:
            self.active = True
            self._show(ctx)
        elif tag == END:
            self.active = False
            self.waiting = False
            if self.visible is not None:
                ctx.cancel(self.visible)

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if self.waiting:
            self._show(ctx)

    def on_fill(self, ctx: StrategyContext, order: Order, fill: Fill) -> None:
        self.filled_lots += fill.lots
        if not order.is_open and order is self.visible:
            self.visible = None
            if self.active:
                self._show(ctx)

    def on_reject(self, ctx: StrategyContext, order: Order, reason: str) -> None:
        self.active = False
        self.waiting = False

    def _show(self, ctx: StrategyContext) -> None:
        lots = min(self.display_lots, self.parent_lots - self.filled_lots)
        if lots <= 0:
            self.active = False
            self.waiting = False
            return
        self.waiting = True
        if not self.price.ready():
            return
        price = float(self.price.fn(ctx.state))
        if not price > 0:  # NaN before the first print, or a nonsensical price
            return
        self.waiting = False
        order = ctx.place_lots(self.side, lots, price, self.slot)
        if order is not None and order.is_open:
            self.visible = order
