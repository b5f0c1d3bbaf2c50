"""Order state machine with deterministic ids and the `orders` row log.

States: new → accepted → partially_filled → filled | cancelled | rejected. Order ids are
`f"{strategy}-{n:06d}"` (n from 1 per instance), fill ids `f"{order_id}-{k}"`. Every state
change (and every further partial fill) appends one `orders` row, `seq` counting them per
order. A pre-trade rejection is a single `rejected` row (seq 1): the order never left the
OMS. Quantities are integer lots and limit prices integer ticks; only rows carry floats
(market orders show price 0, orders without fills avg_price 0).
"""

from __future__ import annotations

from collections.abc import Sequence

from orderloom.runtime.engine.lots import LotSpec

NEW = "new"
ACCEPTED = "accepted"
PARTIALLY_FILLED = "partially_filled"
FILLED = "filled"
CANCELLED = "cancelled"
REJECTED = "rejected"

MARKET = "market"
LIMIT = "limit"

# Time in force: good till cancelled (or till `expire_ns`), immediate or cancel, fill or kill.
GTC = "gtc"
IOC = "ioc"
FOK = "fok"
TIME_IN_FORCE = frozenset({GTC, IOC, FOK})

# None is the state before the first row; a pre-trade reject goes straight to `rejected`.
LEGAL: dict[str | None, frozenset[str]] = {
    None: frozenset({NEW, REJECTED}),
    NEW: frozenset({ACCEPTED, REJECTED, CANCELLED}),
    ACCEPTED: frozenset({PARTIALLY_FILLED, FILLED, CANCELLED}),
    PARTIALLY_FILLED: frozenset({PARTIALLY_FILLED, FILLED, CANCELLED}),
    FILLED: frozenset(),
    CANCELLED: frozenset(),
    REJECTED: frozenset(),
}
OPEN = frozenset({NEW, ACCEPTED, PARTIALLY_FILLED})


class IllegalTransition(RuntimeError):
    """An order was asked to move between states the state machine does not allow (a bug)."""


class Order:
    """One order. Mutated only by the OMS; strategies read it."""

    __slots__ = (
        "cancel_requested",
        "expire_ns",
        "filled_lots",
        "filled_notional",
        "fills",
        "order_id",
        "order_type",
        "post_only",
        "price",
        "price_ticks",
        "qty",
        "qty_lots",
        "sent_ns",
        "seq",
        "side",
        "slot",
        "status",
        "tif",
    )

    def __init__(
        self,
        order_id: str,
        slot: int,
        side: int,
        order_type: str,
        qty_lots: int,
        qty: float,
        price_ticks: int | None,
        price: float,
        sent_ns: int,
        tif: str = GTC,
        post_only: bool = False,
        expire_ns: int | None = None,
    ) -> None:
        self.order_id = order_id
        self.slot = slot
        self.side = side  # +1 buy, -1 sell
        self.order_type = order_type
        self.qty_lots = qty_lots
        self.qty = qty
        self.price_ticks = price_ticks  # None for market orders
        self.price = price  # 0.0 for market orders
        self.sent_ns = sent_ns
        self.status: str | None = None
        self.seq = 0
        self.filled_lots = 0
        self.filled_notional = 0.0  # sum of price * lots, for the average price
        self.fills = 0
        self.cancel_requested = False
        self.tif = tif  # GTC, IOC or FOK; the venue enforces it
        self.post_only = post_only  # rejected (or re-priced) by the venue if it would take
        self.expire_ns = expire_ns  # GTD: the venue cancels it ("expired") at this event time

    @property
    def remaining_lots(self) -> int:
        return self.qty_lots - self.filled_lots

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def avg_price(self) -> float:
        return self.filled_notional / self.filled_lots if self.filled_lots else 0.0

    def __repr__(self) -> str:
        return (
            f"Order({self.order_id} {self.status} side={self.side} {self.order_type} "
            f"lots={self.filled_lots}/{self.qty_lots} ticks={self.price_ticks})"
        )


