"""StrategyEngine: one strategy instance's whole decision path in one object — books, clock,
expressions, strategy, pre-trade risk, OMS, simulated venue, positions — fed market batches by
the keyed bytewax step and returning analytics rows grouped by table.

Order of work for each market event at time t (deterministic, event time only):
1. timers due at or before t fire in (time, scheduling order): strategy timers (TWAP slices),
   order and cancel arrivals at the venue, and the PnL marks at every whole minute of event
   time (a mark row carries the minute's time and the state before the event);
2. the event is written to the market state (last price/qty and trade count, or top of
   book);
3. the venue matches it against working orders (fills, positions, `on_fill`);
4. the instrument's indicators update, in dependency order;
5. the strategy's `on_market` runs.
An instance with several feeds merges them first (see `merge.py`); with one feed the batches
go straight to the loops. `on_eof` drains the merge, calls `on_stop`, cancels what is still
open at the last event's time, writes final positions for traded instruments and a last mark.
With `stale_after`, a gap in the market data longer than it cancels everything and blocks
orders until the next event (runtime/risk/stale_data.py), at no cost per event.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from heapq import heappop, heappush
from typing import Any

from orderloom.dsl import registry
from orderloom.dsl.expr.evaluate import ExprCompiler
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Plan
from orderloom.runtime.books.l2 import L2Book
from orderloom.runtime.engine.book import Book
from orderloom.runtime.engine.clock import Clock
from orderloom.runtime.engine.context import EngineContext
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.merge import FeedMerger
from orderloom.runtime.events import BookBatch, MarketBatch, QuoteBatch, TradeBatch
from orderloom.runtime.risk import actions
from orderloom.runtime.risk.chain import RiskChain
from orderloom.runtime.risk.post_trade import PostTradeGuard
from orderloom.runtime.risk.stale_data import StaleDataGuard
from orderloom.runtime.routing.order_router import order_router
from orderloom.runtime.strategies.base import Strategy, StrategySetup
from orderloom.runtime.venues.simulated import SimulatedVenue

MARK_INTERVAL_NS = 60_000_000_000

Rows = list[tuple[str, list[tuple]]]

_BUILTIN_STRATEGIES = {
    "twap": "orderloom.runtime.strategies.twap:TwapStrategy",
    "signal": "orderloom.runtime.strategies.signal:SignalStrategy",
}


def strategy_class(kind: str) -> type[Strategy]:
    """The runtime class of a strategy kind: the registry's `runtime` path, or a built-in."""
    spec = registry.get("strategy", kind)
    path = spec.runtime if spec is not None else _BUILTIN_STRATEGIES.get(kind)
    if path is None:
        raise ValueError(f"unknown strategy kind '{kind}'")
    module_name, _, class_name = path.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise TypeError(f"{path} is not a Strategy class")
    return cls


@dataclass
class EngineStats:
    events: int = 0
    orders: int = 0
    fills: int = 0
    rejects: int = 0
    fees: float = 0.0
    realized: float = 0.0
    unrealized: float = 0.0
    total: float = 0.0


