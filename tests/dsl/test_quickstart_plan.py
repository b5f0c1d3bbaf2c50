"""The quickstart compiles to the Plan the README describes, and Plans survive JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from orderloom.dsl.compiler import compile_file
from orderloom.dsl.kinds.replay import ReplayParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.kinds.twap import TwapParams
from orderloom.dsl.plan import Plan
from orderloom.dsl.plan_format import format_plan

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart.yaml"


def test_quickstart_compiles_to_the_expected_plan() -> None:
    plan = compile_file(QUICKSTART)
    assert plan.name == "btc-twap-quickstart"
    (inst,) = plan.instruments
    assert (inst.id, inst.base, inst.quote, inst.venue) == ("BTC/USDT@sim", "BTC", "USDT", "sim")
    assert (inst.tick_size, inst.lot_size, inst.min_notional) == (0.01, 0.0001, 0.0)

    (venue,) = plan.venues
    assert venue.kind == "simulated"
    # 5ms = 5 * 10^6 ns; 1bps = 1/10_000 of notional, kept in bps.
    assert venue.params == SimulatedVenueParams(
        latency_ns=5_000_000, maker_fee_bps=1.0, taker_fee_bps=5.0
    )

    (feed,) = plan.feeds
    assert (feed.name, feed.kind, feed.schema, feed.instrument) == (
        "btc_trades",
        "replay",
        "trades",
        "BTC/USDT@sim",
    )
    assert isinstance(feed.params, ReplayParams)
    assert Path(feed.params.path) == ROOT / "examples" / "data" / "btc_trades.csv.gz"
    assert feed.params.format == "csv.gz"

    (twap,) = plan.strategies
    assert (twap.name, twap.kind, twap.venue, twap.instruments) == (
        "buy_twap",
        "twap",
        "sim",
        ("BTC/USDT@sim",),
    )
    params = twap.params
    assert isinstance(params, TwapParams)
    start = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()) * 10**9
    assert start == 1_704_067_200_000_000_000
    assert (params.side, params.quantity, params.slices) == ("buy", 5.0, 60)
    assert (params.start_ns, params.duration_ns) == (start, 3_600 * 10**9)
    assert params.limit_price is not None
    assert params.limit_price.type == "price"
    assert params.limit_price.source == "last * (1 + 10bps)"
    assert (params.limit_price.span.line, params.limit_price.span.col) == (28, 18)

    assert plan.risk.max_order_notional == 50_000
    assert plan.risk.notional_currency == "USDT"
    assert plan.risk.position_limit("BTC/USDT@sim") == 10
    assert plan.routing.default == "sim"
    (sink,) = plan.sinks
    assert (sink.name, sink.kind, sink.url, sink.database) == (
        "analytics",
        "clickhouse",
        None,
        "orderloom",
    )


def test_plan_json_round_trip_is_exact() -> None:
    plan = compile_file(QUICKSTART)
    again = Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan
    assert again.dumps() == plan.dumps()


def test_plan_formats() -> None:
    plan = compile_file(QUICKSTART)
    text = format_plan(plan, "text")
    assert "buy_twap  twap BTC/USDT@sim -> sim" in text
    assert "latency=5ms" in text and "start=2024-01-01T00:00:00Z" in text
    assert json.loads(format_plan(plan, "json"))["strategies"][0]["params"]["slices"] == 60
    dot = format_plan(plan, "dot")
    assert dot.startswith('digraph "btc-twap-quickstart" {')
    for edge in (
        '"feed:btc_trades" -> "strategy:buy_twap"',
        '"strategy:buy_twap" -> "risk"',
        '"risk" -> "venue:sim"',
        '"venue:sim" -> "sink:analytics"',
    ):
        assert edge in dot
