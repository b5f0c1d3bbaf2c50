"""VWAP: the schedule of `schedule.py` with each bucket weighted by a volume profile.

The profile is the given weights, uniform, or learned: bucket i is weighted by the volume the
instrument printed in the same bucket `profile_lag` earlier, [t_i − lag, t_(i+1) − lag),
counted from the feed before `start` (lag >= duration, so it is complete by the first slice).
A learned profile falls back to uniform when the data begins after that window opened (the
volume seen would be partial) or the window printed nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from orderloom.dsl.kinds.vwap import VwapParams
from orderloom.runtime.strategies.base import StrategyContext, StrategySetup
from orderloom.runtime.strategies.schedule import ScheduledExecution


class VwapStrategy(ScheduledExecution):
    kind = "vwap"

    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: VwapParams = setup.node.params
        if params.profile == "weights":
            if len(params.weights) != params.slices or not sum(params.weights) > 0:
                raise ValueError(f"vwap '{setup.node.name}': needs one weight per slice, not all 0")
            self.weights = list(params.weights)
        self.learning = params.profile == "learned"
        lag = params.profile_lag_ns
        # Bucket edges of the learning window: the slice times and the end, one lag earlier.
        self.learn_edges = [t - lag for t in self.slice_times] + [self.end_ns - lag]
        self.learned = [0.0] * params.slices
        self._trades_seen = 0

    def on_start(self, ctx: StrategyContext) -> None:
        super().on_start(ctx)
        self._state = ctx.state
        if self.learning and ctx.now_ns > self.learn_edges[0]:
            self.learning = False  # the feed starts inside the window: keep uniform

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if not self.learning or slot != self.slot:
            return
        state = self._state
        trades = state.trades[slot]
        if trades == self._trades_seen:  # a quote, not a print
            return
        self._trades_seen = trades
        ts = state.ts_ns
        edges = self.learn_edges
        if edges[0] <= ts < edges[-1]:
            self.learned[bisect_right(edges, ts) - 1] += state.last_qty[slot]

    def on_timer(self, ctx: StrategyContext, tag: Any) -> None:
        if self.learning:
            # The first slice: the window closed at or before it, so the profile is final.
            self.learning = False
            if sum(self.learned) > 0:
                self.weights = self.learned
        super().on_timer(ctx, tag)
