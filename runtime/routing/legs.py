"""What a smart order router allocates over: its venues for the strategy's symbol (legs), the
book levels it saw on each, and the child allocations it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from orderloom.runtime.engine.lots import LotSpec

Levels = list[tuple[float, float]]  # (price, size) best first


@dataclass(frozen=True)
class Leg:
    """One venue a router may use: its engine slot for the symbol and its taker fee rate."""

    venue: str
    slot: int
    taker_rate: float  # fee as a fraction of notional


@dataclass(frozen=True)
class Allocation:
    """A child order to be: `lots` on legs[leg], expected to fill at `price` on average
    (NaN when the book showed nothing for it)."""

    leg: int
    lots: int
    price: float


class SmartRouter(Protocol):
    def allocate(
        self, side: int, lots: int, limit: float | None, books: Sequence[Levels], spec: LotSpec
    ) -> list[Allocation]:
        """Split `lots` of an order of `side` (+1 buy) with an optional limit price over the
        legs, given each leg's levels on the side the order takes."""
        ...


def marketable(side: int, price: float, limit: float | None) -> bool:
    return limit is None or (price <= limit if side > 0 else price >= limit)


def fee_adjusted(side: int, price: float, taker_rate: float) -> float:
    """A buy costs price·(1+fee); a sell yields price·(1−fee)."""
    return price * (1.0 + taker_rate) if side > 0 else price * (1.0 - taker_rate)


def shown_lots(levels: Levels, side: int, limit: float | None, spec: LotSpec) -> int:
    """Whole lots the levels show within the limit."""
    total = 0
    for price, size in levels:
        if not marketable(side, price, limit):
            break
        total += spec.lots_down(size)
    return total


def average_price(
    levels: Levels, side: int, limit: float | None, lots: int, spec: LotSpec
) -> float:
    """The average price of taking `lots` down the levels (the last level's price for any
    quantity beyond what they show; NaN when they show nothing)."""
    left = lots
    notional = 0.0
    last = float("nan")
    for price, size in levels:
        if left <= 0 or not marketable(side, price, limit):
            break
        take = min(left, spec.lots_down(size))
        notional += take * price
        left -= take
        last = price
    if last != last:
        return last
    notional += left * last
    return notional / lots if lots else float("nan")
