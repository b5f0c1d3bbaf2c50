"""TWAP: work a parent quantity in child orders on a fixed event-time schedule.

Slice i (i = 0..slices-1) fires at start + i*duration/slices (integer ns). It first requests a
cancel of the previous child's unfilled part, then sends one child for
(remaining parent − open child quantity) / remaining slices, rounded down to whole lots (the
last slice sends all of it), as a limit at `limit_price` evaluated at slice time, or as a
market order without one. A child whose cancel is still in flight counts as open (it may yet
fill), so its unfilled part rolls into the following slices, never into an overfill; what the
child before the last slice leaves is sent as soon as its cancel is confirmed. A slice
whose limit price is not computable yet (indicator warming up, no market data) sends nothing.
At start + duration everything still open is cancelled.
"""

from __future__ import annotations

from typing import Any

from orderloom.dsl.kinds.twap import TwapParams
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import Fill, Strategy, StrategyContext, StrategySetup

END = -1  # timer tag of the end of the schedule; slices use their index


class TwapStrategy(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: TwapParams = setup.node.params
        if params.side not in ("buy", "sell"):
            raise ValueError(f"twap '{setup.node.name}': side must be buy or sell")
        if params.slices < 1 or params.duration_ns <= 0:
            raise ValueError(f"twap '{setup.node.name}': needs slices >= 1 and a duration > 0")
        self.slot = setup.slot(params.instrument)
        self.side = 1 if params.side == "buy" else -1
        self.parent_lots = setup.lots[self.slot].lots_down(params.quantity)
        self.slices = params.slices
        self.slice_times = [
            params.start_ns + i * params.duration_ns // params.slices for i in range(params.slices)
        ]
        self.end_ns = params.start_ns + params.duration_ns
        self.limit = (
            setup.compiler.compile(params.limit_price.ast)
            if params.limit_price is not None
            else None
        )
        self.filled_lots = 0
        self.children: list[Order] = []  # open (or cancel-pending) children
        self.final_slice_sent = False  # between the last slice and the end of the schedule

    def on_start(self, ctx: StrategyContext) -> None:
        for i, ts_ns in enumerate(self.slice_times):
            ctx.set_timer(ts_ns, i)
        ctx.set_timer(self.end_ns, END)

    def on_timer(self, ctx: StrategyContext, tag: Any) -> None:
        for child in self.children:
            ctx.cancel(child)
        self.children = [c for c in self.children if c.is_open]
        if tag == END:
            self.final_slice_sent = False
            return
        slices_left = self.slices - tag
        self.final_slice_sent = slices_left == 1
        self._send(ctx, slices_left)

    def on_cancel(self, ctx: StrategyContext, order: Order) -> None:
        # After the last slice nothing would pick up a cancelled child's remainder: send it
        # now, once no child is open, so the parent completes without risking an overfill.
        if self.final_slice_sent and order in self.children:
            self.children = [c for c in self.children if c.is_open]
            self._send(ctx, 1)

    def _send(self, ctx: StrategyContext, slices_left: int) -> None:
        open_lots = sum(c.remaining_lots for c in self.children)
        unsent = self.parent_lots - self.filled_lots - open_lots
        lots = unsent if slices_left == 1 else unsent // slices_left
        if lots <= 0:
            return
        price = None
        if self.limit is not None:
            if not self.limit.ready():
                return
            price = float(self.limit.fn(ctx.state))
            if not price > 0:  # NaN before the first print, or a nonsensical limit
                return
        order = ctx.place_lots(self.side, lots, price, self.slot)
        if order is not None and order.is_open:
            self.children.append(order)

    def on_fill(self, ctx: StrategyContext, order: Order, fill: Fill) -> None:
        self.filled_lots += fill.lots
