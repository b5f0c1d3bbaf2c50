"""Pre-trade position limits: `max_position` per instrument (in whole lots, exact) and
`position_limit`, net and gross over one instrument or every instrument of a base asset.

Both count the strategy's open orders as if they filled: a buy is checked against position +
open buys + the order, a sell against position − open sells − the order. An order that leaves
the exposure in its own direction within the limit passes, so orders reducing a position
that is already beyond the limit (after a budget change, say) are never blocked.
"""

from __future__ import annotations

from collections.abc import Sequence

from orderloom.dsl.kinds.max_position import MaxPositionParams
from orderloom.dsl.kinds.risk_position_limit import PositionLimitParams
from orderloom.dsl.plan import RiskCheck
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.risk.chain import CheckSetup, Exposure, RiskViolation

_REL_TOLERANCE = 1e-9


class MaxPosition:
    """position + open same-side lots + this order within ±limit, per instrument slot."""

    name = "max_position"

    def __init__(
        self, limits: Sequence[float | None], lots: Sequence[LotSpec], label: str = "account"
    ) -> None:
        self.limits = list(limits)
        self.lots = list(lots)
        # A limit between two lot multiples allows the lower one.
        self.limit_lots = [
            None if limit is None else spec.lots_down(limit)
            for limit, spec in zip(limits, lots, strict=True)
        ]
        self.label = label

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> MaxPosition:
        params: MaxPositionParams = check.params
        by_id = dict(params.limits)
        limits = [by_id.get(i.id) for i in setup.instruments]
        return cls(limits, setup.lots, setup.label(check))

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        slot = order.slot
        limit_lots = self.limit_lots[slot]
        if limit_lots is None:
            return None
        if order.side > 0:
            after = exposure.position_lots[slot] + exposure.open_buy_lots[slot] + order.qty_lots
            if after <= limit_lots:
                return None
        else:
            after = exposure.position_lots[slot] - exposure.open_sell_lots[slot] - order.qty_lots
            if after >= -limit_lots:
                return None
        value = self.lots[slot].qty(abs(after))
        limit = self.limits[slot]
        assert limit is not None
        return RiskViolation(
            self.name,
            limit,
            value,
            f"order {order.order_id}: position would reach {value:.8g}, "
            f"exceeding max_position {limit:.8g} ({self.label})",
        )


class PositionLimit:
    """Net (|Σ positions|) and gross (Σ |positions|) limits over the covered slots, in base
    units, each slot's position taken at its worst case given the open orders."""

    name = "position_limit"

    def __init__(
        self,
        net: float | None,
        gross: float | None,
        covered: Sequence[bool],
        lots: Sequence[LotSpec],
        what: str,
        label: str = "account",
    ) -> None:
        self.net = net
        self.gross = gross
        # Limits widened by a relative 1e-9, so a position exactly at a decimal limit passes.
        self.net_cap = None if net is None else net + _REL_TOLERANCE * max(1.0, net)
        self.gross_cap = None if gross is None else gross + _REL_TOLERANCE * max(1.0, gross)
        self.covered = list(covered)
        self.slots = [slot for slot, c in enumerate(covered) if c]
        self.lot = [spec.lot for spec in lots]
        self.what = what  # "BTC" or "BTC/USDT@sim", for messages
        self.label = label

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> PositionLimit:
        params: PositionLimitParams = check.params
        covered = [params.applies_to(i) for i in setup.instruments]
        what = params.asset or params.instrument or ""
        return cls(params.net, params.gross, covered, setup.lots, what, setup.label(check))

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        order_slot = order.slot
        if not self.covered[order_slot]:
            return None
        position = exposure.position_lots
        buys = exposure.open_buy_lots
        sells = exposure.open_sell_lots
        lot = self.lot
        side = order.side
        long_qty = short_qty = gross_before = gross_after = 0.0
        for slot in self.slots:
            high = (position[slot] + buys[slot]) * lot[slot]
            low = (position[slot] - sells[slot]) * lot[slot]
            worst = abs(high) if abs(high) > abs(low) else abs(low)
            gross_before += worst
            if slot == order_slot:
                if side > 0:
                    high += order.qty
                else:
                    low -= order.qty
                worst = abs(high) if abs(high) > abs(low) else abs(low)
            gross_after += worst
            long_qty += high
            short_qty += low
        if self.net_cap is not None:
            after = long_qty if side > 0 else -short_qty
            if after > self.net_cap:
                return self._refuse(order, "net", self.net, after)
        gross_cap = self.gross_cap
        if gross_cap is not None and gross_after > gross_cap and gross_after > gross_before:
            return self._refuse(order, "gross", self.gross, gross_after)
        return None

    def _refuse(self, order: Order, kind: str, limit: float | None, value: float) -> RiskViolation:
        assert limit is not None
        return RiskViolation(
            self.name,
            limit,
            value,
            f"order {order.order_id}: {kind} position in {self.what} would reach {value:.8g}, "
            f"exceeding position_limit {kind} {limit:.8g} ({self.label})",
        )
