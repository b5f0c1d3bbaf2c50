"""Instrument precision: quantities as integer lots and prices as integer ticks.

Orders, positions and risk limits are kept in whole lots/ticks so that rounding, fills and
limit comparisons are exact; floats appear only at the edges (strategy input, analytics rows),
always the double nearest the decimal value, so equal prices compare equal.
"""

from __future__ import annotations

import math
from decimal import Decimal

_REL_EPS = 1e-9  # float quotients within this (relative) of an integer are that integer


def decimals(step: float) -> int:
    """Number of decimal places of a lot or tick size (0.001 -> 3, 5 -> 0)."""
    exponent = Decimal(repr(step)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _near_int(x: float) -> int | None:
    n = round(x)
    return int(n) if abs(x - n) <= _REL_EPS * max(1.0, abs(x)) else None


def _as_fraction(step: float) -> tuple[int, int]:
    """step = units / scale exactly in decimal (0.005 -> (5, 1000))."""
    scale = 10 ** decimals(step)
    return int(Decimal(repr(step)) * scale), scale


class LotSpec:
    """Lot and tick arithmetic for one instrument.

    Converting back to floats divides two exact integers (lots × lot units / 10^decimals),
    which IEEE rounds correctly: the result is the double nearest the decimal quantity, the
    same value a venue's "0.3" parses to, at the cost of one division."""

    __slots__ = (
        "lot",
        "lot_decimals",
        "lot_scale",
        "lot_units",
        "tick",
        "tick_decimals",
        "tick_scale",
        "tick_units",
    )

    def __init__(self, lot_size: float, tick_size: float) -> None:
        if not (lot_size > 0 and tick_size > 0):
            raise ValueError(
                f"lot_size and tick_size must be positive, got {lot_size}, {tick_size}"
            )
        self.lot = lot_size
        self.tick = tick_size
        self.lot_decimals = decimals(lot_size)
        self.tick_decimals = decimals(tick_size)
        self.lot_units, self.lot_scale = _as_fraction(lot_size)
        self.tick_units, self.tick_scale = _as_fraction(tick_size)

    def lots_down(self, qty: float) -> int:
        """Whole lots in `qty` (>= 0), rounded down; float noise just under a lot counts."""
        x = qty / self.lot
        n = _near_int(x)
        return n if n is not None else math.floor(x)

    def lots_toward_zero(self, qty: float) -> int:
        """Signed whole lots, truncated toward zero."""
        return self.lots_down(qty) if qty >= 0 else -self.lots_down(-qty)

    def lots_up(self, qty: float) -> int:
        x = qty / self.lot
        n = _near_int(x)
        return n if n is not None else math.ceil(x)

    def qty(self, lots: int) -> float:
        return lots * self.lot_units / self.lot_scale

    def ticks(self, price: float, side: int) -> int:
        """Price in ticks, rounded toward the passive side: buys down, sells up."""
        x = price / self.tick
        n = _near_int(x)
        if n is not None:
            return n
        return math.floor(x) if side > 0 else math.ceil(x)

    def price(self, ticks: int) -> float:
        return ticks * self.tick_units / self.tick_scale
