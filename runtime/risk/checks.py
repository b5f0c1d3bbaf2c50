"""Pre-trade checks of the order itself: its value, quantity, price against a reference
(fat-finger band) and its validity (price bounds, minimum size and value, tick/lot grid).

Each takes the rounded order and the engine's `Exposure`, and returns None or a
`RiskViolation` naming the check, the limit, the value that hit it and the order id. Prices
compare with a relative tolerance of 1e-9 so that a price exactly at a limit written in
decimal passes. `max_order_notional` is in the instrument's quote currency (the compiler
refuses a limit in another currency).
"""

from __future__ import annotations

from collections.abc import Sequence

from orderloom.dsl.kinds.max_order_notional import MaxOrderNotionalParams
from orderloom.dsl.kinds.risk_order_qty import MaxOrderQtyParams
from orderloom.dsl.kinds.risk_order_validity import OrderValidityParams
from orderloom.dsl.kinds.risk_price_band import PriceBandParams
from orderloom.dsl.plan import RiskCheck
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.risk.chain import CheckSetup, Exposure, RiskViolation

_REL_TOLERANCE = 1e-9


def _order_value(order: Order, exposure: Exposure) -> float:
    """Price × quantity: the limit price, or the reference (touch/last) of a market order;
    NaN before a market order can be priced."""
    if order.price_ticks is not None:
        return order.qty * order.price
    return order.qty * exposure.reference_price(order.slot, order.side)


class MaxOrderNotional:
    """qty × limit price (limit orders) or × reference price (market orders) ≤ limit.
    A market order with no reference price yet cannot be priced and is rejected."""

    name = "max_order_notional"

    def __init__(
        self, limit: float, applies: Sequence[bool] | None = None, label: str = "account"
    ) -> None:
        self.limit = limit
        self.applies = None if applies is None else list(applies)
        self.label = label

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> MaxOrderNotional:
        params: MaxOrderNotionalParams = check.params
        return cls(params.limit, setup.mask(check), setup.label(check))

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        applies = self.applies
        if applies is not None and not applies[order.slot]:
            return None
        notional = _order_value(order, exposure)
        if notional <= self.limit * (1 + _REL_TOLERANCE):  # False for NaN: unpriced rejects
            return None
        if notional != notional:
            message = (
                f"order {order.order_id}: market order has no reference price yet, "
                f"cannot check notional limit {self.limit:.8g} ({self.label})"
            )
        else:
            message = (
                f"order {order.order_id}: notional {notional:.8g} exceeds "
                f"max_order_notional {self.limit:.8g} ({self.label})"
            )
        return RiskViolation(self.name, self.limit, notional, message)


class MaxOrderQty:
    """The order's whole lots ≤ the limit in lots (a limit between two lots allows the lower)."""

    name = "max_order_qty"

    def __init__(
        self,
        limit: float,
        lots: Sequence[LotSpec],
        applies: Sequence[bool] | None = None,
        label: str = "account",
    ) -> None:
        self.limit = limit
        self.limit_lots = [spec.lots_down(limit) for spec in lots]
        self.applies = None if applies is None else list(applies)
        self.label = label

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> MaxOrderQty:
        params: MaxOrderQtyParams = check.params
        return cls(params.limit, setup.lots, setup.mask(check), setup.label(check))

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        slot = order.slot
        if order.qty_lots <= self.limit_lots[slot]:
            return None
        if self.applies is not None and not self.applies[slot]:
            return None
        return RiskViolation(
            self.name,
            self.limit,
            order.qty,
            f"order {order.order_id}: quantity {order.qty:.8g} exceeds max_order_qty "
            f"{self.limit:.8g} ({self.label})",
        )


