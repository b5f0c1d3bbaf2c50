"""Pre-trade risk checks: max order notional and max position, run as a chain on every order.

Each check takes the rounded order and an `Exposure` view (positions, open quantities,
reference prices) and returns None, or a `RiskViolation` naming the check, the limit and the
value that hit it. The chain stops at the first violation. A check allocates nothing when it
passes. Account-wide limits arrive already split into per-instance budgets by the compiler;
`max_order_notional` is taken to be in the instrument's quote currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from orderloom.dsl.plan import RiskLimits
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Order


@dataclass(frozen=True, slots=True)
class RiskViolation:
    check: str
    limit_value: float
    value: float
    message: str  # names the order id


class Exposure(Protocol):
    """What the checks read; implemented by the engine over its ledger, OMS and book."""

    position_lots: list[int]
    open_buy_lots: list[int]
    open_sell_lots: list[int]

    def reference_price(self, slot: int, side: int) -> float: ...


class RiskCheck(Protocol):
    name: str

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None: ...


class MaxOrderNotional:
    """qty × limit price (limit orders) or × reference price (market orders) ≤ limit.
    A market order with no reference price yet cannot be priced and is rejected."""

    name = "max_order_notional"

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        price = (
            order.price
            if order.price_ticks is not None
            else exposure.reference_price(order.slot, order.side)
        )
        notional = order.qty * price
        if notional <= self.limit:  # False for NaN: unpriced orders fall through to reject
            return None
        if notional != notional:
            message = (
                f"order {order.order_id}: market order has no reference price yet, "
                f"cannot check notional limit {self.limit}"
            )
        else:
            message = (
                f"order {order.order_id}: notional {notional:.8g} exceeds "
                f"max_order_notional {self.limit:.8g}"
            )
        return RiskViolation(self.name, self.limit, notional, message)


class MaxPosition:
    """|position + open same-side qty + this order| ≤ limit, per instrument, in whole lots."""

    name = "max_position"

    def __init__(self, limits: Sequence[float | None], lots: Sequence[LotSpec]) -> None:
        self.limits = list(limits)
        self.lots = list(lots)
        # A limit between two lot multiples allows the lower one.
        self.limit_lots = [
            None if limit is None else spec.lots_down(limit)
            for limit, spec in zip(limits, lots, strict=True)
        ]

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        slot = order.slot
        limit_lots = self.limit_lots[slot]
        if limit_lots is None:
            return None
        if order.side > 0:
            after = exposure.position_lots[slot] + exposure.open_buy_lots[slot] + order.qty_lots
        else:
            after = exposure.position_lots[slot] - exposure.open_sell_lots[slot] - order.qty_lots
        if abs(after) <= limit_lots:
            return None
        value = self.lots[slot].qty(abs(after))
        limit = self.limits[slot]
        assert limit is not None
        return RiskViolation(
            self.name,
            limit,
            value,
            f"order {order.order_id}: position would reach {value:.8g}, "
            f"exceeding max_position {limit:.8g}",
        )


class RiskChain:
    """The checks configured for one strategy instance, in order."""

    __slots__ = ("checks",)

    def __init__(self, checks: Sequence[RiskCheck]) -> None:
        self.checks = tuple(checks)

    @classmethod
    def from_limits(
        cls, limits: RiskLimits, instruments: Sequence[str], lots: Sequence[LotSpec]
    ) -> RiskChain:
        checks: list[RiskCheck] = []
        if limits.max_order_notional is not None:
            checks.append(MaxOrderNotional(limits.max_order_notional))
        position_limits = [limits.position_limit(i) for i in instruments]
        if any(limit is not None for limit in position_limits):
            checks.append(MaxPosition(position_limits, lots))
        return cls(checks)

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        for check in self.checks:
            violation = check.check(order, exposure)
            if violation is not None:
                return violation
        return None
