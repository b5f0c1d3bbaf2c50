"""TWAP: work a parent quantity in child orders of equal weight on a fixed event-time schedule.

Slice i (i = 0..slices-1) fires at start + i*duration/slices (integer ns), cancels what the
previous child left and sends (remaining parent − open child quantity) / remaining slices,
rounded down to whole lots (the last slice sends all of it), as a limit at `limit_price`
evaluated at slice time, or as a market order without one. The schedule mechanics, shared
with `vwap` and `implementation_shortfall`, are in schedule.py: TWAP is the equal-weight case.
"""

from __future__ import annotations

from orderloom.runtime.strategies.schedule import ScheduledExecution


class TwapStrategy(ScheduledExecution):
    kind = "twap"  # equal weights, the ScheduledExecution default
