"""MarketState: the mutable per-strategy-instance values expressions read on each tick.

The engine writes market values (lists indexed by instrument slot, nan until seen), positions
and pnl; indicators write their outputs into `ind`. Plain lists and __slots__ keep reads a
single index on the hot path, and the object pickles for bytewax snapshots.

`books[slot]` is the instrument's L2 book when it has a book feed (else None), filled by the
runtime; expressions use it through the duck-typed BookView interface below, so this package
never imports the runtime.
"""

from __future__ import annotations

from typing import Any, Protocol

NAN = float("nan")


class BookView(Protocol):
    """What book functions read (runtime/books/l2.py L2Book). Sides +1 bids, -1 asks;
    levels from 0 (the touch); NaN where there is no such level."""

    def price(self, side: int, i: int) -> float: ...
    def qty(self, side: int, i: int) -> float: ...
    def depth(self, side: int, ratio: float) -> float: ...
    def imbalance(self, n: int) -> float: ...
    def microprice(self) -> float: ...


class MarketState:
    __slots__ = (
        "_pnl",
        "ask",
        "ask_qty",
        "bid",
        "bid_qty",
        "books",
        "ind",
        "last",
        "last_qty",
        "peak_pnl",
        "position",
        "trades",
        "ts_ns",
    )

    def __init__(self, instruments: int, indicators: int = 0) -> None:
        self.ts_ns = 0
        self.last = [NAN] * instruments  # price of the last trade
        self.last_qty = [NAN] * instruments  # quantity of the last trade (vwap weights)
        self.trades = [0] * instruments  # trades seen; the engine adds 1 per trade (vwap)
        self.bid = [NAN] * instruments
        self.ask = [NAN] * instruments
        self.bid_qty = [NAN] * instruments
        self.ask_qty = [NAN] * instruments
        self.position = [0.0] * instruments  # engine-maintained, signed
        self._pnl = 0.0
        self.peak_pnl = 0.0  # highest pnl written so far: drawdown = peak_pnl - pnl
        self.ind = [NAN] * indicators  # indicator outputs by slot
        self.books: list[Any] = [None] * instruments  # BookView per slot with an L2 feed

    @property
    def pnl(self) -> float:
        return self._pnl

    @pnl.setter
    def pnl(self, value: float) -> None:
        # Tracking the peak on every write keeps drawdown exact without an extra engine duty.
        self._pnl = value
        if value > self.peak_pnl:
            self.peak_pnl = value
