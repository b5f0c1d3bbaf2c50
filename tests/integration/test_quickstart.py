"""The quickstart end to end, into embedded ClickHouse (chDB 26.x) and into a real
clickhouse-server (Debian 18.16): the same analytics rows in both."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import ANALYTICS, ROOT, cli, table_csv

QUICKSTART = str(ROOT / "examples" / "quickstart.yaml")

pytestmark = pytest.mark.slow


def test_quickstart_same_rows_in_chdb_and_server(tmp_path: Path, clickhouse_server: str) -> None:
    chdb = f"chdb://{tmp_path / 'ch'}"
    for sink in (chdb, clickhouse_server):
        cli("deploy", QUICKSTART, "--sink", sink, "--run-id", "qs", "--no-progress")
    for table in (*ANALYTICS, "market_trades"):
        embedded = table_csv(chdb, table, "qs")
        server = table_csv(clickhouse_server, table, "qs")
        assert embedded == server, f"{table} differs between chDB and clickhouse-server"
    orders = table_csv(chdb, "orders", "qs")
    assert len({row.split(",")[0] for row in orders}) == 60  # one child order per slice
    trades = table_csv(chdb, "market_trades", "qs")
    assert len(trades) == 15_549  # every record of examples/data/btc_trades.csv.gz


def test_quickstart_runs_row_and_summary(tmp_path: Path) -> None:
    sink = f"chdb://{tmp_path / 'ch'}"
    out = cli("deploy", QUICKSTART, "--sink", sink, "--run-id", "qs2", "--no-progress").stdout
    assert "events/s" in out
    runs = (
        cli(
            "sql",
            "SELECT pipeline, mode, events, orders, dead_letters FROM runs WHERE run_id = 'qs2'",
            "--sink",
            sink,
            "--format",
            "csv",
        )
        .stdout.strip()
        .splitlines()
    )
    assert runs[1].replace('"', "") == "btc-twap-quickstart,backtest,15549,60,0"


def test_runs_row_never_stores_the_sink_password(tmp_path: Path) -> None:
    pipeline = tmp_path / "secret.yaml"
    pipeline.write_text(
        Path(QUICKSTART)
        .read_text()
        .replace(
            "analytics: {kind: clickhouse}",
            'analytics: {kind: clickhouse, url: "clickhouse://desk:hunter2@db:9000/o"}',
        )
    )
    (tmp_path / "data").symlink_to(ROOT / "examples" / "data")
    sink = f"chdb://{tmp_path / 'ch'}"  # --sink wins over the pipeline's server
    cli("deploy", str(pipeline), "--sink", sink, "--run-id", "secret", "--no-progress")
    stored = cli(
        "sql", "SELECT plan_json FROM runs WHERE run_id = 'secret'", "--sink", sink,
        "--format", "csv",
    ).stdout  # fmt: skip
    assert "clickhouse://desk:***@db:9000/o" in stored
    assert "hunter2" not in stored
