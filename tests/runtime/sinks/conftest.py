"""Fixtures for the sink tests: a store on each backend (schema applied) and sample rows for
every analytics table, chosen to hit edges (quotes, unicode, extreme integers, 12-place
decimals, floats that do not round-trip through text carelessly)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from orderloom.runtime.sinks.base import AnalyticsStore, open_store

BACKENDS = ["chdb", pytest.param("server", marks=pytest.mark.server)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest) -> str:
    name = "chdb_url" if request.param == "chdb" else "clickhouse_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def store(store_url: str) -> Iterator[AnalyticsStore]:
    with open_store(store_url) as opened:
        opened.ensure_schema()
        yield opened


SAMPLE_ROWS: dict[str, list[tuple[object, ...]]] = {
    "runs": [
        ("run-1", "twap.yaml", "backtest", 1_700_000_000_000_000_000, 1_700_000_060_123_456_789,
         2, 1, 18_446_744_073_709_551_615, 0, 12, 9, -1234.5678, '{"a": "ü\'\\""}'),
        ("run-2", "mm.yaml", "paper", -1, 0, 4_294_967_295, 0, 0, 3, 0, 0, 0.1, ""),
    ],
    "market_trades": [
        ("run-1", "binance", "BTC/USDT", 0, 1_700_000_000_000_000_001, 43_210.12, 0.001, 1),
        ("run-1", "binance", "BTC/USDT", 18_446_744_073_709_551_615, -5, 1e-300, 1e300, -1),
    ],
    "market_quotes": [
        ("run-1", "binance", "ETH/USDT", 7, 1_700_000_000_000_000_002, 2_250.5, 3.25, 2_250.75,
         0.5),
        ("run-1", "okx", "ETH/USDT", 7, 1, 0.30000000000000004, 1.0, 2.0, 5e-324),
    ],
    "market_book": [
        ("run-1", "binance", "BTC/USDT", 0, 1_700_000_000_000_000_003, 9_223_372_036_854_775_807,
         1, 1, 43_210.1, 0.0),
        ("run-1", "binance", "BTC/USDT", 1, -7, -1, 2, -1, 0.30000000000000004, 5e-324),
    ],
    "orders": [
        ("run-1", "o-1", 0, 10, "twap", "BTC/USDT", "binance", 1, "limit", 43_000.0, 0.5,
         "new", 0.0, 0.0, ""),
        ("run-1", "o-1", 1, 11, "twap", "BTC/USDT", "binance", 1, "limit", 43_000.0, 0.5,
         "partially_filled", 0.25, 42_999.5, "it's \"partial\""),
        ("run-1", "o-2", 0, 12, "twap", "BTC/USDT", "binance", -1, "market", 0.0, 1.0,
         "rejected", 0.0, 0.0, "risk: max_notional"),
    ],
    "fills": [
        ("run-1", "f-1", "o-1", 11, "twap", "BTC/USDT", "binance", 1, 42_999.5, 0.25,
         Decimal("0.010749875000"), "USDT", "taker"),
        ("run-1", "f-2", "o-1", 12, "twap", "BTC/USDT", "binance", 1,
         Decimal("12345678901234.123456789012"), "0.000000000001", 0, "USDT", "maker"),
    ],
    "positions": [
        ("run-1", "twap", "BTC/USDT", 0, 11, 0.25, 42_999.5, Decimal("-0.5")),
        ("run-1", "twap", "BTC/USDT", 1, 12, Decimal("-99999999999999.999999999999"), 0.1, 0.1),
    ],
    "pnl": [
        ("run-1", "twap", 0, 100, 0.25, 43_100.0, 0, 25.125, 0.010749875, "25.114250125"),
        ("run-2", "mm", 0, 100, -1.5, 2_250.5, -0.1, -0.2, 0.3, -0.6),
    ],
    "risk_events": [
        ("run-1", "r-1", 12, "twap", "o-2", "max_notional", 100_000.0, 250_000.0, "reject",
         "notional 250000 exceeds 100000"),
    ],
    "dead_letters": [
        ("run-1", "binance", 42, 0, "price is not a number", "1700000000,abc,1.0,buy"),
        ("run-1", "binance", 43, 1_700_000_000_000_000_000, "unicode", "价格,€,\t,\\n"),
    ],
    "bars": [
        ("run-1", "BTC/USDT@sim", 60, 1_700_000_040_000_000_000, 1_700_000_100_000_000_000,
         "btc", 43_210.12, 43_300.0, 43_100.5, 0.30000000000000004, 12.5, 43_205.1234567, 240,
         0, 239),
        ("run-1", "BTC/USDT@sim", 86_400, -86_400_000_000_000, 0, "bøt", 1e-300, 1e300, 5e-324,
         1.0, 0.0, 2.5, 18_446_744_073_709_551_615, 18_446_744_073_709_551_615, 0),
    ],
    "research_runs": [
        ("as-study", "inventory", 200, 7, 62.94, 5.89, 0.1, 2.8, 103.5),
        ("as-study", "symmetric", 200, 7, 67.21, 13.43, -0.25, 8.66, 110.25),
    ],
    "routing_decisions": [
        ("run-1", "s-000001", 3, "buy", "BTC/USDT", 1, 3.0, "sweep", "rule 1",
         '{"a":[[100.0,1.0]],"b":[[100.05,2.0]]}',
         '[{"id":"s-000001-c1","venue":"a","qty":1.0,"price":100.0}]', 100.0333333333333),
        ("run-1", "s-000002", -1, "sëll", "ETH/USDT", -1, 5e-324, "b", "default", "{}", "[]",
         1e300),
    ],
    "sweep_points": [
        ("as-sweep", 0, "as-sweep-p000", "inventory", '{"strategies.inventory.gamma": 0.01}',
         200, "sharpe", 9.5, 2),
        ("as-sweep", 1, "as-sweep-p001", "inventory", '{"strategies.inventory.gamma": "ü"}',
         200, "sharpe", -1e-300, 3),
    ],
}  # fmt: skip


@pytest.fixture
def sample_rows() -> dict[str, list[tuple[object, ...]]]:
    return SAMPLE_ROWS
