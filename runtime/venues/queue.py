"""Queue position of resting orders for the `trades` fill model.

An order that rests joins behind the displayed size at its price (read from the book when it
reaches the venue). Prints at its price consume that queue first and then fill the order;
book updates showing less displayed size than the queue ahead advance it
(queue_ahead = min(queue_ahead, displayed)), the shrinkage being cancellations ahead of us. A
price outside the displayed depth (behind a top-of-book quote) has an unknown queue: only
prints through it fill it until the level comes into view, when it joins behind what is shown.
Quantities are in instrument units; our own orders are not part of the displayed size.
Only orders with something still ahead of them (or an unknown queue) listen to book updates,
so a slot whose orders reached the front costs nothing per quote. An update moves a queue only
through the size at the order's own price or the far end of its side's depth (`in_view`), so
`watched` names the levels listeners rest at and an L2 delta elsewhere can skip `on_book`.
"""

from __future__ import annotations

import math

from orderloom.runtime.engine.book import Book
from orderloom.runtime.engine.oms import Order

UNKNOWN = math.inf


class QueuePositions:
    __slots__ = ("ahead", "book", "listening", "watched")

    def __init__(self, book: Book, slots: int) -> None:
        self.book = book
        self.ahead: dict[Order, float] = {}  # resting order -> displayed qty ahead of it
        # Per slot: resting orders whose queue book updates may still advance.
        self.listening: list[list[Order]] = [[] for _ in range(slots)]
        # Per slot: (bid prices, ask prices) of the listening orders. Updated in place (the
        # engine's book loop holds the sets): an L2 delta at another price that leaves the
        # far end of the depth alone cannot change what on_book computes.
        self.watched: list[tuple[set[float], set[float]]] = [(set(), set()) for _ in range(slots)]

    def join(self, order: Order) -> None:
        shown = self.displayed(order.slot, order.side, order.price)
        queued = UNKNOWN if shown is None else shown
        self.ahead[order] = queued
        if queued > 0.0:
            self.listening[order.slot].append(order)
            bids, asks = self.watched[order.slot]
            (bids if order.side > 0 else asks).add(order.price)

    def in_view(self, slot: int, side: int, price: float) -> bool:
        """`price` lies within the displayed depth of `side`, or improves its best price."""
        shown_range = self.book.depth_range(slot, side)
        if shown_range is None:
            return False
        return price >= shown_range[1] if side > 0 else price <= shown_range[1]

    def displayed(self, slot: int, side: int, price: float) -> float | None:
        """Displayed size at `price` on `side` (0 at an empty level in view, such as a price
        better than the best), None when the price lies beyond the displayed depth."""
        shown = self.book.displayed_qty(slot, side, price)
        if shown > 0.0:
            return shown
        if shown == 0.0 and self.in_view(slot, side, price):
            return 0.0
        return None  # out of view, or a size the feed did not give (NaN)

    def on_book(self, slot: int) -> int:
        """A book update: cancellations ahead advance the queues; unknown queues that came
        into view join behind the displayed size. Returns how many orders still listen."""
        orders = self.listening[slot]
        ahead = self.ahead
        book = self.book
        displayed_qty = book.displayed_qty
        reached_front = False
        for order in orders:
            queued = ahead.get(order, 0.0)  # gone from `ahead`: filled or cancelled
            if queued == 0.0:
                reached_front = True
                continue
            side, price = order.side, order.price
            if queued == UNKNOWN:  # most updates leave such a level out of view: one call
                shown_range = book.depth_range(slot, side)
                if shown_range is None or (
                    price < shown_range[1] if side > 0 else price > shown_range[1]
                ):
                    continue
                shown = displayed_qty(slot, side, price)
                if shown == shown:
                    ahead[order] = shown
                    reached_front = reached_front or shown == 0.0
                continue
            shown = displayed_qty(slot, side, price)
            if shown > 0.0:
                if shown < queued:
                    ahead[order] = shown
            elif shown == 0.0 and self.in_view(slot, side, price):
                ahead[order] = 0.0
                reached_front = True
        if reached_front:
            orders[:] = [o for o in orders if ahead.get(o, 0.0) > 0.0]
            self._rewatch(slot)
        return len(orders)

    def _rewatch(self, slot: int) -> None:
        bids, asks = self.watched[slot]
        bids.clear()
        asks.clear()
        for order in self.listening[slot]:
            (bids if order.side > 0 else asks).add(order.price)

    def print_at(self, orders: list[Order], price: float, qty: float) -> list[tuple[Order, float]]:
        """A print of `qty` at exactly `price`: each order's queue ahead shrinks by `qty`;
        returns (order, qty that reached it) in priority order for the orders at `price`."""
        ahead = self.ahead
        reached = []
        for order in orders:
            if order.price != price:
                continue
            queued = ahead.get(order, UNKNOWN)
            if queued == UNKNOWN:
                continue
            if qty > queued:
                ahead[order] = 0.0
                reached.append((order, qty - queued))
            else:
                ahead[order] = queued - qty
        return reached

    def cleared(self, orders: list[Order], price: float, side: int) -> None:
        """A print through `price`: the levels it went through have no queue left."""
        ahead = self.ahead
        for order in orders:
            if price < order.price if side > 0 else price > order.price:
                ahead[order] = 0.0

    def forget(self, order: Order) -> None:
        """The order left the book: it no longer listens (nor watches its level)."""
        self.ahead.pop(order, None)
        orders = self.listening[order.slot]
        if order in orders:
            orders.remove(order)
            self._rewatch(order.slot)
