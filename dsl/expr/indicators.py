"""Stateful functions of event time: ema (count or time), sma, vwap, zscore, returns and
volatility. The engine calls `update(state)` after writing an instrument's new market values
at `state.ts_ns`; each indicator reads its input, updates its window and writes its output to
`state.ind[slot]`. NaN inputs (a value not seen yet) are skipped.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any

from orderloom.dsl.expr.state import NAN, MarketState

Input = Callable[[MarketState], float]


class Indicator:
    """Base: where it writes (`slot`), which instruments' ticks drive it, and its input."""

    __slots__ = ("_input", "inputs", "instrument", "instruments", "slot", "trades_seen", "window")

    # names of the slots that hold warm-up state, for snapshot()/restore()
    STATE: tuple[str, ...] = ()

    def __init__(self, slot: int, instruments: tuple[int, ...], source: Input, window: int) -> None:
        self.slot = slot
        self.instruments = instruments  # every instrument slot whose ticks update it
        self.instrument = instruments[0]
        self._input = source
        self.window = window  # ticks, or nanoseconds of event time
        self.inputs: tuple[Indicator, ...] = ()  # indicators its input reads (set by compiler)
        self.trades_seen: list[int] = []  # per instrument, when sampling on trades only

    def sample_on_trades(self, plain_last: bool = False) -> None:
        """Sample only when one of its instruments printed a new trade (state.trades moved).
        For inputs that read trade prices alone, so that a quote tick does not repeat the
        last print: `ema(last, 10)` is then over the last 10 trades, quotes or not.
        `plain_last`: the input is just `last` of its one instrument, read here directly."""
        source, slots = self._input, self.instruments
        seen = self.trades_seen
        seen[:] = [0] * len(slots)
        if len(slots) == 1 and plain_last:
            (i,) = slots

            def last_trade(state: MarketState) -> float:
                count = state.trades[i]
                if count == seen[0]:
                    return NAN
                seen[0] = count
                return state.last[i]

            self._input = last_trade
            return
        if len(slots) == 1:
            (i,) = slots

            def one(state: MarketState) -> float:
                count = state.trades[i]
                if count == seen[0]:
                    return NAN
                seen[0] = count
                return source(state)

            self._input = one
            return

        def any_of(state: MarketState) -> float:
            trades, fresh = state.trades, False
            for k, i in enumerate(slots):
                if trades[i] != seen[k]:
                    seen[k] = trades[i]
                    fresh = True
            return source(state) if fresh else NAN

        self._input = any_of

    def update(self, state: MarketState) -> None:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """Plain data (lists, numbers) that restore() accepts: for engine checkpoints."""
        data = {
            name: list(value) if isinstance(value, deque) else value
            for name in self.STATE
            for value in (getattr(self, name),)
        }
        data["trades_seen"] = list(self.trades_seen)
        return data

    def restore(self, data: dict[str, Any]) -> None:
        self.trades_seen[:] = data["trades_seen"]  # in place: the gate's closure holds it
        for name in self.STATE:
            current = getattr(self, name)
            value = data[name]
            if isinstance(current, deque):
                value = deque(
                    (tuple(v) if isinstance(v, list) else v for v in value), maxlen=current.maxlen
                )
            setattr(self, name, value)


class EmaCount(Indicator):
    """alpha = 2/(N+1), seeded with the first input, ready after N inputs."""

    __slots__ = ("_alpha", "_seen", "_value")
    STATE: tuple[str, ...] = ("_seen", "_value")

    def __init__(self, slot: int, instruments: tuple[int, ...], source: Input, window: int) -> None:
        super().__init__(slot, instruments, source, window)
        self._alpha = 2.0 / (window + 1)
        self._seen = 0
        self._value = NAN

    def update(self, state: MarketState) -> None:
        x = self._input(state)
        if x != x:
            return
        if self._seen:
            value = self._value
            value += self._alpha * (x - value)
        else:
            value = x
        self._value = value
        self._seen += 1
        state.ind[self.slot] = value

    def ready(self) -> bool:
        return self._seen >= self.window


