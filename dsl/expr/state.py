"""MarketState: the mutable per-strategy-instance values expressions read on each tick.

The engine writes market values (lists indexed by instrument slot, nan until seen), positions
and pnl; indicators write their outputs into `ind`. Plain lists and __slots__ keep reads a
single index on the hot path, and the object pickles for bytewax snapshots.
"""

from __future__ import annotations

NAN = float("nan")


class MarketState:
    __slots__ = (
        "_pnl",
        "ask",
        "ask_qty",
        "bid",
        "bid_qty",
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

    @property
    def pnl(self) -> float:
        return self._pnl

    @pnl.setter
    def pnl(self, value: float) -> None:
        # Tracking the peak on every write keeps drawdown exact without an extra engine duty.
        self._pnl = value
        if value > self.peak_pnl:
            self.peak_pnl = value
