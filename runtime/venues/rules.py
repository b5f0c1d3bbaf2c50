"""Venue rules checked when an order arrives, before it is matched: min notional, post-only
and self-trade prevention. Pure checks on the order and the book; the venue (simulated.py)
reports the rejections and cancels what they name."""

from __future__ import annotations

from orderloom.runtime.engine.book import Book
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Order

SELF_TRADE_REASON = "self-trade prevention"


def crosses(order: Order, price: float) -> bool:
    """A limit order would trade at `price` (buy: price at or below its limit)."""
    return order.price >= price if order.side > 0 else order.price <= price


def below_min_notional(book: Book, order: Order, min_notional: float) -> str | None:
    """The rejection reason when the order's notional is below `min_notional`: a limit
    valued at its price, a market order at the price it would pay (let through when nothing
    was seen yet to value it by)."""
    price = order.price
    if order.price_ticks is None:
        price = book.reference_price(order.slot, order.side)
        if price != price:
            return None
    notional = price * order.qty
    if notional >= min_notional * (1.0 - 1e-12):  # price × qty of decimals is inexact
        return None
    return (
        f"min_notional: order {order.order_id} notional {notional:.10g} is below "
        f"{min_notional:.10g}"
    )


def arrival_reference(book: Book, order: Order) -> float:
    """The price a limit order would trade at on arrival: the opposite touch, or the last
    print without a quotes feed (NaN when nothing was seen)."""
    if book.has_quotes[order.slot]:
        return book.touch(order.slot, order.side)
    return float(book.state.last[order.slot])


def would_take(book: Book, order: Order) -> bool:
    reference = arrival_reference(book, order)
    return reference == reference and crosses(order, reference)


def post_only_reprice(book: Book, spec: LotSpec, order: Order) -> bool:
    """Move a post-only order that would take one tick behind the opposite touch (a buy to
    ask - 1 tick); False when that price would not be positive."""
    ticks = spec.ticks(arrival_reference(book, order), order.side) - order.side
    if ticks <= 0:
        return False
    order.price_ticks = ticks
    order.price = spec.price(ticks)
    return True


def post_only_reason(book: Book, order: Order) -> str:
    return (
        f"post_only: order {order.order_id} at {order.price:.10g} would take liquidity "
        f"at {arrival_reference(book, order):.10g}"
    )


def self_trade_crossed(order: Order, opposite: list[Order]) -> list[Order]:
    """The instance's open resting orders on the other side that `order` would trade with:
    a resting sell at p crosses a buy limited at p or above (a market order crosses all)."""
    if order.price_ticks is None:
        return [o for o in opposite if o.is_open]
    if order.side > 0:
        return [o for o in opposite if o.is_open and o.price <= order.price]
    return [o for o in opposite if o.is_open and o.price >= order.price]
