"""Plans whose one scripted instance carries a given list of resolved risk checks (as the
compiler would put them in the Plan), and the rows a run leaves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine_builders import (
    BTC,
    SECOND,
    Act,
    Output,
    make_plan,
    run,
    scripted,
    scripted_strategy,
    trades,
)

from orderloom.dsl.plan import Feed, InstanceRisk, Instrument, RiskCheck, RiskLimits
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.events import MarketBatch

TAPE = trades([0, SECOND, 2 * SECOND, 3 * SECOND], [100.0] * 4, 50.0)


def check(kind: str, params: Any, instruments: Sequence[str] = ()) -> RiskCheck:
    return RiskCheck(kind, params, tuple(instruments))


def outcome(
    checks: Sequence[RiskCheck],
    acts: Sequence[Act],
    batches: Sequence[MarketBatch] | None = None,
    *,
    instruments: Sequence[Instrument] = (),
    feeds: Sequence[Feed] = (),
) -> tuple[StrategyEngine, Output]:
    ids = [i.id for i in instruments] or [BTC]
    risk = RiskLimits(instances=(InstanceRisk("script", tuple(checks)),))
    plan = make_plan(
        [scripted_strategy("script", ids)], instruments=instruments, feeds=feeds, risk=risk
    )
    return run(plan, "script", [list(batches or [TAPE])], factory=scripted(acts))


def events(out: Output) -> list[tuple[str, str, float, float]]:
    """(order id, check, limit, value) of every risk event."""
    return [
        (e["order_id"], e["check"], e["limit_value"], e["value"]) for e in out.dicts("risk_events")
    ]


def sent(out: Output) -> list[str]:
    """Ids of the orders that passed risk and went to the venue (a `new` row)."""
    return [r["order_id"] for r in out.where("orders", status="new")]


def rejected(out: Output) -> list[str]:
    return [r["order_id"] for r in out.where("orders", status="rejected")]
