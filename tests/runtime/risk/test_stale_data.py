"""Cancel-on-disconnect (`stale_after`), event time: when no market event arrives for longer
than stale_after, every open order is cancelled at exactly last event + stale_after, orders
are refused until the next event, and that event resumes trading. Timings are by hand in each
docstring (trades one second apart unless a gap is stated)."""

from __future__ import annotations

import dataclasses
from typing import Any

from engine_builders import (
    SECOND,
    Act,
    Output,
    ScriptedStrategy,
    make_plan,
    run,
    scripted_strategy,
    trades,
)

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Plan
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.strategies.base import StrategyContext, StrategySetup

STALE_AFTER = 5 * SECOND
VENUE = SimulatedVenueParams(latency_ns=1_000_000)


class Requoting(ScriptedStrategy):
    """The script, plus a limit buy at 50 from a timer at each of `timers_ns`, and a fresh
    limit buy at 50 whenever one of its orders is cancelled (a quoter keeping its quote up)."""

    def __init__(self, setup: StrategySetup, acts: list[Act], timers_ns: list[int]) -> None:
        super().__init__(setup, acts)
        self.timers_ns = timers_ns
        self.cancelled: list[tuple[str, int]] = []

    def on_start(self, ctx: StrategyContext) -> None:
        for ts in self.timers_ns:
            ctx.set_timer(ts, "quote")

    def on_timer(self, ctx: StrategyContext, tag: Any) -> None:
        self.placed.append(ctx.place(1, 1.0, 50.0))

    def on_cancel(self, ctx: StrategyContext, order: Order) -> None:
        self.cancelled.append((order.order_id, ctx.now_ns))
        self.placed.append(ctx.place(1, 1.0, 50.0))


def _plan(stale_after_ns: int) -> Plan:
    strategy = dataclasses.replace(scripted_strategy("quoter"), stale_after_ns=stale_after_ns)
    return make_plan([strategy], venue=VENUE)


def _run(stale_after_ns: int, seconds: list[int], acts: list[Act], timers_ns: list[int]) -> Any:
    tape = trades([s * SECOND for s in seconds], [100.0] * len(seconds), 1.0)
    return run(
        _plan(stale_after_ns),
        "quoter",
        [[tape]],
        factory=lambda setup: Requoting(setup, acts, timers_ns),
    )


def _events(out: Output) -> list[tuple[int, str, str, str, float, float]]:
    return [
        (e["ts_ns"], e["order_id"], e["check"], e["action"], e["limit_value"], e["value"])
        for e in out.dicts("risk_events")
    ]


def test_a_gap_longer_than_stale_after_cancels_refuses_and_resumes() -> None:
    """Trades at 0,1,2,3 s, then nothing until 20 s, then 21, 22 s; stale_after 5 s.
    Order 1 (limit buy @ 50) is placed at 1 s and rests. The data is stale from 3 + 5 = 8 s:
    order 1 is cancelled at 8 s, and the requote from on_cancel (order 2) is refused at 8 s;
    the timer at 10 s tries order 3: refused (gap so far 7 s). The trade at 20 s is fresh:
    resume at 20 s (gap 17 s), and order 4, placed on that event, is accepted and rests until
    the end of the replay (22 s); no second trip (gaps of 1 s)."""
    acts = [Act(1, 1, 1.0, 50.0), Act(4, 1, 1.0, 50.0)]
    engine, out = _run(STALE_AFTER, [0, 1, 2, 3, 20, 21, 22], acts, [10 * SECOND])
    limit = float(STALE_AFTER)
    assert _events(out) == [
        (8 * SECOND, "", "stale_data", "cancel_all", limit, 5.0 * SECOND),
        (8 * SECOND, "quoter-000002", "stale_data", "reject", limit, 5.0 * SECOND),
        (10 * SECOND, "quoter-000003", "stale_data", "reject", limit, 7.0 * SECOND),
        (20 * SECOND, "", "stale_data", "resume", limit, 17.0 * SECOND),
    ]
    final = {r["order_id"]: (r["status"], r["ts_ns"]) for r in out.dicts("orders")}
    assert final["quoter-000001"] == ("cancelled", 8 * SECOND)
    assert final["quoter-000002"][0] == "rejected"
    assert final["quoter-000003"][0] == "rejected"
    assert final["quoter-000004"] == ("cancelled", 22 * SECOND)  # working until end of replay
    assert engine.strategy.cancelled[0] == ("quoter-000001", 8 * SECOND)
    assert engine.ctx.stale_saved is None and engine.ctx.gate_until_ns == -1


