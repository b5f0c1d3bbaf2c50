"""`kind: python` at run time: the engine drives the user's own Strategy object (no wrapper),
built with the setup, reading `params:` through user_params, with every callback of the
interface called as documented (event time, fills after latency, rejects inside place,
cancels after latency, timers, stop)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from engine_builders import (
    BTC,
    ETH,
    MS,
    SECOND,
    instrument,
    make_plan,
    run,
    signal_strategy,
    trade_feed,
    trades,
)

from orderloom.dsl.kinds.python import PythonParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import RiskLimits, Strategy
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.strategies.base import StrategySetup
from orderloom.runtime.strategies.python import PythonStrategy, user_params

T0 = 1_700_000_000 * SECOND

RECORDER = """\
from orderloom.runtime.strategies.base import Strategy
from orderloom.runtime.strategies.python import user_params


class Recorder(Strategy):
    def __init__(self, setup):
        super().__init__(setup)
        self.params = user_params(setup)
        self.eth = setup.slot("ETH/USDT@sim")
        self.calls = []
        self.events = 0
        self.resting = None

    def on_start(self, ctx):
        self.calls.append(("start", ctx.now_ns))
        ctx.set_timer(ctx.now_ns + self.params["cancel_after_ns"], "cancel")

    def on_market(self, ctx, slot):
        self.events += 1
        if self.events == 3:
            ctx.place(1, self.params["qty"])  # market buy on slot 0
            ctx.place(1, 50.0)  # refused by max_position
        if self.events == 4:
            self.resting = ctx.place(1, 0.5, ctx.state.last[self.eth] - 10, self.eth)

    def on_timer(self, ctx, tag):
        self.calls.append(("timer", ctx.now_ns, tag))
        ctx.cancel(self.resting)

    def on_fill(self, ctx, order, fill):
        self.calls.append(("fill", fill.ts_ns, fill.slot, fill.side, fill.qty, fill.price))

    def on_reject(self, ctx, order, reason):
        self.calls.append(("reject", ctx.now_ns, order.qty))

    def on_cancel(self, ctx, order):
        self.calls.append(("cancel", ctx.now_ns, order.slot, order.status))

    def on_stop(self, ctx):
        self.calls.append(("stop", ctx.now_ns, ctx.position(0), ctx.position(self.eth)))
"""


def python_strategy(folder: Path, class_path: str, params: dict) -> Strategy:
    node = PythonParams(class_path, str(folder), BTC, (ETH,), params)
    return Strategy("mine", "mine", "python", (BTC, ETH), "sim", node)


def test_engine_drives_the_users_object_through_every_callback(tmp_path: Path):
    """BTC prints every second from T0 (prices 100, 101, ...), ETH half a second later
    (200, 201, ...); latency 5 ms, max_position 10 BTC. Expected by hand:
    - on_start at T0, the first event; the timer fires at T0 + 3.2 s;
    - event 3 (T0 + 1 s, BTC) buys 0.25 BTC at market: it fills at the next BTC print at or
      after T0 + 1.005 s, i.e. T0 + 2 s at 102; the 50 BTC order is refused inside place;
    - event 4 (T0 + 1.5 s, ETH) rests a buy of 0.5 ETH at 201 − 10; the timer's cancel
      takes effect 5 ms later, at T0 + 3.205 s;
    - on_stop at the last event (T0 + 5.5 s) holding 0.25 BTC and no ETH."""
    (tmp_path / "desk_rec_mod.py").write_text(RECORDER)
    params = {"qty": 0.25, "cancel_after_ns": 3_200 * MS}
    plan = make_plan(
        [python_strategy(tmp_path, "desk_rec_mod:Recorder", params)],
        instruments=[instrument(BTC), instrument(ETH)],
        feeds=[trade_feed("btc", BTC), trade_feed("eth", ETH)],
        venue=SimulatedVenueParams(latency_ns=5 * MS),
        risk=RiskLimits(max_position=((BTC, 10.0),)),
    )
    btc = trades([T0 + k * SECOND for k in range(6)], [100.0 + k for k in range(6)], feed="btc")
    eth_times = [T0 + k * SECOND + 500 * MS for k in range(6)]
    eth = trades(eth_times, [200.0 + k for k in range(6)], feed="eth", instrument_id=ETH)
    engine, out = run(plan, "mine", [[btc, eth]])

    strategy = engine.strategy
    assert type(strategy).__name__ == "Recorder" and not isinstance(strategy, PythonStrategy)
    assert strategy.params == params
    assert strategy.calls == [
        ("start", T0),
        ("reject", T0 + SECOND, 50.0),
        ("fill", T0 + 2 * SECOND, 0, 1, 0.25, 102.0),
        ("timer", T0 + 3_200 * MS, "cancel"),
        ("cancel", T0 + 3_205 * MS, 1, "cancelled"),
        ("stop", T0 + 5_500 * MS, 0.25, 0.0),
    ]
    assert [r["status"] for r in out.where("orders", instrument=ETH)] == [
        "new",
        "accepted",
        "cancelled",
    ]


def test_the_module_is_imported_from_its_folder_and_the_folder_stays_on_sys_path(
    tmp_path: Path,
):
    (tmp_path / "desk_keep_mod.py").write_text(RECORDER)
    setup_plan = make_plan(
        [python_strategy(tmp_path, "desk_keep_mod:Recorder", {"qty": 1, "cancel_after_ns": 1})],
        instruments=[instrument(BTC), instrument(ETH)],
        feeds=[trade_feed("btc", BTC), trade_feed("eth", ETH)],
    )
    try:
        engine = StrategyEngine(setup_plan, "mine", "run-1")
        assert str(tmp_path) in sys.path  # code the strategy imports later finds its siblings
    finally:
        if str(tmp_path) in sys.path:
            sys.path.remove(str(tmp_path))
    assert engine.strategy.setup.node.name == "mine"


def test_a_class_that_no_longer_imports_fails_the_run_with_the_strategy_name(tmp_path: Path):
    plan = make_plan(
        [python_strategy(tmp_path, "desk_gone_mod:Recorder", {})],
        instruments=[instrument(BTC), instrument(ETH)],
        feeds=[trade_feed("btc", BTC), trade_feed("eth", ETH)],
    )
    with pytest.raises(RuntimeError, match=r"strategy 'mine': no module named 'desk_gone_mod'"):
        StrategyEngine(plan, "mine", "run-1")
    sys.path.remove(str(tmp_path))


def test_user_params_refuses_other_kinds():
    plan = make_plan([signal_strategy()])
    node = plan.strategies[0]
    setup = StrategySetup(node, (instrument(BTC),), (), None)
    with pytest.raises(TypeError, match="is of kind 'signal', not 'python'"):
        user_params(setup)
