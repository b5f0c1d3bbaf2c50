"""Checks against what the instance already did: the value it traded in the current UTC day
(`max_daily_notional`) and the orders it sent recently (`duplicate_orders`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from orderloom.dsl.kinds.risk_daily_notional import MaxDailyNotionalParams
from orderloom.dsl.kinds.risk_duplicate_orders import DuplicateOrdersParams
from orderloom.dsl.plan import RiskCheck
from orderloom.dsl.plan_format import duration
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.risk.chain import CheckSetup, Exposure, RiskViolation

DAY_NS = 86_400_000_000_000
_REL_TOLERANCE = 1e-9


class MaxDailyNotional:
    """Filled value since 00:00 UTC (event time) + remaining value of open orders + this
    order ≤ limit. Open market orders are valued at the current reference price."""

    name = "max_daily_notional"

    def __init__(
        self,
        limit: float,
        lots: Sequence[LotSpec],
        applies: Sequence[bool] | None = None,
        label: str = "account",
    ) -> None:
        self.limit = limit
        self.lots = list(lots)
        self.lot = [spec.lot for spec in lots]
        self.applies = None if applies is None else list(applies)
        self.label = label
        self.day = -1
        self.filled = 0.0

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> MaxDailyNotional:
        params: MaxDailyNotionalParams = check.params
        return cls(params.limit, setup.lots, setup.mask(check), setup.label(check))

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        applies = self.applies
        if applies is not None and not applies[order.slot]:
            return None
        day = order.sent_ns // DAY_NS
        if day != self.day:
            self.day, self.filled = day, 0.0
        reference = exposure.reference_price
        lot = self.lot
        value = order.qty * (
            order.price if order.price_ticks is not None else reference(order.slot, order.side)
        )
        opened = 0.0
        for o in exposure.oms.open_orders.values():
            if applies is None or applies[o.slot]:
                price = o.price if o.price_ticks is not None else reference(o.slot, o.side)
                opened += (o.qty_lots - o.filled_lots) * lot[o.slot] * price
        total = self.filled + opened + value
        if total <= self.limit * (1 + _REL_TOLERANCE):  # False for NaN: unpriced rejects
            return None
        return RiskViolation(
            self.name,
            self.limit,
            total,
            f"order {order.order_id}: traded today {self.filled:.8g} + open {opened:.8g} + "
            f"order {value:.8g} = {total:.8g} exceeds max_daily_notional {self.limit:.8g} "
            f"({self.label})",
        )

    def on_fill(self, order: Order, ts_ns: int, lots: int, price: float) -> None:
        if self.applies is not None and not self.applies[order.slot]:
            return
        day = ts_ns // DAY_NS
        if day != self.day:
            self.day, self.filled = day, 0.0
        self.filled += self.lots[order.slot].qty(lots) * price


class DuplicateOrders:
    """Refuse an order with the same slot, side, price ticks and lots as one sent less than
    `window_ns` ago."""

    name = "duplicate_orders"

    def __init__(
        self, window_ns: int, applies: Sequence[bool] | None = None, label: str = "account"
    ) -> None:
        self.window_ns = window_ns
        self.applies = None if applies is None else list(applies)
        self.label = label
        self.sent: dict[tuple[int, int, int | None, int], int] = {}  # key -> last sent
        self.expiry: deque[tuple[int, tuple[int, int, int | None, int]]] = deque()

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> DuplicateOrders:
        params: DuplicateOrdersParams = check.params
        return cls(params.window_ns, setup.mask(check), setup.label(check))

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        previous = self.sent.get((order.slot, order.side, order.price_ticks, order.qty_lots))
        if previous is None:
            return None
        age_ns = order.sent_ns - previous
        if age_ns >= self.window_ns:
            return None
        if self.applies is not None and not self.applies[order.slot]:
            return None
        side = "buy" if order.side > 0 else "sell"
        price = "market" if order.price_ticks is None else f"{order.price:.10g}"
        return RiskViolation(
            self.name,
            self.window_ns / 1e9,
            age_ns / 1e9,
            f"order {order.order_id}: same {side} {order.qty:.8g} @ {price} as an order sent "
            f"{duration(age_ns)} ago, within duplicate_orders window {duration(self.window_ns)} "
            f"({self.label})",
        )

    def on_sent(self, order: Order, exposure: Exposure) -> None:
        if self.applies is not None and not self.applies[order.slot]:
            return
        now = order.sent_ns
        key = (order.slot, order.side, order.price_ticks, order.qty_lots)
        self.sent[key] = now
        expiry = self.expiry
        expiry.append((now, key))
        horizon = now - self.window_ns
        while expiry[0][0] <= horizon:
            sent_ns, old = expiry.popleft()
            if self.sent.get(old) == sent_ns:
                del self.sent[old]
