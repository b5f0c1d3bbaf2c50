"""Execution reports: how a venue binding tells the engine what happened to an order.

The simulated venue calls these in event time inside the engine step; a live gateway's
reports arrive as an input and are applied through the same interface.
"""

from __future__ import annotations

from typing import Literal, Protocol

from orderloom.runtime.engine.oms import Order

Liquidity = Literal["maker", "taker"]


class ExecutionReports(Protocol):
    def on_accepted(self, order: Order, ts_ns: int) -> None: ...

    def on_fill(
        self, order: Order, ts_ns: int, lots: int, price: float, fee: float, liquidity: Liquidity
    ) -> None: ...

    def on_cancelled(self, order: Order, ts_ns: int, reason: str) -> None: ...

    def on_rejected(self, order: Order, ts_ns: int, reason: str) -> None:
        """The venue refused a new order (min notional, post-only): new -> rejected."""
        ...
