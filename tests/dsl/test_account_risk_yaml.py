"""Account-level risk in YAML: the top-level `account:` name, `risk: account:` limits (kept
whole on the Plan, never split into instance budgets), `max_loss` with `period: daily`, and
`max_position_age`, with the messages for the usual mistakes."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.risk_account import AccountLimitParams
from orderloom.dsl.kinds.risk_loss import MaxLossParams
from orderloom.dsl.kinds.risk_position_age import MaxPositionAgeParams
from orderloom.dsl.plan import Plan

from .test_risk_yaml import BASE, MM_BTC, checks, compiled

MINUTE_NS = 60_000_000_000


def test_account_defaults_and_limits_stay_whole() -> None:
    plan = compiled(
        "  account:\n"
        "    - {max_loss: 1_000 USDT, max_gross_exposure: 50_000 USDT}\n"
        "    - {max_drawdown: 400 USDT, action: halt 5m, every: 10s}\n"
    )
    assert plan.account == "default"
    assert plan.risk.account == (
        AccountLimitParams(max_loss=1000.0, max_gross_exposure=50_000.0, currency="USDT"),
        AccountLimitParams(
            max_drawdown=400.0,
            action="halt",
            halt_ns=5 * MINUTE_NS,
            every_ns=10_000_000_000,
            currency="USDT",
        ),
    )
    assert all(c.kind != "account" for i in plan.risk.instances for c in i.checks)
    assert Plan.from_json(plan.to_json()) == plan


def test_top_level_account_name() -> None:
    plan = compile_text("account: desk-1\n" + BASE + "  max_loss: 10 USDT\n", "p.yaml", env={})
    assert plan.account == "desk-1"
    with pytest.raises(ConfigError, match="account"):
        compile_text("account: 'a b'\n" + BASE + "  max_loss: 10 USDT\n", "p.yaml", env={})


def test_daily_max_loss_and_position_age() -> None:
    plan = compiled(
        "  max_loss: [{limit: 300 USDT}, {limit: 90 USDT, period: daily}]\n  max_position_age: 4h\n"
    )
    assert [c.params.period for c in checks(plan, MM_BTC, "max_loss")] == ["run", "daily"]
    assert isinstance(checks(plan, MM_BTC, "max_loss")[1].params, MaxLossParams)
    [age] = checks(plan, MM_BTC, "max_position_age")
    assert age.params == MaxPositionAgeParams(240 * MINUTE_NS, "flatten", 0.0)


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("  account: {max_loss: 10 USDT, action: explode}\n", "unknown account action 'explode'"),
        ("  account: {max_loss: 10 USDT, action: kill 5m}\n", "only halt takes a duration"),
        ("  account: {action: kill}\n", "an account entry needs a limit"),
        ("  account: {max_loss: -5 USDT}\n", "max_loss must be more than 0"),
        ("  account: {max_loss: 10 USDT, max_gross_exposure: 5 BTC}\n", "mix currencies"),
        ("  max_loss: {limit: 10 USDT, period: weekly}\n", "weekly"),
        ("  max_position_age: {max_age: 1h, action: kill, band: 5bps}\n", "`band` applies"),
        ("  max_position_age: 0s\n", "max_age must be more than 0"),
    ],
)
def test_mistakes(snippet: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        compiled(snippet)
    assert message in str([d.message for d in error.value.diagnostics])
