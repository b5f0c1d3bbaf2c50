"""Position and PnL accounting per strategy instance: the `positions` rows (after every fill)
and the `pnl` mark rows.

Positions are integer lots (exact); the average entry price is a float (the volume-weighted
price of the open position, reset when the position crosses zero). Realized PnL is gross of
fees; fees are summed separately (quote currency) and `total = realized + unrealized - fees`.
Strategies trading several instruments are assumed to share one quote currency.
"""

from __future__ import annotations

from collections.abc import Sequence

from orderloom.runtime.engine.lots import LotSpec


class PositionLedger:
    def __init__(
        self,
        run_id: str,
        strategy: str,
        instruments: Sequence[str],
        lots: Sequence[LotSpec],
    ) -> None:
        n = len(instruments)
        self.run_id = run_id
        self.strategy = strategy
        self.instruments = tuple(instruments)
        self.lots = tuple(lots)
        self.position_lots = [0] * n
        self.position_qty = [0.0] * n  # position_lots as instrument units
        self.avg_price = [0.0] * n
        self.realized = [0.0] * n
        self.fees = 0.0
        self._pos_seq = [0] * n
        self._pnl_seq = 0
        self.position_rows: list[tuple] = []
        self.pnl_rows: list[tuple] = []

    def apply_fill(
        self, slot: int, ts_ns: int, side: int, lots: int, price: float, fee: float
    ) -> None:
        pos = self.position_lots[slot]
        avg = self.avg_price[slot]
        lot = self.lots[slot].lot
        if pos == 0 or (pos > 0) == (side > 0):
            size = abs(pos)
            avg = (avg * size + price * lots) / (size + lots)
        else:
            closed = min(lots, abs(pos))
            direction = 1 if pos > 0 else -1
            self.realized[slot] += closed * lot * (price - avg) * direction
            if lots > abs(pos):  # crossed zero: the rest opens at the fill price
                avg = price
            elif lots == abs(pos):
                avg = 0.0
        pos += side * lots
        self.position_lots[slot] = pos
        self.position_qty[slot] = self.lots[slot].qty(pos)
        self.avg_price[slot] = avg
        self.fees += fee
        self.position_row(slot, ts_ns)

    def position(self, slot: int) -> float:
        return self.position_qty[slot]

    def position_row(self, slot: int, ts_ns: int) -> None:
        self._pos_seq[slot] += 1
        self.position_rows.append(
            (
                self.run_id,
                self.strategy,
                self.instruments[slot],
                self._pos_seq[slot],
                ts_ns,
                self.position_qty[slot],
                self.avg_price[slot],
                self.realized[slot],
            )
        )

    def traded(self, slot: int) -> bool:
        return self._pos_seq[slot] > 0

    def unrealized(self, marks: Sequence[float]) -> float:
        """Open-position PnL at the given mark prices; a NaN mark counts as the entry price."""
        total = 0.0
        for slot, pos in enumerate(self.position_lots):
            mark = marks[slot]
            if pos and mark == mark:
                total += pos * self.lots[slot].lot * (mark - self.avg_price[slot])
        return total

    def total(self, marks: Sequence[float]) -> float:
        """realized + unrealized − fees at the given marks."""
        return sum(self.realized) + self.unrealized(marks) - self.fees

    def mark(self, ts_ns: int, marks: Sequence[float]) -> tuple[float, float, float]:
        """Append a `pnl` row; returns (realized, unrealized, total)."""
        realized = sum(self.realized)
        unrealized = self.unrealized(marks)
        total = realized + unrealized - self.fees
        self._pnl_seq += 1
        self.pnl_rows.append(
            (
                self.run_id,
                self.strategy,
                self._pnl_seq,
                ts_ns,
                self.position(0),
                marks[0],
                realized,
                unrealized,
                self.fees,
                total,
            )
        )
        return realized, unrealized, total
