"""The order path of one strategy instance: the context a strategy places orders through
(rounding → pre-trade risk → OMS → venue) and the sink of the venue's execution reports
(OMS state, positions, fills and risk rows, strategy callbacks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from orderloom.runtime.engine.book import Book
from orderloom.runtime.engine.clock import Clock
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import TIME_IN_FORCE, Oms, Order
from orderloom.runtime.engine.positions import PositionLedger
from orderloom.runtime.risk.chain import RiskChain, RiskViolation
from orderloom.runtime.strategies.base import Fill, Strategy
from orderloom.runtime.venues.reports import Liquidity

if TYPE_CHECKING:
    from orderloom.runtime.routing.order_router import OrderRouter
    from orderloom.runtime.venues.simulated import SimulatedVenue


class EngineContext:
    """Implements `StrategyContext` (for the strategy), `ExecutionReports` (for the venue)
    and `Exposure` (for the risk checks)."""

    router: OrderRouter | None = None  # set by the engine when the plan routes its orders

    def __init__(
        self,
        run_id: str,
        strategy_name: str,
        instruments: Sequence[str],
        quote_currencies: Sequence[str],
        venue_names: Sequence[str],
        lots: Sequence[LotSpec],
        book: Book,
        clock: Clock,
        risk: RiskChain,
    ) -> None:
        self.run_id = run_id
        self.strategy_name = strategy_name
        self.instruments = tuple(instruments)
        self.quote_currencies = tuple(quote_currencies)
        self.venue_names = tuple(venue_names)  # per slot: where that instrument's orders go
        self.lots = tuple(lots)
        self.book = book
        self.state = book.state
        self.clock = clock
        self.risk = risk
        self.oms = Oms(run_id, strategy_name, instruments, self.venue_names, lots)
        self.ledger = PositionLedger(run_id, strategy_name, instruments, lots)
        self.position_lots = self.ledger.position_lots
        self.open_buy_lots = self.oms.open_buy_lots
        self.open_sell_lots = self.oms.open_sell_lots
        self.fill_rows: list[tuple] = []
        self.risk_rows: list[tuple] = []
        self.fills = 0
        self.rejects = 0
        self.cancel_rejects = 0
        # The request as the strategy made it, before rounding (order_validity's grid check).
        self.requested_qty: float | None = None
        self.requested_price: float | None = None
        self._risk_sent = risk.sent_hooks
        self._risk_fills = risk.fill_hooks
        # Bound by the engine, one per slot (slots on the same venue share the object); the
        # venue reports back to us.
        self.venues: list[SimulatedVenue] = []
        self.strategy: Strategy
        self.timer_callback: Any = None  # engine's strategy-timer dispatcher
        # Post-trade gate (runtime/risk/actions.py): no new orders before gate_until_ns.
        self.gate_until_ns = -1
        self.gate_check = "halt"
        self.killed = False
        # Cancel-on-disconnect (runtime/risk/stale_data.py): the gate stale data replaced,
        # None while data is fresh; the last market event before the gap; the instance's limit.
        self.stale_saved: tuple[int, str] | None = None
        self.stale_since_ns = -1
        self.stale_after_ns = 0
        self.stopped = False  # after on_stop the strategy hears nothing more
        self.flattening = False  # a flatten's closing orders pass the gate
        self.trips = 0

    # --- StrategyContext -----------------------------------------------------------------

    @property
    def now_ns(self) -> int:
        return int(self.state.ts_ns)

    def place(
        self,
        side: int,
        qty: float,
        price: float | None = None,
        slot: int = 0,
        *,
        tif: str = "gtc",
        post_only: bool = False,
        expire_ns: int | None = None,
    ) -> Order | None:
        if not qty >= 0:
            raise ValueError(f"order quantity must be >= 0, got {qty} (use side for direction)")
        lots = self.lots[slot].lots_down(qty)
        return self._place(side, lots, price, slot, qty, tif, post_only, expire_ns)

    def place_lots(
        self,
        side: int,
        lots: int,
        price: float | None = None,
        slot: int = 0,
        *,
        tif: str = "gtc",
        post_only: bool = False,
        expire_ns: int | None = None,
    ) -> Order | None:
        return self._place(side, lots, price, slot, None, tif, post_only, expire_ns)

    def _place(
        self,
        side: int,
        lots: int,
        price: float | None,
        slot: int,
        requested_qty: float | None,
        tif: str = "gtc",
        post_only: bool = False,
        expire_ns: int | None = None,
    ) -> Order | None:
        if side not in (1, -1):
            raise ValueError(f"side must be +1 (buy) or -1 (sell), got {side}")
        if lots <= 0:
            return None
        ticks = None
        if price is not None:
            if not price > 0:
                raise ValueError(f"limit price must be a positive number, got {price}")
            ticks = self.lots[slot].ticks(price, side)
        now = self.state.ts_ns
        if tif != "gtc" or post_only or expire_ns is not None:
            _check_order_options(tif, post_only, expire_ns, price)
        order = self.oms.create(slot, side, lots, ticks, now, tif, post_only, expire_ns)
        self.requested_qty = requested_qty
        self.requested_price = price
        if now < self.gate_until_ns and not self.flattening:
            violation: RiskViolation | None = self._gate_violation(order)
        else:
            violation = self.risk.check(order, self)
        if violation is not None:
            self.rejects += 1
            self.oms.reject(order, now, violation.message)
            self._risk_event(f"{order.order_id}-{violation.check}", now, order, violation)
            self.strategy.on_reject(self, order, violation.message)
            return order
        for hook in self._risk_sent:
            hook(order, self)
        if self.router is None:
            self.oms.submit(order, now)
            self.venues[order.slot].submit(order, now)
        else:
            self.router.send(order, now)  # runtime/routing: one venue or child orders
        return order

    def _gate_violation(self, order: Order) -> RiskViolation:
        if self.stale_saved is not None and not self.killed:
            since = self.stale_since_ns
            message = (
                f"order {order.order_id}: stale_data: no market data since ts {since} "
                f"(stale_after {self.stale_after_ns} ns)"
            )
            gap = float(self.state.ts_ns - since)
            return RiskViolation("stale_data", float(self.stale_after_ns), gap, message)
        what = "killed until resume" if self.killed else f"halted until ts {self.gate_until_ns}"
        message = f"order {order.order_id}: {self.gate_check}: {what}"
        return RiskViolation(self.gate_check, float(self.gate_until_ns), 0.0, message)

    def cancel(self, order: Order) -> bool:
        """Request a cancel; False when the order is not open, a cancel is already on its
        way, or a cancel check refused it (a risk event; the order keeps working)."""
        if not order.is_open or order.cancel_requested:
            return False
        risk = self.risk
        if risk.cancel_checks:
            violation = risk.check_cancel(order, self)
            if violation is not None:
                self.cancel_rejects += 1
                event_id = f"{order.order_id}-{violation.check}-{self.cancel_rejects}"
                self._risk_event(event_id, self.state.ts_ns, order, violation, "reject_cancel")
                return False
            for hook in risk.cancel_hooks:
                hook(order, self)
        order.cancel_requested = True
        self.venues[order.slot].cancel(order, self.state.ts_ns)
        return True

    def _risk_event(
        self,
        event_id: str,
        now: int,
        order: Order,
        violation: RiskViolation,
        action: str = "reject",
    ) -> None:
        self.risk_rows.append(
            (
                self.run_id,
                event_id,
                now,
                self.strategy_name,
                order.order_id,
                violation.check,
                violation.limit_value,
                violation.value,
                action,
                violation.message,
            )
        )

    def set_timer(self, ts_ns: int, tag: Any) -> None:
        # Event time never runs backwards: a timer in the past fires at the next check.
        self.clock.at(max(int(ts_ns), self.state.ts_ns), self.timer_callback, tag)

    def position(self, slot: int = 0) -> float:
        return self.ledger.position(slot)

    def open_orders(self, slot: int | None = None) -> list[Order]:
        orders = self.oms.open_orders.values()
        return [o for o in orders if slot is None or o.slot == slot]

    # --- Exposure ------------------------------------------------------------------------

    def reference_price(self, slot: int, side: int) -> float:
        return self.book.reference_price(slot, side)

    # --- ExecutionReports ----------------------------------------------------------------

    def on_accepted(self, order: Order, ts_ns: int) -> None:
        self.oms.accept(order, ts_ns)

    def on_fill(
        self, order: Order, ts_ns: int, lots: int, price: float, fee: float, liquidity: Liquidity
    ) -> None:
        slot = order.slot
        fill_id = self.oms.fill(order, ts_ns, lots, price)
        ledger = self.ledger
        ledger.apply_fill(slot, ts_ns, order.side, lots, price, fee)
        state = self.state
        state.position[slot] = ledger.position_qty[slot]
        book = self.book
        if len(self.instruments) == 1:
            state.pnl = ledger.total((book.mark_price(0),))
        else:
            state.pnl = ledger.total([book.mark_price(s) for s in range(len(self.instruments))])
        self.fills += 1
        for hook in self._risk_fills:
            hook(order, ts_ns, lots, price)
        qty = order.qty if lots == order.qty_lots else self.lots[slot].qty(lots)
        self.fill_rows.append(
            (
                self.run_id,
                fill_id,
                order.order_id,
                ts_ns,
                self.strategy_name,
                self.instruments[slot],
                self.venue_names[order.slot],
                order.side,
                price,
                qty,
                fee,
                self.quote_currencies[slot],
                liquidity,
            )
        )
        side = order.side
        fill = Fill(fill_id, order.order_id, ts_ns, slot, side, price, qty, lots, fee, liquidity)
        self.strategy.on_fill(self, order, fill)

    def on_cancelled(self, order: Order, ts_ns: int, reason: str) -> None:
        self.oms.cancel(order, ts_ns, reason)
        if not self.stopped:
            self.strategy.on_cancel(self, order)

    def on_rejected(self, order: Order, ts_ns: int, reason: str) -> None:
        self.rejects += 1
        self.oms.reject(order, ts_ns, reason)
        if not self.stopped:
            self.strategy.on_reject(self, order, reason)


def _check_order_options(
    tif: str, post_only: bool, expire_ns: int | None, price: float | None
) -> None:
    """Contradictory order options are a strategy bug, raised at the call like a bad side."""
    if tif not in TIME_IN_FORCE:
        raise ValueError(f"tif must be one of 'gtc', 'ioc', 'fok', got {tif!r}")
    if post_only and (price is None or tif != "gtc"):
        raise ValueError("post_only needs a limit price and tif 'gtc' (it must be able to rest)")
    if expire_ns is not None and tif != "gtc":
        raise ValueError(f"expire_ns applies to resting (gtc) orders, not tif {tif!r}")
