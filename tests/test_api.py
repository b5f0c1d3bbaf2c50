"""The public Python API: load, compile, build_dataflow, run."""

from __future__ import annotations

from pathlib import Path

from bytewax.dataflow import Dataflow

import orderloom

ROOT = Path(__file__).resolve().parents[1]
TREND = ROOT / "pipelines" / "trend_following.yaml"


def test_load_merges_includes_with_positions() -> None:
    doc = orderloom.load(TREND)
    venues = doc.get("venues")
    assert venues is not None
    assert venues.span.file.endswith("pipelines/shared/sim.yaml")  # came from the include
    assert venues.span.line == 3


def test_compile_build_and_run(tmp_path: Path) -> None:
    plan = orderloom.compile(TREND, ["feeds.btc.count=2000", "feeds.eth.count=2000"])
    assert [s.name for s in plan.strategies] == ["trend[BTC/USDT@sim]", "trend[ETH/USDT@sim]"]
    assert isinstance(orderloom.build_dataflow(plan, "r", lambda _w: None), Dataflow)
    summary = orderloom.run(plan, "api-run", sink=f"chdb://{tmp_path / 'ch'}")
    assert summary.run_id == "api-run"
    assert summary.events == 4000  # both feeds, every record
    assert summary.dead_letters == 0
    assert summary.orders == summary.fills > 0