class EmaTime(Indicator):
    """alpha = 1 - exp(-dt/T) for the event-time gap dt; seeded with the first input, ready
    once T has passed since it. Two ticks at one timestamp: the second has dt = 0 and no
    weight, so the average is independent of how a venue splits a print."""

    __slots__ = ("_first_ns", "_last_ns", "_tau", "_value")
    STATE: tuple[str, ...] = ("_first_ns", "_last_ns", "_value")

    def __init__(self, slot: int, instruments: tuple[int, ...], source: Input, window: int) -> None:
        super().__init__(slot, instruments, source, window)
        self._tau = float(window)
        self._first_ns: int | None = None
        self._last_ns = 0
        self._value = NAN

    def update(self, state: MarketState) -> None:
        x = self._input(state)
        if x != x:
            return
        now = state.ts_ns
        if self._first_ns is None:
            self._first_ns = now
            value = x
        else:
            value = self._value
            value -= math.expm1((self._last_ns - now) / self._tau) * (x - value)
        self._last_ns = now
        self._value = value
        state.ind[self.slot] = value

    def ready(self) -> bool:
        return self._first_ns is not None and self._last_ns - self._first_ns >= self.window


class _Rolling(Indicator):
    """A window of (ts, x, weight) samples — the last N, or those in (now - T, now] — with
    weighted sums of x - shift kept incrementally. The sums are rebuilt exactly (and the
    shift moved to the mean) after as many evictions as the window holds, which bounds the
    rounding drift of add/subtract at an amortised O(1)."""

    __slots__ = (
        "_by_count",
        "_evicted",
        "_first_ns",
        "_last_ns",
        "_samples",
        "_shift",
        "_sum_w",
        "_sum_wx",
        "_sum_wxx",
    )
    STATE: tuple[str, ...] = (
        "_evicted",
        "_first_ns",
        "_last_ns",
        "_samples",
        "_shift",
        "_sum_w",
        "_sum_wx",
        "_sum_wxx",
    )

    def __init__(
        self, slot: int, instruments: tuple[int, ...], source: Input, window: int, by_count: bool
    ) -> None:
        super().__init__(slot, instruments, source, window)
        self._by_count = by_count
        self._samples: deque[tuple[int, float, float]] = deque()
        self._first_ns: int | None = None
        self._last_ns = 0
        self._shift = 0.0
        self._sum_w = 0.0
        self._sum_wx = 0.0
        self._sum_wxx = 0.0
        self._evicted = 0

    def _push(self, now: int, x: float, weight: float) -> None:
        samples = self._samples
        if not samples:
            self._shift = x
        samples.append((now, x, weight))
        d = x - self._shift
        self._sum_w += weight
        self._sum_wx += weight * d
        self._sum_wxx += weight * d * d
        self._evict(now)

    def _evict(self, now: int) -> None:
        samples = self._samples
        if self._by_count:
            while len(samples) > self.window:
                self._drop(samples.popleft())
        else:
            horizon = now - self.window
            while samples and samples[0][0] <= horizon:
                self._drop(samples.popleft())
        if self._evicted > len(samples) + 16:
            self._rebuild()

    def _drop(self, sample: tuple[int, float, float]) -> None:
        _, x, weight = sample
        d = x - self._shift
        self._sum_w -= weight
        self._sum_wx -= weight * d
        self._sum_wxx -= weight * d * d
        self._evicted += 1

    def _rebuild(self) -> None:
        samples = self._samples
        self._evicted = 0
        self._sum_w = math.fsum(w for _, _, w in samples)
        if not samples or self._sum_w == 0:
            self._sum_wx = self._sum_wxx = 0.0
            return
        self._shift = math.fsum(w * x for _, x, w in samples) / self._sum_w
        shift = self._shift
        self._sum_wx = math.fsum(w * (x - shift) for _, x, w in samples)
        self._sum_wxx = math.fsum(w * (x - shift) ** 2 for _, x, w in samples)

    def _mean(self) -> float:
        return self._shift + self._sum_wx / self._sum_w if self._sum_w > 0 else NAN

    def _variance(self) -> float:
        """Weighted population variance (ddof 0) of the window."""
        if self._sum_w <= 0:
            return NAN
        m = self._sum_wx / self._sum_w
        return max(self._sum_wxx / self._sum_w - m * m, 0.0)

    def _note_time(self, now: int) -> None:
        if self._first_ns is None:
            self._first_ns = now
        self._last_ns = now

    def ready(self) -> bool:
        if self._by_count:
            return len(self._samples) >= self.window
        return self._first_ns is not None and self._last_ns - self._first_ns >= self.window


class Sma(_Rolling):
    """Mean of the inputs in the window."""

    __slots__ = ()

    def update(self, state: MarketState) -> None:
        x = self._input(state)
        if x != x:
            return
        now = state.ts_ns
        self._note_time(now)
        self._push(now, x, 1.0)
        state.ind[self.slot] = self._mean()


