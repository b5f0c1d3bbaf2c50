"""Test builders: Plans straight from the IR dataclasses, typed expressions through
dsl.expr (parse → check → to_json, as the compiler does), market batches from lists, and a
runner that collects every analytics row an engine returns."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import Scope, check, parse, to_json
from orderloom.dsl.kinds.signal import SignalParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.kinds.twap import TwapParams
from orderloom.dsl.plan import Expr, Feed, Instrument, Plan, RiskLimits, Strategy, Venue
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.events import MarketBatch, QuoteBatch, TradeBatch
from orderloom.runtime.sinks.tables import TABLES
from orderloom.runtime.strategies.base import (
    Fill,
    StrategyContext,
    StrategySetup,
)
from orderloom.runtime.strategies.base import (
    Strategy as StrategyRuntime,
)

BTC = "BTC/USDT@sim"
ETH = "ETH/USDT@sim"
SECOND = 1_000_000_000
MS = 1_000_000


def expr(text: str, instruments: Sequence[str], expected: str | None = None) -> Expr:
    def locate(start: int, end: int) -> Span:
        return Span("<test>", 1, start + 1, 1, end + 1)

    scope = Scope(frozenset(instruments), instruments[0])
    typed = check(parse(text, locate), scope, expected)
    return Expr(source=text, ast=to_json(typed), type=typed.type)


def instrument(
    instrument_id: str = BTC, tick_size: float = 0.01, lot_size: float = 0.001
) -> Instrument:
    symbol, venue = instrument_id.split("@")
    base, quote = symbol.split("/")
    return Instrument(instrument_id, symbol, base, quote, venue, tick_size, lot_size)


def trade_feed(name: str = "trades", instrument_id: str = BTC) -> Feed:
    return Feed(name, "synthetic", instrument_id, "trades", None)


def quote_feed(name: str = "quotes", instrument_id: str = BTC) -> Feed:
    return Feed(name, "synthetic", instrument_id, "quotes", None)


def make_plan(
    strategies: Sequence[Strategy],
    instruments: Sequence[Instrument] = (),
    feeds: Sequence[Feed] = (),
    venue: SimulatedVenueParams | None = None,
    risk: RiskLimits | None = None,
) -> Plan:
    return Plan(
        name="test",
        description="",
        source="<test>",
        instruments=tuple(instruments) or (instrument(),),
        venues=(Venue("sim", "simulated", venue or SimulatedVenueParams()),),
        feeds=tuple(feeds) or (trade_feed(),),
        signals=(),
        strategies=tuple(strategies),
        risk=risk or RiskLimits(),
    )


def twap_strategy(
    name: str = "twap",
    *,
    instrument_id: str = BTC,
    side: str = "buy",
    quantity: float = 6.0,
    start_ns: int = 0,
    duration_ns: int = 3600 * SECOND,
    slices: int = 60,
    limit_price: str | None = None,
) -> Strategy:
    limit = expr(limit_price, [instrument_id], "price") if limit_price else None
    params = TwapParams(instrument_id, side, quantity, start_ns, duration_ns, slices, limit)
    return Strategy(name, name, "twap", (instrument_id,), "sim", params)


def signal_strategy(
    name: str = "sig",
    *,
    target: str = "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01",
    instrument_id: str = BTC,
    min_trade_qty: float = 0.0,
) -> Strategy:
    params = SignalParams(instrument_id, expr(target, [instrument_id], "quantity"), min_trade_qty)
    return Strategy(name, name, "signal", (instrument_id,), "sim", params)


def trades(
    ts_ns: Sequence[int],
    price: Sequence[float],
    qty: Sequence[float] | float = 1.0,
    *,
    feed: str = "trades",
    instrument_id: str = BTC,
    offset: int = 0,
) -> TradeBatch:
    n = len(ts_ns)
    qtys = [qty] * n if isinstance(qty, int | float) else list(qty)
    return TradeBatch(
        feed,
        instrument_id,
        offset,
        np.asarray(ts_ns, dtype=np.int64),
        np.asarray(price, dtype=np.float64),
        np.asarray(qtys, dtype=np.float64),
        np.zeros(n, dtype=np.int8),
    )


def quotes(
    ts_ns: Sequence[int],
    bid: Sequence[float],
    ask: Sequence[float],
    size: float = 10.0,
    *,
    feed: str = "quotes",
    instrument_id: str = BTC,
    offset: int = 0,
) -> QuoteBatch:
    n = len(ts_ns)
    return QuoteBatch(
        feed,
        instrument_id,
        offset,
        np.asarray(ts_ns, dtype=np.int64),
        np.asarray(bid, dtype=np.float64),
        np.full(n, size),
        np.asarray(ask, dtype=np.float64),
        np.full(n, size),
    )


def split(batch: MarketBatch, size: int) -> list[MarketBatch]:
    """Cut a batch into consecutive batches of `size` rows, offsets kept."""
    out: list[MarketBatch] = []
    for lo in range(0, len(batch), size):
        hi = min(lo + size, len(batch))
        if isinstance(batch, TradeBatch):
            out.append(
                TradeBatch(
                    batch.feed,
                    batch.instrument,
                    batch.offset + lo,
                    batch.ts_ns[lo:hi],
                    batch.price[lo:hi],
                    batch.qty[lo:hi],
                    batch.side[lo:hi],
                )
            )
        else:
            out.append(
                QuoteBatch(
                    batch.feed,
                    batch.instrument,
                    batch.offset + lo,
                    batch.ts_ns[lo:hi],
                    batch.bid_price[lo:hi],
                    batch.bid_qty[lo:hi],
                    batch.ask_price[lo:hi],
                    batch.ask_qty[lo:hi],
                )
            )
    return out


class Output:
    """Every row an engine returned, by table, with column access by name."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = defaultdict(list)

    def add(self, grouped: Iterable[tuple[str, list[tuple]]]) -> None:
        for table, rows in grouped:
            width = len(TABLES[table].columns)
            assert all(len(r) == width for r in rows), table
            self.rows[table].extend(rows)

    def dicts(self, table: str) -> list[dict[str, Any]]:
        names = TABLES[table].column_names
        return [dict(zip(names, row, strict=True)) for row in self.rows[table]]

    def where(self, table: str, **equal: Any) -> list[dict[str, Any]]:
        return [r for r in self.dicts(table) if all(r[k] == v for k, v in equal.items())]


