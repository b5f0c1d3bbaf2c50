"""Schedule-driven execution shared by `vwap` and `implementation_shortfall`: child orders on
a fixed event-time grid, each slice's size given by its weight in a trajectory.

Slice i (i = 0..N-1) fires at start + i*duration/N (integer ns). It first requests a cancel of
the previous child's unfilled part, then sends one child for
    floor(unsent × w_i / (w_i + … + w_(N-1)))   lots,  unsent = parent − filled − open,
the last slice sending all of `unsent`. When every child fills this is the planned trajectory
(up to rounding); when one falls short its remainder is re-spread over the remaining slices in
proportion to their weights — the optimal re-plan for Almgren–Chriss, the rescaled remaining
profile for VWAP, and, with equal weights, exactly the `twap` rule. Children are limit orders
at `limit_price` evaluated at slice time, or market orders; a cancel-pending child counts as
open (it may yet fill), what the child before the last slice leaves is sent as soon as its
cancel is confirmed, and at start + duration everything still open is cancelled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from orderloom.dsl.plan import Expr
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import Fill, Strategy, StrategyContext, StrategySetup

END = -1  # timer tag of the end of the schedule; slices use their index
_REL_EPS = 1e-12  # a share within this (relative) of a whole lot is that lot: float noise


class ScheduleParams(Protocol):
    instrument: str
    side: str
    quantity: float
    start_ns: int
    duration_ns: int
    slices: int
    limit_price: Expr | None


def share_lots(unsent: int, weight: float, remaining_weight: float) -> int:
    """floor(unsent × weight / remaining_weight), counting a share within float noise of a
    whole lot as that lot (so equal weights split exactly like integer division)."""
    if not remaining_weight > 0 or unsent <= 0:
        return 0
    x = unsent * weight / remaining_weight
    n = round(x)
    if abs(x - n) <= _REL_EPS * max(1.0, abs(x)):
        return min(int(n), unsent)
    return min(math.floor(x), unsent)


class ScheduledExecution(Strategy):
    """Base class: subclasses set `self.weights` (one non-negative weight per slice) in
    `__init__`, or at the latest in `on_start`."""

    kind = "schedule"  # for error messages; subclasses name their kind

    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: ScheduleParams = setup.node.params
        name = f"{self.kind} '{setup.node.name}'"
        if params.side not in ("buy", "sell"):
            raise ValueError(f"{name}: side must be buy or sell")
        if params.slices < 1 or params.duration_ns <= 0:
            raise ValueError(f"{name}: needs slices >= 1 and a duration > 0")
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
        self.weights: Sequence[float] = [1.0] * params.slices
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
        self.final_slice_sent = tag == self.slices - 1
        self._send(ctx, tag)

    def on_cancel(self, ctx: StrategyContext, order: Order) -> None:
        # After the last slice nothing would pick up a cancelled child's remainder: send it
        # now, once no child is open, so the parent completes without risking an overfill.
        if self.final_slice_sent and order in self.children:
            self.children = [c for c in self.children if c.is_open]
            self._send(ctx, self.slices - 1)

    def _send(self, ctx: StrategyContext, index: int) -> None:
        open_lots = sum(c.remaining_lots for c in self.children)
        unsent = self.parent_lots - self.filled_lots - open_lots
        if index == self.slices - 1:
            lots = unsent
        else:
            lots = share_lots(unsent, self.weights[index], math.fsum(self.weights[index:]))
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
