"""Insert throughput of the analytics sinks: market batches (columnar) and row tuples, straight
into the store and through the BatchWriter, on embedded chDB and on a clickhouse-server.

    .venv/bin/python bench/sink_insert.py                 # chDB + a temporary local server
    .venv/bin/python bench/sink_insert.py --url clickhouse://host:9000/bench
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.fixtures (starts a throwaway server)

from orderloom.runtime.events import MarketBatch, QuoteBatch, TradeBatch  # noqa: E402
from orderloom.runtime.sinks.base import AnalyticsStore, open_store  # noqa: E402
from orderloom.runtime.sinks.writer import BatchWriter  # noqa: E402


def trades(n: int, offset: int, rng: np.random.Generator) -> TradeBatch:
    return TradeBatch(
        "bench-trades", "BTC/USDT", offset,
        1_700_000_000_000_000_000 + np.cumsum(rng.integers(1, 1_000_000, n)),
        40_000 + rng.standard_normal(n).cumsum(), rng.exponential(0.05, n),
        rng.choice(np.array([-1, 1], dtype=np.int8), n),
    )  # fmt: skip


def quotes(n: int, offset: int, rng: np.random.Generator) -> QuoteBatch:
    mid = 2_000 + rng.standard_normal(n).cumsum()
    return QuoteBatch(
        "bench-quotes", "ETH/USDT", offset, np.arange(offset, offset + n, dtype=np.int64),
        mid - 0.05, rng.uniform(0.1, 10, n), mid + 0.05, rng.uniform(0.1, 10, n),
    )  # fmt: skip


def fill_rows(n: int, start: int) -> list[tuple[object, ...]]:
    return [
        ("bench", f"f-{i}", f"o-{i // 3}", i, "twap", "BTC/USDT", "binance", 1, 40_000.5 + i,
         0.01, 0.0004, "USDT", "taker")
        for i in range(start, start + n)
    ]  # fmt: skip


def rate(rows: int, action: Callable[[], None], repeats: int) -> float:
    """Median of `repeats` runs: the machine is noisy and ClickHouse merges in the background."""
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        rates.append(rows / (time.perf_counter() - started))
    return statistics.median(rates)


def measure(store: AnalyticsStore, total: int, batch_rows: int, repeats: int) -> dict[str, float]:
    rng = np.random.default_rng(1)
    store.ensure_schema()
    store.insert_market("warmup", trades(1_000, 0, rng))
    figures: dict[str, float] = {}
    for name, make in (("trades", trades), ("quotes", quotes)):
        batches = [make(batch_rows, i * batch_rows, rng) for i in range(total // batch_rows)]

        def insert_all(batches: list[MarketBatch] = batches) -> None:
            for batch in batches:
                store.insert_market("bench", batch)

        figures[f"insert_market {name} ({batch_rows:,}/batch)"] = rate(total, insert_all, repeats)
    small = [trades(1_000, 10**9 + i * 1_000, rng) for i in range(total // 1_000)]

    def through_writer() -> None:
        with BatchWriter(store, flush_rows=250_000) as writer:
            for batch in small:
                writer.put_market("bench-w", batch)

    figures["BatchWriter trades (1,000/put)"] = rate(total, through_writer, repeats)
    rows = fill_rows(100_000, 0)
    figures["insert_rows fills (100,000/call)"] = rate(
        len(rows), lambda: store.insert_rows("fills", rows), repeats
    )
    return figures


@contextmanager
def temporary_server() -> Iterator[str | None]:
    from tests.fixtures.clickhouse_server import find_server_binary, running_clickhouse_server

    binary = find_server_binary()
    if binary is None:
        yield None
        return
    with tempfile.TemporaryDirectory() as tmp, running_clickhouse_server(Path(tmp), binary) as srv:
        yield srv.url("orderloom_bench")


def run_target(label: str, url: str, args: argparse.Namespace) -> None:
    with open_store(url) as store:
        print(f"{label} {store.server_version()} — {args.rows:,} rows per figure, "
              f"median of {args.repeats}")  # fmt: skip
        for what, per_s in measure(store, args.rows, args.batch, args.repeats).items():
            print(f"  {what:<40} {per_s / 1e6:6.2f} M rows/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="clickhouse:// URL of a server (default: start one)")
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows per measurement")
    parser.add_argument("--batch", type=int, default=500_000, help="rows per market batch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--target", help=argparse.SUPPRESS)  # internal: measure one URL
    args = parser.parse_args()
    if args.target:
        run_target(args.target, args.url, args)
        return
    with ExitStack() as stack:
        chdb_dir = stack.enter_context(tempfile.TemporaryDirectory())
        server_url = args.url or stack.enter_context(temporary_server())
        targets = [("chDB embedded", f"chdb://{chdb_dir}/ch")]
        if server_url:
            targets.append(("clickhouse-server", server_url))
        else:
            print("clickhouse-server not found: measuring chDB only")
        common = ["--rows", str(args.rows), "--batch", str(args.batch)]
        for label, url in targets:
            # One process per target: chDB's background merges would otherwise run on the
            # same two cores while the server is measured.
            subprocess.run(
                [sys.executable, __file__, "--target", label, "--url", url, *common,
                 "--repeats", str(args.repeats)],
                check=True,
            )  # fmt: skip


if __name__ == "__main__":
    main()
