"""Top of book per instrument slot, read from the expression MarketState the engine writes.

The engine stores last trade price/size, bid/ask and their sizes in the shared MarketState
(so expressions see them without copies). This module answers the
questions risk, the venue and PnL ask of that state: the reference price of a market order,
the touch it would take, and the mark price. NaN means "not seen yet". Instruments with an L2
book feed also have their full book in `state.books[slot]` (runtime/books/l2.py); `levels`
and `displayed_qty` answer from it, and from the top of book otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Book:
    """Read side of the market state, aware of which instruments have a quotes feed."""

    __slots__ = ("has_quotes", "state")

    def __init__(self, state: Any, has_quotes: Sequence[bool]) -> None:
        self.state = state  # orderloom.dsl.expr MarketState
        self.has_quotes = list(has_quotes)

    def touch(self, slot: int, side: int) -> float:
        """The price an aggressive order of `side` would take: the ask for a buy, the bid
        for a sell (NaN before the first quote)."""
        state = self.state
        return float(state.ask[slot] if side > 0 else state.bid[slot])

    def reference_price(self, slot: int, side: int) -> float:
        """What a market order is expected to pay: the opposite touch when the instrument
        is quoted and a quote has been seen, otherwise the last trade."""
        if self.has_quotes[slot]:
            touch = self.touch(slot, side)
            if touch == touch:  # not NaN
                return touch
        return float(self.state.last[slot])

    def displayed_qty(self, slot: int, side: int, price: float) -> float:
        """Displayed size resting on `side` (+1 bids, -1 asks) at exactly `price`: what a
        new order at that price queues behind: from the L2 book when the instrument has
        one, else the top of book (0 away from the touch)."""
        state = self.state
        l2 = state.books[slot]
        if l2 is not None:
            return float(l2.size_at(side, price))
        if side > 0:
            return float(state.bid_qty[slot]) if state.bid[slot] == price else 0.0
        return float(state.ask_qty[slot]) if state.ask[slot] == price else 0.0

    def levels(self, slot: int, side: int) -> list[tuple[float, float]]:
        """(price, size) levels of `side` (+1 bids, -1 asks), best first: every level of
        the L2 book when the instrument has one, else the top of book; empty before the
        first quote."""
        state = self.state
        l2 = state.books[slot]
        if l2 is not None:
            return l2.levels(side)  # type: ignore[no-any-return]
        if side > 0:
            price, qty = state.bid[slot], state.bid_qty[slot]
        else:
            price, qty = state.ask[slot], state.ask_qty[slot]
        return [(float(price), float(qty))] if price == price else []

    def depth_range(self, slot: int, side: int) -> tuple[float, float] | None:
        """(best, worst) price shown on `side`, None when the side is empty: what `levels`
        gives as its first and last price, without building the list (cheap per event)."""
        state = self.state
        l2 = state.books[slot]
        if l2 is not None:
            prices = l2.bid_prices if side > 0 else l2.ask_prices
            if not prices:
                return None
            return (prices[-1], prices[0]) if side > 0 else (prices[0], prices[-1])
        price = state.bid[slot] if side > 0 else state.ask[slot]
        return (float(price), float(price)) if price == price else None

    def mark_price(self, slot: int) -> float:
        """Mid when both sides are known, else the last trade."""
        state = self.state
        bid, ask = state.bid[slot], state.ask[slot]
        if bid == bid and ask == ask:
            return float((bid + ask) / 2.0)
        return float(state.last[slot])
