"""The strategies' rolling windows against numpy on the same windows: OLS slope against
np.polyfit, mean/std against np.mean/np.std, by count and by event time, over runs long
enough for many exact rebuilds of the incremental sums."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orderloom.runtime.strategies.rolling import RollingMoments, RollingOls

SECOND = 1_000_000_000


def stream(n: int, seed: int):
    """Irregular event times (some equal), a trending x and y = 1.7·x + noise, at price
    levels where naive sums of squares would lose digits."""
    rng = np.random.default_rng(seed)
    ts = 1_700_000_000 * SECOND + np.cumsum(rng.choice([0, 1, 250, 900], size=n) * 1_000_000)
    x = 42_000 + np.cumsum(rng.normal(0, 5, size=n))
    y = 1.7 * x + rng.normal(0, 3, size=n)
    return ts.tolist(), x.tolist(), y.tolist()


def window_start(ts: list[int], i: int, window: int, by_count: bool) -> int:
    if by_count:
        return max(0, i - window + 1)
    lo = i
    while lo > 0 and ts[lo - 1] > ts[i] - window:
        lo -= 1
    return lo


@pytest.mark.parametrize(("window", "by_count"), [(50, True), (20 * SECOND, False)])
def test_ols_slope_and_moments_match_numpy(window: int, by_count: bool):
    ts, x, y = stream(6000, seed=3)
    ols, moments = RollingOls(window, by_count), RollingMoments(window, by_count)
    checked = 0
    for i in range(len(ts)):
        ols.push(ts[i], x[i], y[i])
        moments.push(ts[i], y[i])
        lo = window_start(ts, i, window, by_count)
        assert len(ols.samples) == len(moments.samples) == i + 1 - lo
        ready = (i + 1 >= window) if by_count else (ts[i] - ts[0] >= window)
        assert ols.ready() is ready and moments.ready() is ready
        if i % 7 or i - lo < 2:
            continue
        xs, ys = np.array(x[lo : i + 1]), np.array(y[lo : i + 1])
        assert ols.slope() == pytest.approx(np.polyfit(xs, ys, 1)[0], rel=1e-8)
        assert moments.mean() == pytest.approx(ys.mean(), rel=1e-12)
        assert moments.variance() == pytest.approx(ys.var(), rel=1e-7)
        z = (y[i] - ys.mean()) / ys.std()
        assert moments.zscore(y[i]) == pytest.approx(z, rel=1e-7, abs=1e-9)
        checked += 1
    assert checked > 500


def test_constant_x_has_no_slope_and_constant_values_have_zero_z():
    ols, moments = RollingOls(5, True), RollingMoments(5, True)
    for k in range(20):
        ols.push(k, 101.3, 7.0 + k)
        moments.push(k, 101.3)
    assert math.isnan(ols.slope())
    assert moments.variance() == 0 and moments.zscore(101.3) == 0.0
    ols.push(20, 101.4, 30.0)  # x moves again: the slope is back
    assert ols.slope() == pytest.approx(
        np.polyfit([101.3] * 4 + [101.4], [23.0, 24.0, 25.0, 26.0, 30.0], 1)[0]
    )


def test_time_window_drops_samples_at_exactly_the_horizon():
    """By time the window holds (now − T, now]: a sample T old is out."""
    moments = RollingMoments(10, False)
    moments.push(0, 1.0)
    moments.push(5, 2.0)
    moments.push(10, 4.0)
    assert [s[1] for s in moments.samples] == [2.0, 4.0] and moments.mean() == 3.0
    assert moments.ready()  # 10 ns have passed since the first sample
