"""Post-trade risk of one strategy instance, evaluated after every market event in event
time: loss and drawdown limits on its PnL (fees and marks included; a daily loss limit counts
from the last UTC midnight), circuit breakers (compiled boolean expressions), and the age of
its positions (an event-time timer per opened position), each tripping an action from
`actions.py`.

The engine wraps the strategy's `on_market` with `PostTradeGuard.on_market` only when the
instance has such checks, so instances without them pay nothing on the hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from orderloom.dsl.expr import ExprError
from orderloom.dsl.expr.evaluate import ExprCompiler
from orderloom.dsl.expr.parse import parse
from orderloom.dsl.expr.typecheck import Scope, check
from orderloom.dsl.kinds.risk_circuit_breakers import CircuitBreakerParams
from orderloom.dsl.kinds.risk_loss import POST_TRADE_KINDS, MaxDrawdownParams, MaxLossParams
from orderloom.dsl.kinds.risk_position_age import MaxPositionAgeParams
from orderloom.dsl.plan import Plan, RiskCheck
from orderloom.runtime.risk import actions

if TYPE_CHECKING:
    from orderloom.runtime.engine.context import EngineContext

DAY_NS = 86_400 * 1_000_000_000


class PostTradeCheck:
    """The registry's runtime entry for post-trade kinds: the pre-trade chain builds it and
    ignores it (no `check`); `PostTradeGuard` does the work."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def from_plan(cls, check: RiskCheck, setup: Any) -> PostTradeCheck:
        return cls(check.kind)


class _Breaker:
    __slots__ = ("action", "armed", "band_bps", "duration_ns", "fn", "name")

    def __init__(self, params: CircuitBreakerParams, fn: Callable[[Any], Any]) -> None:
        self.name = params.name
        self.action = params.action
        self.duration_ns = params.duration_ns
        self.band_bps = params.band_bps
        self.fn = fn
        self.armed = True


