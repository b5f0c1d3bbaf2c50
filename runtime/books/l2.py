"""One instrument's L2 order book: size per price level on each side, kept as a dict
(price → size) plus an ascending price list maintained with bisect, so a delta costs a dict
write and, only when a level appears or disappears, one list insert or delete.

Sequence numbers: a delta whose seq is not the previous seq + 1 marks the book gapped; deltas
are then ignored (counted) until the next snapshot. An update that would cross or lock the
book is dropped (the book keeps its state); a snapshot that is crossed or locked leaves the
book invalid until the next snapshot. Callers report both as dead letters.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

NAN = float("nan")

# Outcome of an update, for the caller's dead-letter reason.
APPLIED = 0
GAP = 1  # this delta's seq is not the previous + 1: the book is now gapped
IGNORED = 2  # the book is gapped (or has had no snapshot yet): delta ignored
CROSSED = 3  # the update would cross or lock the book: dropped / snapshot invalid


class L2Book:
    """Bids and asks of one instrument. Sides are +1 (bids) and -1 (asks); levels are
    numbered from 0 (the touch) internally; expressions number them from 1."""

    __slots__ = (
        "ask_prices",
        "asks",
        "bid_prices",
        "bids",
        "gaps",
        "ignored",
        "rejected",
        "seq",
        "valid",
    )

    def __init__(self) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.bid_prices: list[float] = []  # ascending: best bid last
        self.ask_prices: list[float] = []  # ascending: best ask first
        self.seq = -1  # seq of the last snapshot or delta applied
        self.valid = False  # a snapshot has been applied and no gap or crossed snapshot since
        self.gaps = 0  # sequence gaps seen
        self.ignored = 0  # deltas ignored while not valid
        self.rejected = 0  # updates dropped / snapshots refused for crossing

    # --- updates -------------------------------------------------------------------------

    def begin_snapshot(self, seq: int) -> None:
        """Clear the book; `set_level` then fills it and `end_snapshot` validates it."""
        # In place: the engine's loop holds these containers across updates.
        self.bids.clear()
        self.asks.clear()
        self.bid_prices.clear()
        self.ask_prices.clear()
        self.seq = seq

    def set_level(self, side: int, price: float, qty: float) -> None:
        """A snapshot level (no crossing check until `end_snapshot`); size 0 is no level."""
        if qty <= 0:
            return
        levels, prices = (self.bids, self.bid_prices) if side > 0 else (self.asks, self.ask_prices)
        if price not in levels:
            insort(prices, price)
        levels[price] = qty

    def end_snapshot(self) -> int:
        """APPLIED, or CROSSED (the book stays invalid until the next snapshot)."""
        if self.bid_prices and self.ask_prices and self.bid_prices[-1] >= self.ask_prices[0]:
            self.valid = False
            self.rejected += 1
            return CROSSED
        self.valid = True
        return APPLIED

    def snapshot(
        self, seq: int, bids: list[tuple[float, float]], asks: list[tuple[float, float]]
    ) -> int:
        """Replace the book with these (price, size) levels; APPLIED or CROSSED."""
        self.begin_snapshot(seq)
        for price, qty in bids:
            self.set_level(1, price, qty)
        for price, qty in asks:
            self.set_level(-1, price, qty)
        return self.end_snapshot()

    def delta(self, seq: int, side: int, price: float, qty: float) -> int:
        """Set the size at `price` (0 removes the level), checking the sequence."""
        if not self.valid:
            self.ignored += 1
            return IGNORED
        if seq != self.seq + 1:
            self.valid = False
            self.gaps += 1
            self.ignored += 1
            return GAP
        self.seq = seq
        return self.update(side, price, qty)

    def update(self, side: int, price: float, qty: float) -> int:
        """Set the size at `price` without a sequence check; an update that would cross or
        lock the book is dropped (CROSSED) and the book is unchanged."""
        if side > 0:
            levels, prices = self.bids, self.bid_prices
            if qty > 0 and self.ask_prices and price >= self.ask_prices[0]:
                self.rejected += 1
                return CROSSED
        else:
            levels, prices = self.asks, self.ask_prices
            if qty > 0 and self.bid_prices and price <= self.bid_prices[-1]:
                self.rejected += 1
                return CROSSED
        if qty > 0:
            if price not in levels:
                insort(prices, price)
            levels[price] = qty
        elif price in levels:
            del levels[price]
            del prices[bisect_left(prices, price)]
        return APPLIED

    # --- reads ---------------------------------------------------------------------------

    def best(self, side: int) -> tuple[float, float]:
        """(price, size) at the touch of `side`; (nan, nan) when the side is empty."""
        return self.level(side, 0)

    def level(self, side: int, i: int) -> tuple[float, float]:
        """(price, size) of level `i` (0: the touch) of `side`; (nan, nan) past the last."""
        if side > 0:
            prices = self.bid_prices
            if i < len(prices):
                price = prices[-1 - i]
                return price, self.bids[price]
        else:
            prices = self.ask_prices
            if i < len(prices):
                price = prices[i]
                return price, self.asks[price]
        return NAN, NAN

    def price(self, side: int, i: int) -> float:
        return self.level(side, i)[0]

    def qty(self, side: int, i: int) -> float:
        return self.level(side, i)[1]

    def size_at(self, side: int, price: float) -> float:
        """Size resting at exactly `price` on `side` (0 when no level there)."""
        return (self.bids if side > 0 else self.asks).get(price, 0.0)

    def levels(self, side: int, n: int | None = None) -> list[tuple[float, float]]:
        """(price, size) levels of `side`, best first (the first `n` when given)."""
        if side > 0:
            bids = self.bids
            chosen = self.bid_prices[::-1] if n is None else self.bid_prices[: -n - 1 : -1]
            return [(p, bids[p]) for p in chosen]
        asks = self.asks
        chosen = self.ask_prices if n is None else self.ask_prices[:n]
        return [(p, asks[p]) for p in chosen]

    def mid(self) -> float:
        if self.bid_prices and self.ask_prices:
            return (self.bid_prices[-1] + self.ask_prices[0]) * 0.5
        return NAN

    def depth(self, side: int, ratio: float) -> float:
        """Total size on `side` priced within `ratio` (10bps = 0.001) of the mid: bids at or
        above mid·(1 − ratio), asks at or below mid·(1 + ratio). NaN without a mid."""
        mid = self.mid()
        if mid != mid:
            return NAN
        if side > 0:
            bids = self.bids
            prices = self.bid_prices
            return float(sum(bids[p] for p in prices[bisect_left(prices, mid * (1 - ratio)) :]))
        asks = self.asks
        prices = self.ask_prices
        return float(sum(asks[p] for p in prices[: bisect_right(prices, mid * (1 + ratio))]))

    def imbalance(self, n: int) -> float:
        """(bid size − ask size) / (bid size + ask size) over the top `n` levels of each
        side; NaN when both are empty."""
        bids, asks = self.bids, self.asks
        bid_size = sum(bids[p] for p in self.bid_prices[: -n - 1 : -1])
        ask_size = sum(asks[p] for p in self.ask_prices[:n])
        total = bid_size + ask_size
        return (bid_size - ask_size) / total if total > 0 else NAN

    def microprice(self) -> float:
        """(bid·ask size + ask·bid size) / (bid size + ask size) at the touch."""
        if not (self.bid_prices and self.ask_prices):
            return NAN
        bid = self.bid_prices[-1]
        ask = self.ask_prices[0]
        bid_qty = self.bids[bid]
        ask_qty = self.asks[ask]
        return (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)

    def crossed(self) -> bool:
        """Best bid at or above best ask (crossed or locked)."""
        return bool(self.bid_prices and self.ask_prices) and (
            self.bid_prices[-1] >= self.ask_prices[0]
        )

    def __len__(self) -> int:
        return len(self.bid_prices) + len(self.ask_prices)
