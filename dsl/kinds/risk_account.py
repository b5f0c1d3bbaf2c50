"""Risk kind `account`: limits on the whole account — the sum over every strategy instance of
the deployment — enforced by the account monitor step (runtime/account/), which trips an
action on every instance through a control file: the run's own in a backtest (a simulated
breach never stops the real account), the account's shared file in live trading.

    account: main                   # top-level; default "default"
    risk:
      account:
        max_loss: 1_000 USDT        # account PnL below −1000
        max_drawdown: 600 USDT      # account PnL this far below its peak
        max_gross_exposure: 50_000 USDT
        action: kill                # kill | flatten | cancel_all | halt 5m
"""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping, Node
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_actions import read_action

ACCOUNT_ACTIONS = ("kill", "flatten", "cancel_all", "halt")
DEFAULT_EVERY_NS = 60_000_000_000
LIMIT_KEYS = ("max_loss", "max_drawdown", "max_gross_exposure", "max_net_exposure")


@dataclass(frozen=True)
class AccountLimitParams:
    """One `risk: account:` entry; a limit of 0 is not checked. Exposures are summed in the
    instruments' quote currency at the mark (no currency conversion)."""

    max_loss: float = 0.0  # account PnL (fees and marks included) below −max_loss
    max_drawdown: float = 0.0  # account PnL this far below its running peak (from 0)
    max_gross_exposure: float = 0.0  # Σ |position × mark| over instances and instruments
    max_net_exposure: float = 0.0  # max over base assets of |Σ position × mark|
    action: str = "kill"  # one of ACCOUNT_ACTIONS
    halt_ns: int = 0  # halt only: how long in event time; 0: until resume
    every_ns: int = DEFAULT_EVERY_NS  # event-time grid on which instances report
    currency: str | None = None


_MONEY = {"$ref": "#/$defs/money"}
_ITEM = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "max_loss": {**_MONEY, "description": "largest account loss from the start"},
        "max_drawdown": {**_MONEY, "description": "largest fall of account PnL below its peak"},
        "max_gross_exposure": {
            **_MONEY,
            "description": "largest Σ |position × mark| over every instance and instrument",
        },
        "max_net_exposure": {
            **_MONEY,
            "description": "largest |Σ position × mark| of one base asset over every instance",
        },
        "action": {
            "type": "string",
            "description": "kill (default; cancel all, stop until `orderloom resume --account "
            "NAME`), flatten (kill and close positions), cancel_all, or halt 5m (no new orders "
            "for a while; no duration: until resume)",
        },
        "every": {
            "$ref": "#/$defs/duration",
            "description": "event-time grid on which the instances report to the monitor "
            "(default 1m)",
        },
    },
}
SCHEMA = {
    "description": "account-wide limits over the sum of every instance, each with an action",
    **{k: v for k, v in _ITEM.items() if k != "type"},
    "type": ["object", "array"],
    "items": _ITEM,
    "minItems": 1,
}


def parse_action(node: Mapping, ctx: KindContext) -> tuple[str, int]:
    """`action: kill | flatten | cancel_all | halt [duration]` → (action, halt_ns)."""
    then = ctx.scalar(node, "action")
    if then is None:
        return "kill", 0
    action, halt_ns = read_action(ctx, then, "action", ACCOUNT_ACTIONS, "account", positive=True)
    return (action, halt_ns) if action else ("kill", 0)


def compile_account(node: Node, ctx: KindContext) -> AccountLimitParams:
    assert isinstance(node, Mapping)  # the schema allows only mappings
    limits: dict[str, float] = {}
    currencies: set[str] = set()
    for key in LIMIT_KEYS:
        if node.get(key) is None:
            continue
        value, currency = ctx.money(node, key)
        if currency:
            currencies.add(currency)
        if ctx.ok and value <= 0:
            ctx.report(codes.BAD_VALUE, f"{key} must be more than 0", ctx.span(node, key))
        limits[key] = value
    if not limits:
        ctx.report(
            codes.BAD_VALUE,
            "an account entry needs a limit",
            node.span,
            f"give one of: {', '.join(LIMIT_KEYS)}",
        )
    if len(currencies) > 1:
        ctx.report(
            codes.BAD_VALUE,
            f"account limits mix currencies ({', '.join(sorted(currencies))})",
            node.span,
            "the monitor sums in the instruments' quote currency; use one",
        )
    action, halt_ns = parse_action(node, ctx)
    every_ns = ctx.positive_duration_ns(node, "every", DEFAULT_EVERY_NS)
    return AccountLimitParams(
        **limits,
        action=action,
        halt_ns=halt_ns,
        every_ns=every_ns,
        currency=next(iter(currencies), None),
    )


register(
    KindSpec(
        category="risk",
        name="account",
        summary="account-wide loss, drawdown and exposure limits over every instance",
        schema=SCHEMA,
        params_type=AccountLimitParams,
        compile=compile_account,
        runtime="orderloom.runtime.account.monitor:AccountMonitor",
        doc=(
            "Enforced by the account monitor step (keyed by the pipeline's top-level "
            "`account:`, default `default`): every instance reports its PnL and positions at "
            "the mark on an event-time grid (`every`, default 1m); once every instance has "
            "reported a grid time the monitor sums them and, when a limit is exceeded, writes "
            "a risk_events row (strategy `account:NAME`) and the action into a control file "
            "the engines poll: in a backtest the run's own (it never touches the account's "
            "shared file that `orderloom kill --account NAME` writes), in live trading the "
            "account's shared file. The trip time is deterministic; in a backtest the action "
            "reaches the engines at their next control poll (wall time). A limit trips again "
            "only after its value has been back under it."
        ),
        examples=(
            """\
risk:
  account:
    max_loss: 1_000 USDT
    max_gross_exposure: 50_000 USDT
    action: kill
""",
        ),
    )
)
