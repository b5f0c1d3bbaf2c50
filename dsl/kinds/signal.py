"""Strategy kind `signal`: hold the target position an expression gives, trading the
difference with market orders."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.plan import Expr


@dataclass(frozen=True)
class SignalParams:
    instrument: str
    target: Expr  # quantity-typed
    min_trade_qty: float = 0.0  # 0: the instrument's lot size