class PostTradeGuard:
    ctx: EngineContext

    def __init__(
        self,
        max_loss: Sequence[float],
        max_drawdown: Sequence[float],
        breakers: Sequence[_Breaker],
        daily_loss: Sequence[float] = (),
        position_age: MaxPositionAgeParams | None = None,
    ) -> None:
        self.max_loss = min(max_loss) if max_loss else None
        self.max_drawdown = min(max_drawdown) if max_drawdown else None
        self.daily_loss = min(daily_loss) if daily_loss else None
        self.breakers = tuple(breakers)
        self.peak = 0.0
        self.pnl = 0.0
        # Daily loss: the UTC day of the last evaluation, and the PnL the day started from
        # (the last one of the day before; 0 on the first day).
        self.day = -1
        self.day_pnl = 0.0
        self.daily_armed = True
        self.position_age = position_age
        self.opened_ns: list[int] = []  # per slot: when the open position was opened; -1 flat

    @classmethod
    def for_instance(
        cls, plan: Plan, strategy: str, compiler: ExprCompiler
    ) -> PostTradeGuard | None:
        """The instance's guard, or None when it has no post-trade checks. Breakers compile
        here (before the engine sizes the market state for the compiled indicators)."""
        checks = [c for c in plan.risk.checks_for(strategy) or () if c.kind in POST_TRADE_KINDS]
        if not checks:
            return None
        scope = Scope(frozenset(compiler.instruments), compiler.instruments[0])
        losses: list[float] = []
        daily: list[float] = []
        drawdowns: list[float] = []
        breakers: list[_Breaker] = []
        position_age: MaxPositionAgeParams | None = None
        for risk_check in checks:
            params = risk_check.params
            if isinstance(params, MaxLossParams):
                (daily if params.period == "daily" else losses).append(params.limit)
            elif isinstance(params, MaxPositionAgeParams):
                if position_age is None or params.max_age_ns < position_age.max_age_ns:
                    position_age = params  # the strictest one
            elif isinstance(params, MaxDrawdownParams):
                drawdowns.append(params.limit)
            elif isinstance(params, CircuitBreakerParams):
                when = params.when
                try:
                    # Checked again for this instance: bare `last` is its traded instrument.
                    typed = check(
                        parse(when.source, lambda a, b, span=when.span: span), scope, "bool"
                    )
                except ExprError as error:
                    raise ValueError(
                        f"{when.span.file}:{when.span.line}:{when.span.col}: circuit breaker "
                        f"'{params.name}' for '{strategy}': {error}"
                    ) from error
                breakers.append(_Breaker(params, compiler.compile(typed).fn))
        return cls(losses, drawdowns, breakers, daily, position_age)

    def bind(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        if self.position_age is not None:
            self.opened_ns = [-1] * len(ctx.instruments)
            self._watch_fills()

    def _watch_fills(self) -> None:
        """Note when each position opens, at its fill's time: the venue reports fills through
        `ctx.on_fill`, wrapped here so only instances with the check pay for it."""
        ctx = self.ctx
        inner = ctx.on_fill
        opened = self.opened_ns
        lots = ctx.position_lots
        clock = ctx.clock
        age = self.position_age
        assert age is not None
        due = self._age_due
        sides = [0] * len(opened)

        def on_fill(order: Any, ts_ns: int, *rest: Any) -> None:
            inner(order, ts_ns, *rest)
            slot = order.slot
            position = lots[slot]
            side = (position > 0) - (position < 0)
            if side != sides[slot]:
                sides[slot] = side
                if side == 0:
                    opened[slot] = -1
                else:
                    opened[slot] = ts_ns
                    clock.at(ts_ns + age.max_age_ns, due, (slot, ts_ns))

        ctx.on_fill = on_fill  # type: ignore[method-assign]

    def _age_due(self, ts_ns: int, tag: tuple[int, int]) -> None:
        slot, opened = tag
        ctx = self.ctx
        age = self.position_age
        if self.opened_ns[slot] != opened or ctx.killed or age is None:
            return  # closed (or reopened) since, or already stopped
        held_s = (ts_ns - opened) / 1e9
        message = (
            f"position in {ctx.instruments[slot]} held {held_s:.6g} s, longer than "
            f"max_position_age {age.max_age_ns / 1e9:.6g} s: {age.action}"
        )
        actions.trip_row(ctx, "max_position_age", age.action, age.max_age_ns / 1e9, held_s, message)
        if age.action == "kill":
            actions.kill(ctx, "max_position_age", message)
        else:
            actions.flatten(ctx, age.band_bps, message)

    def wrap(self, on_market: Callable[[Any, int], None]) -> Callable[[Any, int], None]:
        evaluate = self.evaluate
        ctx = self.ctx

        def guarded_on_market(context: Any, slot: int) -> None:
            evaluate()
            if not ctx.killed:
                on_market(context, slot)

        return guarded_on_market

    def evaluate(self) -> None:
        ctx = self.ctx
        if ctx.killed:
            return
        if (
            self.max_loss is not None
            or self.max_drawdown is not None
            or self.daily_loss is not None
        ):
            book = ctx.book
            pnl = ctx.ledger.total([book.mark_price(s) for s in range(len(ctx.instruments))])
            if pnl == pnl:  # NaN before every instrument has a price
                self._check_pnl(pnl)
                if ctx.killed:
                    return
        state = ctx.state
        for breaker in self.breakers:
            if breaker.fn(state):
                if breaker.armed:
                    self._trip(breaker)
                    if ctx.killed:
                        return
            elif not breaker.armed and breaker.action != "halt":
                breaker.armed = True

    def _check_pnl(self, pnl: float) -> None:
        ctx = self.ctx
        if pnl > self.peak:
            self.peak = pnl
        if self.daily_loss is not None:
            self._check_daily(pnl)
        limit = self.max_loss
        if limit is not None and -pnl > limit:
            message = f"loss {-pnl:.8g} exceeds max_loss {limit:.8g}: instance killed"
            actions.trip_row(ctx, "max_loss", "kill", limit, -pnl, message)
            actions.kill(ctx, "max_loss", "max_loss")
            return
        limit = self.max_drawdown
        drawdown = self.peak - pnl
        if limit is not None and drawdown > limit:
            message = (
                f"drawdown {drawdown:.8g} from peak {self.peak:.8g} exceeds max_drawdown "
                f"{limit:.8g}: instance killed"
            )
            actions.trip_row(ctx, "max_drawdown", "kill", limit, drawdown, message)
            actions.kill(ctx, "max_drawdown", "max_drawdown")

    def _check_daily(self, pnl: float) -> None:
        ctx = self.ctx
        now = int(ctx.state.ts_ns)
        day = now // DAY_NS
        if day != self.day:
            if self.day >= 0:
                self.day_pnl = self.pnl  # the PnL at the last evaluation before midnight
            self.day = day
            self.daily_armed = True
        self.pnl = pnl
        limit = self.daily_loss
        loss = self.day_pnl - pnl
        if limit is None or not self.daily_armed or loss <= limit:
            return
        self.daily_armed = False
        until = (day + 1) * DAY_NS
        message = (
            f"daily loss {loss:.8g} exceeds max_loss {limit:.8g} (period daily): orders "
            f"cancelled, halted until the next UTC midnight (ts {until})"
        )
        actions.trip_row(ctx, "max_loss", "halt", limit, loss, message)
        actions.cancel_all(ctx, message)
        actions.halt(ctx, until, "max_loss")

    def _trip(self, breaker: _Breaker) -> None:
        ctx = self.ctx
        action = breaker.action
        now = int(ctx.state.ts_ns)
        if action == "halt":
            until = now + breaker.duration_ns if breaker.duration_ns else actions.FOREVER_NS
            if now < ctx.gate_until_ns:
                return  # already halted (or killed) past now
            actions.trip_row(ctx, breaker.name, "halt", 0.0, 1.0, _halt_message(breaker, until))
            actions.halt(ctx, until, breaker.name)
            return
        breaker.armed = False
        message = f"circuit breaker '{breaker.name}' tripped: {action}"
        actions.trip_row(ctx, breaker.name, action, 0.0, 1.0, message)
        if action == "cancel_all":
            actions.cancel_all(ctx, message)
        elif action == "flatten":
            actions.flatten(ctx, breaker.band_bps, message)
        else:
            actions.kill(ctx, breaker.name, message)


def _halt_message(breaker: _Breaker, until_ns: int) -> str:
    if until_ns == actions.FOREVER_NS:
        return f"circuit breaker '{breaker.name}' tripped: halt until resume"
    return f"circuit breaker '{breaker.name}' tripped: halt until ts {until_ns}"