class Zscore(_Rolling):
    """(x - mean) / std over the window including x (population std); 0 when std is 0."""

    __slots__ = ()

    def update(self, state: MarketState) -> None:
        x = self._input(state)
        if x != x:
            return
        now = state.ts_ns
        self._note_time(now)
        self._push(now, x, 1.0)
        variance = self._variance()
        state.ind[self.slot] = (x - self._mean()) / math.sqrt(variance) if variance > 0 else 0.0


class Vwap(_Rolling):
    """Average of the input price weighted by trade quantity (state.last_qty) over the
    trades in the window. A tick that is not a new trade (state.trades unchanged) adds no
    sample but still moves a time window forward."""

    def sample_on_trades(self, plain_last: bool = False) -> None:
        pass  # it always samples on trades only

    __slots__ = ("_trades_seen",)
    STATE = (*_Rolling.STATE, "_trades_seen")

    def __init__(
        self, slot: int, instruments: tuple[int, ...], source: Input, window: int, by_count: bool
    ) -> None:
        super().__init__(slot, instruments, source, window, by_count)
        self._trades_seen = 0

    def update(self, state: MarketState) -> None:
        now = state.ts_ns
        i = self.instrument
        trades = state.trades[i]
        if trades != self._trades_seen:
            self._trades_seen = trades
            x = self._input(state)
            qty = state.last_qty[i]
            if x == x and qty == qty and qty > 0:
                self._note_time(now)
                self._push(now, x, qty)
        elif self._first_ns is not None:
            self._last_ns = now
            self._evict(now)
        state.ind[self.slot] = self._mean()


class Volatility(_Rolling):
    """Population standard deviation of tick-to-tick log returns of the input in the window
    (not annualised). Inputs that are not positive are skipped."""

    __slots__ = ("_previous",)
    STATE = (*_Rolling.STATE, "_previous")

    def __init__(
        self, slot: int, instruments: tuple[int, ...], source: Input, window: int, by_count: bool
    ) -> None:
        super().__init__(slot, instruments, source, window, by_count)
        self._previous = NAN

    def update(self, state: MarketState) -> None:
        x = self._input(state)
        if not x > 0:
            return
        now = state.ts_ns
        self._note_time(now)
        previous = self._previous
        self._previous = x
        if previous == previous:
            self._push(now, math.log(x / previous), 1.0)
        else:
            self._evict(now)
        state.ind[self.slot] = math.sqrt(self._variance()) if self._samples else NAN


class Returns(Indicator):
    """x now / x one window ago - 1: N inputs ago (count), or the last input at or before
    now - T (duration). NaN until such an input exists."""

    __slots__ = ("_by_count", "_samples")
    STATE: tuple[str, ...] = ("_samples",)

    def __init__(
        self, slot: int, instruments: tuple[int, ...], source: Input, window: int, by_count: bool
    ) -> None:
        super().__init__(slot, instruments, source, window)
        self._by_count = by_count
        self._samples: deque[tuple[int, float]] = deque(maxlen=window + 1 if by_count else None)

    def update(self, state: MarketState) -> None:
        x = self._input(state)
        if x != x:
            return
        now = state.ts_ns
        samples = self._samples
        samples.append((now, x))
        if self._by_count:
            reference = samples[0][1] if len(samples) > self.window else NAN
        else:
            horizon = now - self.window
            while len(samples) > 1 and samples[1][0] <= horizon:
                samples.popleft()
            reference = samples[0][1] if samples[0][0] <= horizon else NAN
        state.ind[self.slot] = x / reference - 1.0 if reference else NAN

    def ready(self) -> bool:
        samples = self._samples
        if self._by_count:
            return len(samples) > self.window
        return bool(samples) and samples[0][0] <= samples[-1][0] - self.window


def make_indicator(
    function: str,
    window_kind: str,
    slot: int,
    instruments: tuple[int, ...],
    source: Input,
    window: int,
) -> Indicator:
    by_count = window_kind == "count"
    if function.startswith("bar_"):
        from orderloom.dsl.expr.bar_indicators import make_bar_indicator  # it subclasses these

        return make_bar_indicator(function, slot, instruments, source, window)
    if function == "ema":
        return (EmaCount if by_count else EmaTime)(slot, instruments, source, window)
    rolling: dict[str, type[_Rolling] | type[Returns]] = {
        "sma": Sma,
        "zscore": Zscore,
        "vwap": Vwap,
        "volatility": Volatility,
        "returns": Returns,
    }
    if function not in rolling:
        raise ValueError(f"unknown indicator {function!r}")
    return rolling[function](slot, instruments, source, window, by_count)
