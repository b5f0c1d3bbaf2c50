"""Router `cheapest_fees`: the whole order to the lowest taker fee that shows liquidity."""

from __future__ import annotations

from collections.abc import Sequence

from orderloom.dsl.kinds.router_cheapest_fees import CheapestFeesParams
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.routing.legs import Allocation, Leg, Levels, average_price, shown_lots


class CheapestFeesRouter:
    def __init__(self, params: CheapestFeesParams, legs: Sequence[Leg]) -> None:
        self.params = params
        self.legs = tuple(legs)

    def allocate(
        self, side: int, lots: int, limit: float | None, books: Sequence[Levels], spec: LotSpec
    ) -> list[Allocation]:
        best: tuple[float, float, int] | None = None  # (fee, side-signed touch, leg)
        for k, (leg, levels) in enumerate(zip(self.legs, books, strict=True)):
            if shown_lots(levels, side, limit, spec) <= 0:
                continue
            key = (leg.taker_rate, levels[0][0] * side, k)
            if best is None or key < best:
                best = key
        k = best[2] if best is not None else 0
        return [Allocation(k, lots, average_price(books[k], side, limit, lots, spec))]
