"""The `bar_*` indicators: the engine-side twin of the dataflow's bars (runtime/bars/), built
per trade with the same epoch-aligned windows [k*T, (k+1)*T), so that at any tick they show
the last completed bar the `bars` table holds for that instrument and interval."""

from __future__ import annotations

from orderloom.dsl.expr.indicators import Indicator, Input
from orderloom.dsl.expr.state import NAN, MarketState

_FIELDS = ("bar_open", "bar_high", "bar_low", "bar_close", "bar_volume", "bar_vwap", "bar_trades")


class Bar(Indicator):
    """One field of the instrument's time bars of `window` ns. A bar closes (its field is
    published to `state.ind`) at the first tick of the instrument — trade or quote — at or
    after the bar's end; empty windows publish nothing, so the value stays that of the last
    bar that had trades, as in the `bars` table."""

    __slots__ = (
        "_close",
        "_count",
        "_end_ns",
        "_field",
        "_high",
        "_low",
        "_notional",
        "_open",
        "_published",
        "_seen",
        "_volume",
    )
    STATE: tuple[str, ...] = (
        "_close",
        "_count",
        "_end_ns",
        "_high",
        "_low",
        "_notional",
        "_open",
        "_published",
        "_seen",
        "_volume",
    )

    def __init__(
        self, slot: int, instruments: tuple[int, ...], source: Input, window: int, field: str
    ) -> None:
        super().__init__(slot, instruments, source, window)
        if field not in _FIELDS:
            raise ValueError(f"unknown bar field {field!r}")
        self._field = field
        self._seen = 0  # state.trades of the instrument when last looked at
        self._end_ns = 0  # end of the open bar's window (exclusive)
        self._count = 0  # trades in the open bar; 0: no bar open
        self._open = self._high = self._low = self._close = NAN
        self._volume = self._notional = 0.0
        self._published = 0

    def sample_on_trades(self, plain_last: bool = False) -> None:
        pass  # it reads trades itself through state.trades

    def update(self, state: MarketState) -> None:
        now = state.ts_ns
        if self._count and now >= self._end_ns:
            state.ind[self.slot] = self._value()
            self._published += 1
            self._count = 0
        i = self.instrument
        trades = state.trades[i]
        if trades == self._seen:
            return
        self._seen = trades
        price = state.last[i]
        qty = state.last_qty[i]
        if self._count:
            if price > self._high:
                self._high = price
            elif price < self._low:
                self._low = price
            self._volume += qty
            self._notional += price * qty
            self._count += 1
        else:
            window = self.window
            self._end_ns = (now // window + 1) * window
            self._open = self._high = self._low = price
            self._volume = qty
            self._notional = price * qty
            self._count = 1
        self._close = price

    def _value(self) -> float:
        field = self._field
        if field == "bar_close":
            return self._close
        if field == "bar_high":
            return self._high
        if field == "bar_low":
            return self._low
        if field == "bar_open":
            return self._open
        if field == "bar_volume":
            return self._volume
        if field == "bar_trades":
            return float(self._count)
        return self._notional / self._volume if self._volume > 0 else NAN

    def ready(self) -> bool:
        return self._published > 0


def make_bar_indicator(
    function: str, slot: int, instruments: tuple[int, ...], source: Input, window: int
) -> Bar:
    return Bar(slot, instruments, source, window, function)