class StrategyEngine:
    def __init__(
        self,
        plan: Plan,
        strategy_name: str,
        run_id: str,
        *,
        strategy_factory: Callable[[StrategySetup], Strategy] | None = None,
    ) -> None:
        """`strategy_factory` replaces the kind's registered class (custom Python strategies,
        tests); by default the class comes from the registry's `runtime` path."""
        node = next((s for s in plan.strategies if s.name == strategy_name), None)
        if node is None:
            raise ValueError(f"plan '{plan.name}' has no strategy instance '{strategy_name}'")
        instruments = tuple(plan.instrument(i) for i in node.instruments)
        ids = [i.id for i in instruments]
        lots = tuple(LotSpec(i.lot_size, i.tick_size) for i in instruments)
        feeds = [f for f in plan.feeds if f.instrument in ids]
        slot_venues = [plan.venue(name) for name in plan.slot_venues(node)]
        for venue in slot_venues:
            if not isinstance(venue.params, SimulatedVenueParams):
                raise ValueError(
                    f"strategy '{strategy_name}': venue '{venue.name}' of kind '{venue.kind}' "
                    "has no in-process binding; only simulated venues run inside the engine"
                )
        compiler = ExprCompiler(ids)
        setup = StrategySetup(node, instruments, lots, compiler, tuple(slot_venues))
        factory = strategy_factory or strategy_class(node.kind)
        self.strategy = factory(setup)
        guard = PostTradeGuard.for_instance(plan, strategy_name, compiler)
        state = compiler.new_state()  # after the strategy (and breakers) compiled expressions
        has_quotes = [
            any(f.schema in ("quotes", "book") and f.instrument == i for f in feeds) for i in ids
        ]
        for slot, i in enumerate(ids):  # L2 books, read by Book, expressions and _run_book
            if any(f.schema == "book" and f.instrument == i for f in feeds):
                state.books[slot] = L2Book()
        self.book = Book(state, has_quotes)
        self.clock = Clock()
        self.ctx = EngineContext(
            run_id,
            strategy_name,
            ids,
            [i.quote for i in instruments],
            [v.name for v in slot_venues],
            lots,
            self.book,
            self.clock,
            RiskChain.for_instance(plan, strategy_name, instruments, lots),
        )
        # One simulated venue per distinct venue; each serves only its own slots, but sizes
        # its per-slot tables for all of them so a slot indexes every venue alike.
        by_name: dict[str, SimulatedVenue] = {}
        for venue in slot_venues:
            if venue.name not in by_name:
                params = venue.params
                assert isinstance(params, SimulatedVenueParams)
                by_name[venue.name] = SimulatedVenue(params, self.clock, self.book, lots, self.ctx)
        self.venues = [by_name[v.name] for v in slot_venues]  # per slot
        self.venue = self.venues[0]  # the traded instrument's venue
        self.ctx.venues = self.venues
        self.ctx.router = order_router(plan, node, self.ctx)
        self.ctx.strategy = self.strategy
        self.ctx.timer_callback = self._strategy_timer
        self.guard = guard
        if guard is not None:
            guard.bind(self.ctx)
            self._on_market = guard.wrap(self.strategy.on_market)
        else:
            self._on_market = self.strategy.on_market
        self._guarded_on_market = self._on_market
        self.state = state
        self.name = strategy_name
        self.stats = EngineStats()
        self._updates: list[tuple[Callable[[Any], None], ...]] = [
            tuple(ind.update for ind in compiler.indicators_for(slot)) for slot in range(len(ids))
        ]
        self._feed_index = {f.name: k for k, f in enumerate(feeds)}
        self._feed_slot = [ids.index(f.instrument) for f in feeds]
        self.feed_schemas = [f.schema for f in feeds]
        self.feed_names = [f.name for f in feeds]
        self._book_dead: list[tuple] = []  # dead_letters rows of book updates the engine refused
        self._merger = (
            FeedMerger([MERGE_WIDTHS[f.schema] for f in feeds]) if len(feeds) > 1 else None
        )
        self._stale = (
            StaleDataGuard(self.ctx, self.clock, node.stale_after_ns)
            if node.stale_after_ns > 0
            else None
        )
        # The loops call this when a timer is due; only stale-data instances pay for noting
        # the market times around the timers.
        self._fire: Callable[[int], None] = (
            self._fire_timers if self._stale is None else self._fire_timers_noting_market
        )
        self._started = False
        self._finished = False

    # --- public API ----------------------------------------------------------------------

    def on_batches(self, batches: Sequence[MarketBatch]) -> Rows:
        if self._finished:
            raise RuntimeError(f"strategy '{self.name}': market data after end of input")
        merger = self._merger
        if merger is None:
            for batch in batches:
                if len(batch):
                    self._feed_of(batch)
                    self._process_batch(batch)
        else:
            for batch in batches:
                if len(batch):
                    merger.push(self._feed_of(batch), market_columns(batch))
            self.process_runs(merger.drain())
        return self.take_rows()

    def on_eof(self) -> Rows:
        if self._finished:
            return []
        if self._merger is not None:
            self.process_runs(self._merger.drain(final=True))
        self._finished = True
        if self._started:
            ctx = self.ctx
            now = self.state.ts_ns
            self.strategy.on_stop(ctx)
            ctx.stopped = True  # the end-of-replay cancels below must not prompt new orders
            for order in list(ctx.oms.open_orders.values()):
                self.venues[order.slot].cancel_now(order, now, "end of replay")
            for slot in range(len(ctx.instruments)):
                if ctx.ledger.traded(slot):
                    ctx.ledger.position_row(slot, now)
            self._mark(now)
        return self.take_rows()

    def kill(self, check: str, reason: str, *, close: bool = False) -> None:
        """Cancel every open order (and flatten with `close`), block new ones and stop
        calling the strategy until `resume` (kill switch; a risk_events row)."""
        ctx = self.ctx
        actions.trip_row(ctx, check, "kill", 0.0, 1.0, f"{check}: {reason}")
        actions.kill(ctx, check, reason, close=close)
        self._on_market = _skip_market

    def resume(self, check: str, reason: str) -> None:
        ctx = self.ctx
        gate_ns = ctx.gate_until_ns if ctx.stale_saved is None else ctx.stale_saved[0]
        if not ctx.killed and gate_ns < 0:
            return
        actions.trip_row(ctx, check, "resume", 0.0, 0.0, f"{check}: {reason}")
        actions.resume(ctx)
        self._on_market = self._guarded_on_market

    @property
    def killed(self) -> bool:
        return self.ctx.killed

    @property
    def started(self) -> bool:
        """Whether the first market event has arrived (and `on_start` ran)."""
        return self._started

    def advance_to(self, ts_ns: int) -> None:
        """Fire the timers due by `ts_ns` without a market event (a group of instances kept
        in step on an event-time grid, runtime/account/group.py), in (time, scheduling)
        order, then put the market state's time back: the next market event sets its own.
        Stale-data deadlines wait for the next market event, which they need to know
        (runtime/risk/stale_data.py)."""
        heap = self.clock.heap
        if heap[0][0] > ts_ns:
            return
        state = self.state
        saved = state.ts_ns
        stale = self._stale
        held: list[Any] = []
        while heap[0][0] <= ts_ns:
            entry = heappop(heap)
            at_ns, _, callback, arg = entry
            if stale is not None and getattr(callback, "__self__", None) is stale:
                held.append(entry)
                continue
            state.ts_ns = at_ns
            callback(at_ns, arg)
        for entry in held:
            heappush(heap, entry)
        state.ts_ns = saved

    # --- event loops ---------------------------------------------------------------------

    def _feed_of(self, batch: MarketBatch) -> int:
        feed = self._feed_index.get(batch.feed)
        if feed is None:
            raise ValueError(f"strategy '{self.name}' does not read feed '{batch.feed}'")
        return feed

    def _process_batch(self, batch: MarketBatch) -> None:
        slot = self._feed_slot[self._feed_index[batch.feed]]
        if isinstance(batch, TradeBatch):
            self._run_trades(slot, batch.ts_ns.tolist(), batch.price.tolist(), batch.qty.tolist())
        elif isinstance(batch, BookBatch):
            self._run_book(slot, self._feed_index[batch.feed], *market_columns(batch))
        else:
            self._run_quotes(
                slot,
                batch.ts_ns.tolist(),
                batch.bid_price.tolist(),
                batch.bid_qty.tolist(),
                batch.ask_price.tolist(),
                batch.ask_qty.tolist(),
            )

    def process_runs(self, runs: list[tuple[int, list[list]]]) -> None:
        for feed, columns in runs:
            slot = self._feed_slot[feed]
            if self.feed_schemas[feed] == "trades":
                self._run_trades(slot, *columns)
            elif self.feed_schemas[feed] == "book":
                self._run_book(slot, feed, *columns)
            else:
                self._run_quotes(slot, *columns)

    def _start(self, ts_ns: int) -> None:
        self._started = True
        self.state.ts_ns = ts_ns
        self.clock.at((ts_ns // MARK_INTERVAL_NS + 1) * MARK_INTERVAL_NS, self._on_mark)
        if self._stale is not None:
            self._stale.arm(ts_ns)
        self.strategy.on_start(self.ctx)

    def _run_trades(
        self, slot: int, ts_list: list[int], price_list: list[float], qty_list: list[float]
    ) -> None:
        if not self._started:
            self._start(ts_list[0])
        state = self.state
        last = state.last
        last_qty = state.last_qty
        trades = state.trades  # trade counters: vwap tells a new print from a quote tick
        heap = self.clock.heap
        fire = self._fire
        venue = self.venues[slot]
        buy_trigger = venue.buy_trigger
        sell_trigger = venue.sell_trigger
        venue_trade = venue.on_trade
        updates = self._updates[slot]
        on_market = self._on_market
        ctx = self.ctx
        # Unrolled for the common indicator counts: this loop is the engine's hot path.
        if len(updates) == 2:
            update_a, update_b = updates
            for ts, price, qty in zip(ts_list, price_list, qty_list, strict=False):
                if heap[0][0] <= ts:
                    fire(ts)
                state.ts_ns = ts
                last[slot] = price
                last_qty[slot] = qty
                trades[slot] += 1
                if price <= buy_trigger[slot] or price >= sell_trigger[slot]:
                    venue_trade(slot, ts, price, qty)
                update_a(state)
                update_b(state)
                on_market(ctx, slot)
        else:
            for ts, price, qty in zip(ts_list, price_list, qty_list, strict=False):
                if heap[0][0] <= ts:
                    fire(ts)
                state.ts_ns = ts
                last[slot] = price
                last_qty[slot] = qty
                trades[slot] += 1
                if price <= buy_trigger[slot] or price >= sell_trigger[slot]:
                    venue_trade(slot, ts, price, qty)
                for update in updates:
                    update(state)
                on_market(ctx, slot)
        self.stats.events += len(ts_list)

    def _run_quotes(
        self,
        slot: int,
        ts_list: list[int],
        bid_list: list[float],
        bid_qty_list: list[float],
        ask_list: list[float],
        ask_qty_list: list[float],
    ) -> None:
        if not self._started:
            self._start(ts_list[0])
        state = self.state
        bid, bid_qty, ask, ask_qty = state.bid, state.bid_qty, state.ask, state.ask_qty
        heap = self.clock.heap
        fire = self._fire
        venue = self.venues[slot]
        quote_waiting = venue.quote_waiting
        venue_quote = venue.on_quote
        updates = self._updates[slot]
        on_market = self._on_market
        ctx = self.ctx
        for ts, b, bq, a, aq in zip(
            ts_list, bid_list, bid_qty_list, ask_list, ask_qty_list, strict=False
        ):
            if heap[0][0] <= ts:
                fire(ts)
            state.ts_ns = ts
            bid[slot] = b
            bid_qty[slot] = bq
            ask[slot] = a
            ask_qty[slot] = aq
            if quote_waiting[slot]:
                venue_quote(slot, ts)
            for update in updates:
                update(state)
            on_market(ctx, slot)
        self.stats.events += len(ts_list)

    def _run_book(
        self,
        slot: int,
        feed: int,
        ts_list: list[int],
        seq_list: list[int],
        action_list: list[int],
        side_list: list[int],
        price_list: list[float],
        qty_list: list[float],
        offset_list: list[int],
    ) -> None:
        """L2 book updates (BookBatch columns). A delta, or the last row of a snapshot, is one
        market event: the book's touch is written to the state as a quote, then the venue,
        indicators and on_market run as for quotes. A delta that would cross or lock the
        book is dropped and a crossed snapshot leaves the book invalid (deltas ignored) until
        the next snapshot; both become dead letters."""
        if not self._started:
            self._start(ts_list[0])
        state = self.state
        l2: L2Book = state.books[slot]
        bid, bid_qty, ask, ask_qty = state.bid, state.bid_qty, state.ask, state.ask_qty
        bids, asks, bid_prices, ask_prices = l2.bids, l2.asks, l2.bid_prices, l2.ask_prices
        book_update = l2.update
        heap = self.clock.heap
        fire = self._fire
        venue = self.venues[slot]
        quote_waiting = venue.quote_waiting
        venue_quote = venue.on_quote
        # While only queue positions listen (venue.queue_only), a delta reaches the venue
        # when it changes the size at a level our orders rest at (`watched_*`, kept in place
        # by the venue) or the far end of that side's depth, which decides what is in view;
        # nothing else can move a queue (runtime/venues/queue.py).
        queue_only = venue.queue_only
        watched = venue.watched_levels(slot)
        watched_bids, watched_asks = watched if watched is not None else (set(), set())
        updates = self._updates[slot]
        on_market = self._on_market
        ctx = self.ctx
        last = len(ts_list) - 1
        nan = float("nan")
        side = 0
        price = nan
        columns = (ts_list, seq_list, side_list, price_list, qty_list, offset_list)
        for k, ts in enumerate(ts_list):
            if heap[0][0] <= ts:
                fire(ts)
            state.ts_ns = ts
            action = action_list[k]
            if action == 0:  # BOOK_DELTA
                if not l2.valid:
                    l2.ignored += 1
                    continue
                side = side_list[k]
                price = price_list[k]
                if book_update(side, price, qty_list[k]):
                    self._book_refused(feed, columns, k, "update would cross the book")
                    continue
                l2.seq = seq_list[k]
            else:
                if action == 1:  # BOOK_SNAPSHOT: clear, then its first level (if any)
                    l2.begin_snapshot(seq_list[k])
                if side_list[k]:
                    l2.set_level(side_list[k], price_list[k], qty_list[k])
                if k < last and action_list[k + 1] == 2:  # more levels of this snapshot
                    continue
                if l2.end_snapshot():
                    self._book_refused(feed, columns, k, "crossed or locked snapshot")
                    continue
            if bid_prices:
                best = bid_prices[-1]
                bid[slot] = best
                bid_qty[slot] = bids[best]
            else:
                bid[slot] = bid_qty[slot] = nan
            if ask_prices:
                best = ask_prices[0]
                ask[slot] = best
                ask_qty[slot] = asks[best]
            else:
                ask[slot] = ask_qty[slot] = nan
            if quote_waiting[slot]:
                if action or not queue_only[slot]:
                    venue_quote(slot, ts)
                elif side > 0:
                    if watched_bids and (
                        price in watched_bids or not bid_prices or price <= bid_prices[0]
                    ):
                        venue_quote(slot, ts)
                elif watched_asks and (
                    price in watched_asks or not ask_prices or price >= ask_prices[-1]
                ):
                    venue_quote(slot, ts)
            for update in updates:
                update(state)
            on_market(ctx, slot)
        self.stats.events += len(ts_list)

    def _book_refused(self, feed: int, columns: tuple[list, ...], k: int, reason: str) -> None:
        ts, seq, side, price, qty, offset = (column[k] for column in columns)
        l2 = self.state.books[self._feed_slot[feed]]
        record = (
            f"seq={seq} side={side} price={price} qty={qty} "
            f"best_bid={l2.price(1, 0)} best_ask={l2.price(-1, 0)}"
        )
        name = self.feed_names[feed]
        self._book_dead.append((self.ctx.run_id, name, offset, ts, reason, record))

    def _fire_timers(self, ts_ns: int) -> None:
        heap = self.clock.heap
        state = self.state
        while heap[0][0] <= ts_ns:
            at_ns, _, callback, arg = heappop(heap)
            state.ts_ns = at_ns
            callback(at_ns, arg)

    def _fire_timers_noting_market(self, ts_ns: int) -> None:
        # Called between market events: state.ts_ns still holds the last one's time.
        stale = self._stale
        assert stale is not None
        state = self.state
        stale.last_market_ns = state.ts_ns
        stale.next_market_ns = ts_ns
        heap = self.clock.heap
        while heap[0][0] <= ts_ns:  # _fire_timers' loop, inlined to save a call per firing
            at_ns, _, callback, arg = heappop(heap)
            state.ts_ns = at_ns
            callback(at_ns, arg)

    # --- timers ----------------------------------------------------------------------------

    def _strategy_timer(self, ts_ns: int, tag: Any) -> None:
        self.strategy.on_timer(self.ctx, tag)
        guard = self.guard
        if guard is not None and not self.ctx.killed:
            guard.evaluate()

    def _on_mark(self, ts_ns: int, _: Any) -> None:
        self._mark(ts_ns)
        self.clock.at(ts_ns + MARK_INTERVAL_NS, self._on_mark)

    def _mark(self, ts_ns: int) -> None:
        book = self.book
        marks = [book.mark_price(slot) for slot in range(len(self.ctx.instruments))]
        realized, unrealized, total = self.ctx.ledger.mark(ts_ns, marks)
        self.state.pnl = total
        stats = self.stats
        stats.realized, stats.unrealized, stats.total = realized, unrealized, total

    # --- output --------------------------------------------------------------------------

    def take_rows(self) -> Rows:
        ctx = self.ctx
        stats = self.stats
        stats.orders = ctx.oms.orders_created
        stats.fills = ctx.fills
        stats.rejects = ctx.rejects
        stats.fees = ctx.ledger.fees
        out: Rows = []
        for table, rows in (
            ("orders", ctx.oms.rows),
            ("fills", ctx.fill_rows),
            ("positions", ctx.ledger.position_rows),
            ("pnl", ctx.ledger.pnl_rows),
            ("risk_events", ctx.risk_rows),
            ("dead_letters", self._book_dead),
            ("routing_decisions", ctx.router.rows if ctx.router is not None else []),
        ):
            if rows:
                out.append((table, rows.copy()))
                rows.clear()
        return out


def _skip_market(ctx: Any, slot: int) -> None:
    """on_market of a killed instance: the strategy is not called until resume."""


MERGE_WIDTHS = {"trades": 3, "quotes": 5, "book": 7}  # merge columns per feed schema, ts included


def market_columns(batch: MarketBatch) -> list[list]:
    if isinstance(batch, BookBatch):
        offsets = (
            batch.offsets.tolist()
            if batch.offsets is not None
            else list(range(batch.offset, batch.offset + len(batch)))
        )
        return [
            batch.ts_ns.tolist(),
            batch.seq.tolist(),
            batch.action.tolist(),
            batch.side.tolist(),
            batch.price.tolist(),
            batch.qty.tolist(),
            offsets,
        ]
    if isinstance(batch, QuoteBatch):
        return [
            batch.ts_ns.tolist(),
            batch.bid_price.tolist(),
            batch.bid_qty.tolist(),
            batch.ask_price.tolist(),
            batch.ask_qty.tolist(),
        ]
    return [batch.ts_ns.tolist(), batch.price.tolist(), batch.qty.tolist()]