class Oms:
    """Creates orders and applies state changes, keeping per-slot open quantities that risk
    checks and strategies read (`open_buy_lots`, `open_sell_lots`)."""

    def __init__(
        self,
        run_id: str,
        strategy: str,
        instruments: Sequence[str],
        venues: str | Sequence[str],
        lots: Sequence[LotSpec],
    ) -> None:
        self.run_id = run_id
        self.strategy = strategy
        self.instruments = tuple(instruments)
        # The venue each slot's orders go to (one name: every slot).
        self.venues = (
            (venues,) * len(self.instruments) if isinstance(venues, str) else tuple(venues)
        )
        self.lots = tuple(lots)
        self.open_buy_lots = [0] * len(self.instruments)
        self.open_sell_lots = [0] * len(self.instruments)
        self.open_orders: dict[str, Order] = {}  # insertion (= id) order
        self.rows: list[tuple] = []
        self._n = 0

    def create(
        self,
        slot: int,
        side: int,
        lots: int,
        price_ticks: int | None,
        ts_ns: int,
        tif: str = GTC,
        post_only: bool = False,
        expire_ns: int | None = None,
    ) -> Order:
        """A fresh order with the next id; no row until it is submitted or rejected."""
        self._n += 1
        spec = self.lots[slot]
        order_type = MARKET if price_ticks is None else LIMIT
        price = 0.0 if price_ticks is None else spec.price(price_ticks)
        order_id = f"{self.strategy}-{self._n:06d}"
        return Order(
            order_id,
            slot,
            side,
            order_type,
            lots,
            spec.qty(lots),
            price_ticks,
            price,
            ts_ns,
            tif,
            post_only,
            expire_ns,
        )

    @property
    def orders_created(self) -> int:
        return self._n

    def _transition(self, order: Order, status: str, ts_ns: int, reason: str) -> None:
        if status not in LEGAL[order.status]:
            raise IllegalTransition(f"order {order.order_id}: {order.status} -> {status}")
        order.status = status
        order.seq += 1
        filled = order.filled_lots
        if filled == 0:
            filled_qty = 0.0
        elif filled == order.qty_lots:
            filled_qty = order.qty
        else:
            filled_qty = self.lots[order.slot].qty(filled)
        self.rows.append(
            (
                self.run_id,
                order.order_id,
                order.seq,
                ts_ns,
                self.strategy,
                self.instruments[order.slot],
                self.venues[order.slot],
                order.side,
                order.order_type,
                order.price,
                order.qty,
                status,
                filled_qty,
                order.filled_notional / filled if filled else 0.0,
                reason,
            )
        )

    def _release(self, order: Order, lots: int) -> None:
        if order.side > 0:
            self.open_buy_lots[order.slot] -= lots
        else:
            self.open_sell_lots[order.slot] -= lots

    def reject(self, order: Order, ts_ns: int, reason: str) -> None:
        was_open = order.status in OPEN
        self._transition(order, REJECTED, ts_ns, reason)
        if was_open:
            self._release(order, order.remaining_lots)
            del self.open_orders[order.order_id]

    def submit(self, order: Order, ts_ns: int) -> None:
        self._transition(order, NEW, ts_ns, "")
        if order.side > 0:
            self.open_buy_lots[order.slot] += order.qty_lots
        else:
            self.open_sell_lots[order.slot] += order.qty_lots
        self.open_orders[order.order_id] = order

    def accept(self, order: Order, ts_ns: int) -> None:
        self._transition(order, ACCEPTED, ts_ns, "")

    def fill(self, order: Order, ts_ns: int, lots: int, price: float) -> str:
        """Apply an execution of `lots` at `price`; returns the fill id."""
        if lots <= 0 or lots > order.remaining_lots:
            raise IllegalTransition(
                f"order {order.order_id}: fill of {lots} lots with {order.remaining_lots} open"
            )
        order.filled_lots += lots
        order.filled_notional += price * lots
        order.fills += 1
        self._release(order, lots)
        done = order.filled_lots == order.qty_lots
        self._transition(order, FILLED if done else PARTIALLY_FILLED, ts_ns, "")
        if done:
            del self.open_orders[order.order_id]
        return f"{order.order_id}-{order.fills}"

    def cancel(self, order: Order, ts_ns: int, reason: str) -> None:
        self._transition(order, CANCELLED, ts_ns, reason)
        self._release(order, order.remaining_lots)
        del self.open_orders[order.order_id]
