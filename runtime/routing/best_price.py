"""Router `best_price`: take the venues' levels in order of fee-adjusted price, best first."""

from __future__ import annotations

from collections.abc import Sequence

from orderloom.dsl.kinds.router_best_price import BestPriceParams
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.routing.legs import Allocation, Leg, Levels, fee_adjusted, marketable


class BestPriceRouter:
    def __init__(self, params: BestPriceParams, legs: Sequence[Leg]) -> None:
        self.params = params
        self.legs = tuple(legs)

    def allocate(
        self, side: int, lots: int, limit: float | None, books: Sequence[Levels], spec: LotSpec
    ) -> list[Allocation]:
        # (adjusted price, leg order, depth) sorts best first; ties go to the venue listed
        # first, then to the nearer level.
        candidates: list[tuple[float, int, int, float, int]] = []
        for k, (leg, levels) in enumerate(zip(self.legs, books, strict=True)):
            for depth, (price, size) in enumerate(levels):
                if not marketable(side, price, limit):
                    break
                shown = spec.lots_down(size)
                if shown > 0:
                    adjusted = fee_adjusted(side, price, leg.taker_rate)
                    key = adjusted if side > 0 else -adjusted
                    candidates.append((key, k, depth, price, shown))
        candidates.sort()
        taken = [0] * len(self.legs)
        notional = [0.0] * len(self.legs)
        left = lots
        for _, k, _, price, shown in candidates:
            if left <= 0:
                break
            take = min(left, shown)
            taken[k] += take
            notional[k] += take * price
            left -= take
        if left > 0:
            # The books do not show it all: the rest goes to the best fee-adjusted touch (or
            # the first venue when nothing shows), expected at that venue's average so far.
            k = candidates[0][1] if candidates else 0
            if taken[k]:
                notional[k] += left * (notional[k] / taken[k])
            else:
                notional[k] = float("nan")
            taken[k] += left
        return [
            Allocation(k, taken[k], notional[k] / taken[k])
            for k in range(len(self.legs))
            if taken[k] > 0
        ]