def test_gaps_up_to_stale_after_change_nothing() -> None:
    """Gaps of 4 s and of exactly 5 s (3 → 8 s) are not longer than stale_after 5 s: the
    orders, their times and statuses are those of the same run without stale_after, and no
    risk event is written; the timer's order at 6 s (inside the 5 s gap) is accepted."""
    seconds = [0, 1, 2, 3, 8, 12, 13]
    acts = [Act(1, 1, 1.0, 50.0)]
    _, guarded = _run(STALE_AFTER, seconds, acts, [6 * SECOND])
    _, plain = _run(0, seconds, acts, [6 * SECOND])
    assert guarded.dicts("risk_events") == []
    assert guarded.rows["orders"] == plain.rows["orders"]
    final = {r["order_id"]: (r["status"], r["ts_ns"]) for r in guarded.dicts("orders")}
    # Both rest until the end of the replay at 13 s.
    assert final == {
        "quoter-000001": ("cancelled", 13 * SECOND),
        "quoter-000002": ("cancelled", 13 * SECOND),
    }


def test_the_deadline_is_re_armed_once_per_period_not_per_event() -> None:
    """10 s of trades 1 ms apart (10 000 events) with stale_after 1 s: the deadline timer is
    armed at start and then re-armed when it fires, about once per second (≤ 11 pushes),
    besides the one PnL mark timer; without stale_after only the mark timer is pushed."""
    seconds_ms = list(range(10_000))

    def pushes(stale_after_ns: int) -> int:
        tape = trades([ms * 1_000_000 for ms in seconds_ms], [100.0] * len(seconds_ms), 1.0)
        engine, out = run(
            _plan(stale_after_ns), "quoter", [[tape]], factory=lambda s: Requoting(s, [], [])
        )
        assert out.dicts("risk_events") == []
        return engine.clock._seq - 1  # every push takes one sequence number

    assert pushes(0) == 1
    assert 10 <= pushes(SECOND) <= 12


def test_fresh_data_does_not_lift_a_kill() -> None:
    """Trades at 0..3 s, a kill between batches, then trades at 20, 21 s: the gap trips the
    stale gate at 8 s and fresh data lifts it at 20 s, but the kill still holds (the
    strategy's order from its timer at 21 s is refused by the kill switch); an explicit
    resume reopens the gate."""
    engine = StrategyEngine(
        _plan(STALE_AFTER),
        "quoter",
        "run-1",
        strategy_factory=lambda setup: Requoting(setup, [], [21 * SECOND]),
    )
    out = Output()
    out.add(engine.on_batches([trades([0, SECOND, 2 * SECOND, 3 * SECOND], [100.0] * 4)]))
    engine.kill("kill_switch", "test")
    out.add(engine.on_batches([trades([20 * SECOND, 21 * SECOND, 22 * SECOND], [100.0] * 3)]))
    assert [(e[0], e[2], e[3]) for e in _events(out)] == [
        (3 * SECOND, "kill_switch", "kill"),
        (8 * SECOND, "stale_data", "cancel_all"),
        (20 * SECOND, "stale_data", "resume"),
        (21 * SECOND, "kill_switch", "reject"),
    ]
    engine.resume("kill_switch", "test")
    assert engine.ctx.gate_until_ns == -1 and not engine.killed