class PriceBand:
    """|limit price / reference − 1| ≤ max deviation; the reference is the mid, the last trade
    or the mark (mid when quoted, else last). Market orders pass (they take the touch)."""

    name = "price_band"

    def __init__(
        self,
        max_deviation_bps: float,
        reference: str = "mark",
        applies: Sequence[bool] | None = None,
        label: str = "account",
    ) -> None:
        if reference not in ("mid", "last", "mark"):
            raise ValueError(f"price_band reference must be mid, last or mark, not {reference!r}")
        self.max_bps = max_deviation_bps
        self.reference = reference
        self.applies = None if applies is None else list(applies)
        self.label = label

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> PriceBand:
        params: PriceBandParams = check.params
        return cls(
            params.max_deviation_bps, params.reference, setup.mask(check), setup.label(check)
        )

    def reference_price(self, slot: int, exposure: Exposure) -> float:
        state = exposure.state
        if self.reference == "last":
            return float(state.last[slot])
        if self.reference == "mid":
            return float((state.bid[slot] + state.ask[slot]) / 2.0)
        return exposure.book.mark_price(slot)

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        if order.price_ticks is None:
            return None
        slot = order.slot
        if self.applies is not None and not self.applies[slot]:
            return None
        reference = self.reference_price(slot, exposure)
        deviation_bps = abs(order.price - reference) / reference * 10_000.0
        if deviation_bps <= self.max_bps * (1 + _REL_TOLERANCE):  # False for NaN
            return None
        if deviation_bps != deviation_bps:
            message = (
                f"order {order.order_id}: no {self.reference} price yet to check limit price "
                f"{order.price:.10g} against price_band {self.max_bps:g}bps ({self.label})"
            )
        else:
            message = (
                f"order {order.order_id}: limit price {order.price:.10g} is "
                f"{deviation_bps:.4g}bps from the {self.reference} {reference:.10g}, beyond "
                f"price_band {self.max_bps:g}bps ({self.label})"
            )
        return RiskViolation(self.name, self.max_bps, deviation_bps, message)


class OrderValidity:
    """Requested price and quantity on the tick/lot grid (when asked), limit price within
    [min_price, max_price], quantity ≥ min_qty and value ≥ min_notional."""

    name = "order_validity"

    def __init__(
        self,
        params: OrderValidityParams,
        lots: Sequence[LotSpec],
        min_notionals: Sequence[float],
        applies: Sequence[bool] | None = None,
        label: str = "account",
    ) -> None:
        self.params = params
        self.lots = list(lots)
        self.min_lots = [
            0 if params.min_qty is None else spec.lots_up(params.min_qty) for spec in lots
        ]
        given = params.min_notional
        self.min_notional = [given if given is not None else m for m in min_notionals]
        self.applies = None if applies is None else list(applies)
        self.label = label

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> OrderValidity:
        minimums = [i.min_notional for i in setup.instruments]
        return cls(check.params, setup.lots, minimums, setup.mask(check), setup.label(check))

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        slot = order.slot
        if self.applies is not None and not self.applies[slot]:
            return None
        p = self.params
        spec = self.lots[slot]
        if p.on_grid:
            # The rounded value equals the request in the common case; only a difference
            # needs the grid arithmetic (which forgives float noise, as the rounding does).
            qty = exposure.requested_qty
            if qty is not None and qty != order.qty and spec.lots_down(qty) != spec.lots_up(qty):
                what = f"quantity {qty:.10g} is not a whole number of lots of {spec.lot:g}"
                return self._refuse(order, spec.lot, qty, what)
            price = exposure.requested_price
            if (
                price is not None
                and price != order.price
                and spec.ticks(price, 1) != spec.ticks(price, -1)
            ):
                what = f"price {price:.10g} is not a whole number of ticks of {spec.tick:g}"
                return self._refuse(order, spec.tick, price, what)
        if order.price_ticks is not None:
            price = order.price
            low, high = p.min_price, p.max_price
            if low is not None and price < low * (1 - _REL_TOLERANCE):
                what = f"limit price {price:.10g} is below min_price {low:.10g}"
                return self._refuse(order, low, price, what)
            if high is not None and price > high * (1 + _REL_TOLERANCE):
                what = f"limit price {price:.10g} is above max_price {high:.10g}"
                return self._refuse(order, high, price, what)
        if order.qty_lots < self.min_lots[slot]:
            assert p.min_qty is not None
            what = f"quantity {order.qty:.8g} is below min_qty {p.min_qty:.8g}"
            return self._refuse(order, p.min_qty, order.qty, what)
        minimum = self.min_notional[slot]
        if minimum > 0:
            value = _order_value(order, exposure)
            if value < minimum * (1 - _REL_TOLERANCE):  # False for NaN: left to the max checks
                what = f"value {value:.8g} is below min_notional {minimum:.8g}"
                return self._refuse(order, minimum, value, what)
        return None

    def _refuse(self, order: Order, limit: float, value: float, what: str) -> RiskViolation:
        message = f"order {order.order_id}: {what} ({self.label})"
        return RiskViolation(self.name, limit, value, message)
