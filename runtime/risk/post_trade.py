"""Post-trade risk of one strategy instance, evaluated after every market event in event
time: loss and drawdown limits on its PnL (fees and marks included) and circuit breakers
(compiled boolean expressions), each tripping an action from `actions.py`.

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
from orderloom.dsl.plan import Plan, RiskCheck
from orderloom.runtime.risk import actions

if TYPE_CHECKING:
    from orderloom.runtime.engine.context import EngineContext


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
    ) -> None:
        self.max_loss = min(max_loss) if max_loss else None
        self.max_drawdown = min(max_drawdown) if max_drawdown else None
        self.breakers = tuple(breakers)
        self.peak = 0.0
        self.pnl = 0.0

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
        losses, drawdowns, breakers = [], [], []
        for risk_check in checks:
            params = risk_check.params
            if isinstance(params, MaxLossParams):
                losses.append(params.limit)
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
        return cls(losses, drawdowns, breakers)

    def bind(self, ctx: EngineContext) -> None:
        self.ctx = ctx

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
        if self.max_loss is not None or self.max_drawdown is not None:
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
