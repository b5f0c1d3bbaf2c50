"""Ranking sweep points: 1 is best, ties keep grid order, an undefined metric ranks last;
sharpe is mean / std of PnL and undefined when the PnL did not vary."""

from __future__ import annotations

import math

from orderloom.runtime.replications import StrategySummary
from orderloom.runtime.sweeps import metric_value, rank


def test_rank_highest_and_lowest_first() -> None:
    values = [1.5, math.nan, 3.0, -2.0, 3.0]
    assert rank(values, "highest") == [3, 5, 1, 4, 2]
    assert rank(values, "lowest") == [2, 5, 3, 1, 4]


def test_metric_values() -> None:
    s = StrategySummary("mm", 4, 10.0, 4.0, 0.5, 2.0, 30.0)
    assert metric_value(s, "sharpe") == 2.5
    assert (metric_value(s, "pnl_mean"), metric_value(s, "pnl_std")) == (10.0, 4.0)
    assert (metric_value(s, "position_std"), metric_value(s, "fills_mean")) == (2.0, 30.0)
    flat = StrategySummary("mm", 4, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert math.isnan(metric_value(flat, "sharpe"))
