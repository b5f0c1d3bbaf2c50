"""Builders for venue tests: quote batches with per-event sizes, and a strategy that sends
orders with venue options (tif, post_only, expire_ns) at given market events and records
every callback, checking the OMS's open-lot counters against its open orders as it goes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from engine_builders import BTC, instrument, make_plan, quote_feed, scripted_strategy, trade_feed

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Plan
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.events import QuoteBatch
from orderloom.runtime.strategies.base import Fill, StrategyContext, StrategySetup
from orderloom.runtime.strategies.base import Strategy as StrategyRuntime


def book(
    ts_ns: Sequence[int],
    bid: Sequence[float],
    bid_qty: Sequence[float],
    ask: Sequence[float],
    ask_qty: Sequence[float],
    *,
    feed: str = "quotes",
    instrument_id: str = BTC,
) -> QuoteBatch:
    """Top-of-book updates with their own sizes per event."""
    return QuoteBatch(
        feed,
        instrument_id,
        0,
        np.asarray(ts_ns, dtype=np.int64),
        np.asarray(bid, dtype=np.float64),
        np.asarray(bid_qty, dtype=np.float64),
        np.asarray(ask, dtype=np.float64),
        np.asarray(ask_qty, dtype=np.float64),
    )


def venue_plan(
    venue: SimulatedVenueParams, *, quotes: bool = True, trades: bool = True, lot: float = 1.0
) -> Plan:
    """One scripted instance on BTC/USDT@sim (tick 0.01, lot `lot`) with the given feeds."""
    feeds = ([quote_feed()] if quotes else []) + ([trade_feed()] if trades else [])
    return make_plan(
        [scripted_strategy()],
        instruments=[instrument(BTC, 0.01, lot)],
        feeds=feeds,
        venue=venue,
    )


@dataclass(frozen=True)
class Send:
    """At the strategy's `at`-th market event: place an order with venue options, or with
    `cancel` set cancel the `cancel`-th order sent."""

    at: int
    side: int = 1
    qty: float = 0.0
    price: float | None = None
    tif: str = "gtc"
    post_only: bool = False
    expire_ns: int | None = None
    cancel: int | None = None


class OrderScript(StrategyRuntime):
    def __init__(self, setup: StrategySetup, sends: Sequence[Send]) -> None:
        super().__init__(setup)
        self.sends: dict[int, list[Send]] = {}
        for send in sends:
            self.sends.setdefault(send.at, []).append(send)
        self.events = 0
        self.placed: list[Order | None] = []
        self.fills: list[Fill] = []
        self.rejects: list[tuple[str, str]] = []
        self.cancels: list[str] = []
        self.checks = 0

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        self._check_counters(ctx)
        for send in self.sends.get(self.events, ()):
            if send.cancel is not None:
                order = self.placed[send.cancel] if send.cancel < len(self.placed) else None
                if order is not None:
                    ctx.cancel(order)
            else:
                self.placed.append(
                    ctx.place(
                        send.side,
                        send.qty,
                        send.price,
                        tif=send.tif,
                        post_only=send.post_only,
                        expire_ns=send.expire_ns,
                    )
                )
        self.events += 1

    def _check_counters(self, ctx: StrategyContext) -> None:
        """Open-lot counters equal the remaining lots of the open orders, per side."""
        orders = ctx.open_orders()
        buys = sum(o.remaining_lots for o in orders if o.side > 0)
        sells = sum(o.remaining_lots for o in orders if o.side < 0)
        assert (ctx.open_buy_lots[0], ctx.open_sell_lots[0]) == (buys, sells)
        assert all(o.is_open and 0 <= o.filled_lots < o.qty_lots for o in orders)
        self.checks += 1

    def on_fill(self, ctx: StrategyContext, order: Order, fill: Fill) -> None:
        self.fills.append(fill)

    def on_reject(self, ctx: StrategyContext, order: Order, reason: str) -> None:
        self.rejects.append((order.order_id, reason))

    def on_cancel(self, ctx: StrategyContext, order: Order) -> None:
        self.cancels.append(order.order_id)


def script(sends: Sequence[Send]) -> Callable[[StrategySetup], OrderScript]:
    return lambda setup: OrderScript(setup, sends)


def fills_of(out, order_id: str | None = None) -> list[tuple[int, float, float, str]]:
    """(ts_ns, price, qty, liquidity) of the fills, optionally of one order."""
    rows = out.dicts("fills") if order_id is None else out.where("fills", order_id=order_id)
    return [(f["ts_ns"], f["price"], f["qty"], f["liquidity"]) for f in rows]


def path(out, order_id: str) -> list[tuple[str, int, str]]:
    """(status, ts_ns, reason) of each orders row of one order."""
    return [(r["status"], r["ts_ns"], r["reason"]) for r in out.where("orders", order_id=order_id)]
