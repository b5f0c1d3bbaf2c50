"""Router `split`: shares of the order per venue, by displayed liquidity or fixed weights."""

from __future__ import annotations

from collections.abc import Sequence

from orderloom.dsl.kinds.router_split import SplitParams
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.routing.legs import Allocation, Leg, Levels, average_price, shown_lots


class SplitRouter:
    def __init__(self, params: SplitParams, legs: Sequence[Leg]) -> None:
        self.params = params
        self.legs = tuple(legs)
        self.by_weights = params.by == "weights"

    def allocate(
        self, side: int, lots: int, limit: float | None, books: Sequence[Levels], spec: LotSpec
    ) -> list[Allocation]:
        if self.by_weights:
            weights = list(self.params.weights)
        else:
            weights = [float(shown_lots(levels, side, limit, spec)) for levels in books]
        shares = whole_shares(lots, weights)
        return [
            Allocation(k, n, average_price(books[k], side, limit, n, spec))
            for k, n in enumerate(shares)
            if n > 0
        ]


def whole_shares(lots: int, weights: Sequence[float]) -> list[int]:
    """`lots` split in proportion to `weights` in whole lots, the odd lots to the largest
    remainders (ties to the first); all to the first when no weight is positive."""
    total = sum(w for w in weights if w > 0)
    if total <= 0:
        return [lots] + [0] * (len(weights) - 1)
    exact = [lots * max(w, 0.0) / total for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda k: (-(exact[k] - shares[k]), k))
    for k in order[: lots - sum(shares)]:
        shares[k] += 1
    return shares
