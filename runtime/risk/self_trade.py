"""Self-trade prevention within one strategy instance: an order that would cross the
instance's own open order on the same instrument is refused. Orders of other instances are
not visible here; preventing those needs the account monitor."""

from __future__ import annotations

import math
from collections.abc import Sequence

from orderloom.dsl.plan import RiskCheck
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.risk.chain import CheckSetup, Exposure, RiskViolation


class SelfTrade:
    """A buy crosses an open sell priced at or below it (any price for a market order on
    either side); sells mirrored. Cancel-pending orders still count: they may yet fill."""

    name = "self_trade"

    def __init__(self, applies: Sequence[bool] | None = None, label: str = "account") -> None:
        self.applies = None if applies is None else list(applies)
        self.label = label

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> SelfTrade:
        return cls(setup.mask(check), setup.label(check))

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        slot, side = order.slot, order.side
        opposite = exposure.open_sell_lots if side > 0 else exposure.open_buy_lots
        if not opposite[slot]:
            return None
        if self.applies is not None and not self.applies[slot]:
            return None
        market = order.price_ticks is None
        for resting in exposure.oms.open_orders.values():
            if resting.slot != slot or resting.side == side:
                continue
            if market or resting.price_ticks is None:
                crosses = True
            elif side > 0:
                crosses = order.price_ticks >= resting.price_ticks
            else:
                crosses = order.price_ticks <= resting.price_ticks
            if crosses:
                return self._refuse(order, resting)
        return None

    def _refuse(self, order: Order, resting: Order) -> RiskViolation:
        price = "market" if order.price_ticks is None else f"{order.price:.10g}"
        resting_price = "market" if resting.price_ticks is None else f"{resting.price:.10g}"
        side = "buy" if order.side > 0 else "sell"
        return RiskViolation(
            self.name,
            resting.price if resting.price_ticks is not None else math.nan,
            order.price if order.price_ticks is not None else math.nan,
            f"order {order.order_id}: {side} @ {price} would trade against own open order "
            f"{resting.order_id} @ {resting_price} (self_trade; {self.label})",
        )
