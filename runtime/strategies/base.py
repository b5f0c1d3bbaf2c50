"""The typed strategy interface and the order-placing context the engine hands to it.

A strategy class is built once per instance from a `StrategySetup` (its Plan node, its
instruments in slot order, their lot/tick specs and the expression compiler), then driven by
the engine: `on_start`, `on_market` per event of any of its instruments, `on_timer` for its
own event-time timers, `on_fill`, `on_reject` (called before `place` returns), `on_cancel`
(the venue confirmed a cancel), `on_stop`.
Everything it does to the world goes through the context, identically in backtest and live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from orderloom.dsl.plan import Instrument, Venue
from orderloom.dsl.plan import Strategy as StrategyNode
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Order

if TYPE_CHECKING:
    from orderloom.dsl.expr.evaluate import ExprCompiler, MarketState


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one of the strategy's orders (quantities in instrument units)."""

    fill_id: str
    order_id: str
    ts_ns: int
    slot: int
    side: int
    price: float
    qty: float
    lots: int
    fee: float
    liquidity: str  # "maker" | "taker"


@dataclass(frozen=True)
class StrategySetup:
    node: StrategyNode
    instruments: tuple[Instrument, ...]  # slot order: node.instruments
    lots: tuple[LotSpec, ...]
    compiler: ExprCompiler
    # Per slot: the venue that slot's orders go to (its params give fees, latency, rules).
    venues: tuple[Venue, ...] = ()

    def slot(self, instrument_id: str) -> int:
        for slot, instrument in enumerate(self.instruments):
            if instrument.id == instrument_id:
                return slot
        raise ValueError(
            f"strategy '{self.node.name}' does not subscribe to instrument '{instrument_id}'"
        )


class StrategyContext(Protocol):
    """What a strategy may read and do. Lists are indexed by instrument slot and are live
    views: read them, never write them."""

    state: MarketState  # last/bid/ask/indicators, shared with expressions
    position_lots: list[int]
    open_buy_lots: list[int]
    open_sell_lots: list[int]
    lots: tuple[LotSpec, ...]

    @property
    def now_ns(self) -> int: ...

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
        """Send an order: qty rounded down to lots (None when that leaves nothing), limit
        price rounded to ticks (buys down, sells up), market order when price is None. A
        pre-trade rejection returns the order in status `rejected` after on_reject ran.
        `tif`: "gtc" (rests until filled or cancelled), "ioc" (fills what it can on arrival,
        the rest is cancelled), "fok" (fills completely on arrival or is cancelled).
        `post_only`: a limit order the venue rejects (or re-prices, per venue) rather than
        letting it take liquidity. `expire_ns`: event time at which the venue cancels it
        ("expired"; good till date). A venue rejection (min notional, post-only) arrives
        later through on_reject. See docs/venue.md."""
        ...

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
    ) -> Order | None: ...

    def cancel(self, order: Order) -> bool:
        """Request a cancel (effective after the venue's latency); False if not open."""
        ...

    def set_timer(self, ts_ns: int, tag: Any) -> None: ...

    def position(self, slot: int = 0) -> float: ...

    def open_orders(self, slot: int | None = None) -> list[Order]: ...


class Strategy:
    """Base class: every callback is optional."""

    def __init__(self, setup: StrategySetup) -> None:
        self.setup = setup

    def on_start(self, ctx: StrategyContext) -> None:
        return None

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        return None

    def on_timer(self, ctx: StrategyContext, tag: Any) -> None:
        return None

    def on_fill(self, ctx: StrategyContext, order: Order, fill: Fill) -> None:
        return None

    def on_reject(self, ctx: StrategyContext, order: Order, reason: str) -> None:
        return None

    def on_cancel(self, ctx: StrategyContext, order: Order) -> None:
        """The venue confirmed a cancel; `order` is final (its fills are already reported)."""
        return None

    def on_stop(self, ctx: StrategyContext) -> None:
        return None
