"""Rolling windows over a strategy's own sample stream: mean and standard deviation (for
z-scores) and the OLS slope of y on x, in O(1) amortised per sample.

The window rules are those of the expression indicators (`dsl.expr.indicators`): by count,
the last N samples; by event time, the samples with ts > now − T; ready after N samples, or
once T has passed since the first sample. Sums are kept relative to a shift and rebuilt
exactly (the shift moved to the mean) after as many evictions as the window holds, which
bounds the rounding drift of add/subtract.
"""

from __future__ import annotations

import math
from collections import deque

NAN = math.nan


class _Window:
    __slots__ = ("by_count", "evicted", "first_ns", "last_ns", "samples", "window")

    def __init__(self, window: int, by_count: bool) -> None:
        if window <= 0:
            raise ValueError(f"a window must be longer than 0, got {window}")
        self.window = window  # samples, or ns of event time
        self.by_count = by_count
        self.samples: deque[tuple[float, ...]] = deque()  # (ts_ns, value, ...)
        self.first_ns: int | None = None
        self.last_ns = 0
        self.evicted = 0

    def ready(self) -> bool:
        if self.by_count:
            return len(self.samples) >= self.window
        return self.first_ns is not None and self.last_ns - self.first_ns >= self.window

    def _note(self, ts_ns: int) -> None:
        if self.first_ns is None:
            self.first_ns = ts_ns
        self.last_ns = ts_ns

    def _evict(self, now_ns: int) -> None:
        samples = self.samples
        drop = self._drop
        if self.by_count:
            while len(samples) > self.window:
                drop(samples.popleft())
        else:
            horizon = now_ns - self.window
            while samples and samples[0][0] <= horizon:
                drop(samples.popleft())
        if self.evicted > len(samples) + 16:
            self.evicted = 0
            self._rebuild()

    def _drop(self, sample: tuple[float, ...]) -> None:
        raise NotImplementedError

    def _rebuild(self) -> None:
        raise NotImplementedError


class RollingMoments(_Window):
    """Mean and population variance (ddof 0) of the values in the window."""

    __slots__ = ("_shift", "_sum", "_sum_sq")

    def __init__(self, window: int, by_count: bool) -> None:
        super().__init__(window, by_count)
        self._shift = 0.0
        self._sum = 0.0  # of value − shift
        self._sum_sq = 0.0

    def push(self, ts_ns: int, value: float) -> None:
        samples = self.samples
        if not samples:
            self._shift = value
        self._note(ts_ns)
        samples.append((ts_ns, value))
        d = value - self._shift
        self._sum += d
        self._sum_sq += d * d
        self._evict(ts_ns)

    def mean(self) -> float:
        n = len(self.samples)
        return self._shift + self._sum / n if n else NAN

    def variance(self) -> float:
        n = len(self.samples)
        if not n:
            return NAN
        m = self._sum / n
        return max(self._sum_sq / n - m * m, 0.0)

    def zscore(self, value: float) -> float:
        """(value − mean) / std of the window; 0 when the window does not vary."""
        variance = self.variance()
        return (value - self.mean()) / math.sqrt(variance) if variance > 0 else 0.0

    def _drop(self, sample: tuple[float, ...]) -> None:
        d = sample[1] - self._shift
        self._sum -= d
        self._sum_sq -= d * d
        self.evicted += 1

    def _rebuild(self) -> None:
        values = [s[1] for s in self.samples]
        if not values:
            self._sum = self._sum_sq = 0.0
            return
        shift = math.fsum(values) / len(values)
        self._shift = shift
        self._sum = math.fsum(v - shift for v in values)
        self._sum_sq = math.fsum((v - shift) ** 2 for v in values)


class RollingOls(_Window):
    """Least-squares slope, with intercept, of y on x over the window: cov(x, y) / var(x)."""

    __slots__ = ("_shift_x", "_shift_y", "_sx", "_sxx", "_sxy", "_sy")

    def __init__(self, window: int, by_count: bool) -> None:
        super().__init__(window, by_count)
        self._shift_x = self._shift_y = 0.0
        self._sx = self._sy = self._sxx = self._sxy = 0.0  # of x − shift_x, y − shift_y

    def push(self, ts_ns: int, x: float, y: float) -> None:
        samples = self.samples
        if not samples:
            self._shift_x, self._shift_y = x, y
        self._note(ts_ns)
        samples.append((ts_ns, x, y))
        dx = x - self._shift_x
        dy = y - self._shift_y
        self._sx += dx
        self._sy += dy
        self._sxx += dx * dx
        self._sxy += dx * dy
        self._evict(ts_ns)

    def slope(self) -> float:
        """NaN while x does not vary over the window (the slope is undefined)."""
        n = len(self.samples)
        if n < 2:
            return NAN
        mx, my = self._sx / n, self._sy / n
        var_x = self._sxx / n - mx * mx
        # Below this, var_x is rounding noise (of a constant x), not a variance.
        if not var_x > 1e-12 * (self._sxx / n):
            return NAN
        return (self._sxy / n - mx * my) / var_x

    def _drop(self, sample: tuple[float, ...]) -> None:
        dx = sample[1] - self._shift_x
        dy = sample[2] - self._shift_y
        self._sx -= dx
        self._sy -= dy
        self._sxx -= dx * dx
        self._sxy -= dx * dy
        self.evicted += 1

    def _rebuild(self) -> None:
        samples = self.samples
        if not samples:
            self._sx = self._sy = self._sxx = self._sxy = 0.0
            return
        n = len(samples)
        shift_x = math.fsum(s[1] for s in samples) / n
        shift_y = math.fsum(s[2] for s in samples) / n
        self._shift_x, self._shift_y = shift_x, shift_y
        self._sx = math.fsum(s[1] - shift_x for s in samples)
        self._sy = math.fsum(s[2] - shift_y for s in samples)
        self._sxx = math.fsum((s[1] - shift_x) ** 2 for s in samples)
        self._sxy = math.fsum((s[1] - shift_x) * (s[2] - shift_y) for s in samples)