def run(
    plan: Plan,
    strategy: str,
    calls: Iterable[Sequence[MarketBatch]],
    run_id: str = "run-1",
    factory: Callable[[StrategySetup], StrategyRuntime] | None = None,
) -> tuple[StrategyEngine, Output]:
    """Feed `calls` (each a list of batches for one on_batches call), then EOF."""
    engine = StrategyEngine(plan, strategy, run_id, strategy_factory=factory)
    out = Output()
    for batches in calls:
        out.add(engine.on_batches(batches))
    out.add(engine.on_eof())
    return engine, out


# --- a strategy that follows a script ---------------------------------------------------------


@dataclass(frozen=True)
class Act:
    """At the strategy's `at`-th market event (0-based): place (`side` ±1, `qty`, `price`
    None = market) or, with `cancel` set, cancel the `cancel`-th order it placed."""

    at: int
    side: int = 1
    qty: float = 0.0
    price: float | None = None
    cancel: int | None = None
    slot: int = 0


def scripted_strategy(name: str = "script", instruments: Sequence[str] = (BTC,)) -> Strategy:
    return Strategy(name, name, "scripted", tuple(instruments), "sim", None)


class ScriptedStrategy(StrategyRuntime):
    def __init__(self, setup: StrategySetup, acts: Sequence[Act] = ()) -> None:
        super().__init__(setup)
        self.acts: dict[int, list[Act]] = defaultdict(list)
        for act in acts:
            self.acts[act.at].append(act)
        self.events = 0
        self.seen: list[tuple[int, int]] = []  # (ts_ns, slot) of every market event
        self.placed: list[Order | None] = []
        self.fills: list[Fill] = []
        self.rejects: list[tuple[str, str]] = []
        self.stopped = False

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        self.seen.append((ctx.now_ns, slot))
        for act in self.acts.get(self.events, ()):
            if act.cancel is not None:
                order = self.placed[act.cancel]
                if order is not None:
                    ctx.cancel(order)
            else:
                self.placed.append(ctx.place(act.side, act.qty, act.price, act.slot))
        self.events += 1

    def on_fill(self, ctx: StrategyContext, order: Order, fill: Fill) -> None:
        self.fills.append(fill)

    def on_reject(self, ctx: StrategyContext, order: Order, reason: str) -> None:
        self.rejects.append((order.order_id, reason))

    def on_stop(self, ctx: StrategyContext) -> None:
        self.stopped = True


def scripted(acts: Sequence[Act]) -> Callable[[StrategySetup], ScriptedStrategy]:
    return lambda setup: ScriptedStrategy(setup, acts)


class RunawayStrategy(StrategyRuntime):
    """A broken loop: on every market event it sends `per_event` market buys of `qty` (or
    limit buys at `price`), ignoring rejections — what the order-rate throttle must stop."""

    def __init__(
        self,
        setup: StrategySetup,
        per_event: int = 1,
        qty: float = 0.001,
        price: float | None = None,
    ) -> None:
        super().__init__(setup)
        self.per_event = per_event
        self.qty = qty
        self.price = price
        self.attempts = 0
        self.rejects = 0

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        for _ in range(self.per_event):
            self.attempts += 1
            ctx.place(1, self.qty, self.price)

    def on_reject(self, ctx: StrategyContext, order: Order, reason: str) -> None:
        self.rejects += 1


def runaway(per_event: int = 1, **kwargs: Any) -> Callable[[StrategySetup], RunawayStrategy]:
    return lambda setup: RunawayStrategy(setup, per_event, **kwargs)
