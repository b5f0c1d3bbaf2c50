"""Strategy kind `twap`: work a parent quantity in equal child orders on a fixed schedule."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.plan import Expr


@dataclass(frozen=True)
class TwapParams:
    instrument: str
    side: str  # "buy" | "sell"
    quantity: float
    start_ns: int
    duration_ns: int
    slices: int
    limit_price: Expr | None = None  # price-typed; None: market orders
