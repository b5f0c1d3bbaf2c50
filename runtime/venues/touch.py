"""The `touch` fill model's arithmetic: how many lots the displayed book offers an order.

Displayed sizes come from Book.levels (top of book, or full depth when the instrument has an
L2 book feed). Our fills do not change the market data, so what our orders took from a level
is remembered with the size the level showed then, and subtracted while the level still shows
that size: two orders never take the same displayed size twice, and a level counts as
refreshed once the data shows it with another size (or it leaves the book).
"""

from __future__ import annotations

from orderloom.runtime.engine.book import Book
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Order

# price -> (lots our orders took there, the size the level showed, its side)
Taken = dict[float, tuple[int, float, int]]


def _used(taken: Taken, price: float, size: float) -> int:
    entry = taken.get(price)
    return entry[0] if entry is not None and entry[1] == size else 0


def take(taken: Taken, price: float, size: float, side: int, lots: int) -> None:
    """Remember that `lots` were taken from the level `price` showing `size` on `side`."""
    taken[price] = (_used(taken, price, size) + lots, size, side)


def forget_refreshed(taken: Taken, book: Book, slot: int) -> None:
    """After a book update: drop what was taken from levels that now show another size."""
    stale = [p for p, (_, size, side) in taken.items() if book.displayed_qty(slot, side, p) != size]
    for price in stale:
        del taken[price]


def takeable(
    book: Book, spec: LotSpec, taken: Taken, order: Order, lots: int
) -> list[tuple[float, int, float]]:
    """(price, lots, level size) an aggressive order could take now, walking the opposite
    side's levels best first up to its limit (any price for a market order), at most `lots`
    in all."""
    side = order.side
    limit = None if order.price_ticks is None else order.price
    plan = []
    for price, size in book.levels(order.slot, -side):
        if limit is not None and (price > limit if side > 0 else price < limit):
            break
        if not size > 0:  # an empty level, or a size the feed did not give (NaN)
            continue
        available = spec.lots_down(size) - _used(taken, price, size)
        if available <= 0:
            continue
        lots_here = available if available < lots else lots
        plan.append((price, lots_here, size))
        lots -= lots_here
        if lots == 0:
            break
    return plan


def crossing_lots(
    book: Book, spec: LotSpec, taken: Taken, slot: int, side: int, price: float
) -> list[tuple[float, int, float]]:
    """(price, lots, level size) displayed on the opposite side at or through a resting
    order's `price` (for a buy: asks priced <= price): what trades with it when the touch
    crosses."""
    out = []
    for level, size in book.levels(slot, -side):
        if level > price if side > 0 else level < price:
            break
        if not size > 0:
            continue
        available = spec.lots_down(size) - _used(taken, level, size)
        if available > 0:
            out.append((level, available, size))
    return out
