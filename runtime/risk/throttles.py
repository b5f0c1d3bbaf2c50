"""Throttles in event time: token buckets on new orders (`order_rate`) and on cancel requests
(`cancel_rate`), and the cap on working orders (`max_open_orders`).

A bucket holds `burst` tokens and refills at `max` per `per` continuously; a request needs
one whole token. Levels are integers (one token = per_ns × 10^6 units, refilled at
round(max × 10^6) units per ns), so a budget of 6.67 orders/s is exact to a millionth of an
order and the same events give the same decisions on every machine.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from orderloom.dsl.kinds.risk_open_orders import MaxOpenOrdersParams
from orderloom.dsl.kinds.risk_order_rate import RateLimitParams
from orderloom.dsl.plan import RiskCheck
from orderloom.dsl.plan_format import duration
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.risk.chain import CheckSetup, Exposure, RiskViolation

_SCALE = 1_000_000


class TokenBucket:
    __slots__ = ("capacity", "cost", "last_ns", "level", "per_ns", "rate", "recent")

    def __init__(self, max_per: float, per_ns: int, burst: float) -> None:
        self.per_ns = per_ns
        self.rate = round(max_per * _SCALE)  # units added per ns
        self.cost = per_ns * _SCALE  # units per request
        self.capacity = round(burst * _SCALE) * per_ns
        self.level = self.capacity
        self.last_ns = -(2**63)  # the bucket starts full whenever the first request comes
        # Times of the last granted requests, for the message of a refusal: a bucket grants
        # at most burst + max in any `per`, so that many entries count any window exactly.
        self.recent: deque[int] = deque(maxlen=math.floor(burst + max_per) + 1)

    def available(self, now_ns: int) -> bool:
        """Refill up to now; whether a whole token is there (nothing is taken)."""
        if now_ns > self.last_ns:
            level = self.level + (now_ns - self.last_ns) * self.rate
            self.level = level if level < self.capacity else self.capacity
            self.last_ns = now_ns
        return self.level >= self.cost

    def take(self, now_ns: int) -> None:
        self.level -= self.cost
        self.recent.append(now_ns)

    def in_window(self, now_ns: int) -> int:
        """Granted requests in the last `per` (now − per, now]."""
        horizon = now_ns - self.per_ns
        return sum(1 for t in self.recent if t > horizon)


class _Rate:
    name = ""
    noun = ""

    def __init__(
        self,
        max_per: float,
        per_ns: int,
        burst: float,
        applies: Sequence[bool] | None = None,
        label: str = "account",
    ) -> None:
        self.max = max_per
        self.bucket = TokenBucket(max_per, per_ns, burst)
        self.applies = None if applies is None else list(applies)
        self.label = label

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> _Rate:
        p: RateLimitParams = check.params
        return cls(p.max, p.per_ns, p.burst, setup.mask(check), setup.label(check))

    def _refuse(self, order: Order, now_ns: int) -> RiskViolation:
        bucket = self.bucket
        count = bucket.in_window(now_ns) + 1
        per = duration(bucket.per_ns)
        return RiskViolation(
            self.name,
            self.max,
            float(count),
            f"order {order.order_id}: {self.name} {self.max:.6g} per {per} exhausted "
            f"(this would be {self.noun} {count} in the last {per}; {self.label})",
        )


class OrderRate(_Rate):
    name = "order_rate"
    noun = "order"

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        if self.applies is not None and not self.applies[order.slot]:
            return None
        # TokenBucket.available, inlined: this runs on every order.
        bucket = self.bucket
        now = order.sent_ns
        if now > bucket.last_ns:
            level = bucket.level + (now - bucket.last_ns) * bucket.rate
            bucket.level = level if level < bucket.capacity else bucket.capacity
            bucket.last_ns = now
        if bucket.level >= bucket.cost:
            return None
        return self._refuse(order, now)

    def on_sent(self, order: Order, exposure: Exposure) -> None:
        if self.applies is None or self.applies[order.slot]:
            self.bucket.take(order.sent_ns)


class CancelRate(_Rate):
    name = "cancel_rate"
    noun = "cancel"

    def check_cancel(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        if self.applies is not None and not self.applies[order.slot]:
            return None
        now = exposure.state.ts_ns
        if self.bucket.available(now):
            return None
        return self._refuse(order, now)

    def on_cancel_sent(self, order: Order, exposure: Exposure) -> None:
        if self.applies is None or self.applies[order.slot]:
            self.bucket.take(exposure.state.ts_ns)


class MaxOpenOrders:
    """Working orders (sent, not yet done) of the instance, on the covered slots, < limit."""

    name = "max_open_orders"

    def __init__(
        self, limit: int, applies: Sequence[bool] | None = None, label: str = "account"
    ) -> None:
        self.limit = limit
        self.applies = None if applies is None else list(applies)
        self.label = label

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: CheckSetup) -> MaxOpenOrders:
        params: MaxOpenOrdersParams = check.params
        return cls(params.limit, setup.mask(check), setup.label(check))

    def check(self, order: Order, exposure: Exposure) -> RiskViolation | None:
        open_orders = exposure.oms.open_orders
        applies = self.applies
        if applies is None:
            count = len(open_orders)
        elif not applies[order.slot]:
            return None
        else:
            count = sum(1 for o in open_orders.values() if applies[o.slot])
        if count < self.limit:
            return None
        return RiskViolation(
            self.name,
            float(self.limit),
            float(count + 1),
            f"order {order.order_id}: would be open order {count + 1}, over max_open_orders "
            f"{self.limit} ({self.label})",
        )
