"""Pipeline tests whose tapes carry L2 book events: a signal on `imbalance`/`microprice` and a
fixed_spread market maker run on the real engine, book events pass the replay sanity stage
(refusals are dead letters a test can expect, and fail it when it does not), and failures
stay readable. Expected times and prices are worked out by hand in each test."""

from __future__ import annotations

import math
from pathlib import Path

from orderloom.dsl.testfile import load_test_file
from orderloom.runtime.pipeline_tests import PipelineTestResult, run_file

ROOT = Path(__file__).resolve().parents[2]
BOOK_DATA = ROOT / "examples" / "data" / "btc_book.csv.gz"

PIPELINE = """\
orderloom: 1
name: book-tests
instruments:
  BTC/USDT@sim: {{tick_size: 0.1, lot_size: 0.0001}}
venues:
  sim: {{kind: simulated, fees: {{maker: 1bps, taker: 5bps}}}}
feeds:
  btc_book: {{kind: replay, path: {data}, schema: book, instrument: BTC/USDT@sim}}
strategies:
{strategy}
risk:
  max_order_notional: 5_000 USDT
  max_position: {{BTC/USDT@sim: 0.1}}
routing:
  default: sim
"""

LEAN = """\
  lean:
    kind: signal
    instrument: BTC/USDT@sim
    target: "if imbalance(BTC/USDT@sim, 2) > 0.5 and microprice(BTC/USDT@sim) > mid \
then 0.01 else 0"
"""

QUOTER = """\
  quoter:
    kind: market_maker
    model: fixed_spread
    instrument: BTC/USDT@sim
    spread: 10bps
    quantity: 0.01
"""


def _run(tmp_path: Path, strategy: str, tests: str) -> list[PipelineTestResult]:
    (tmp_path / "book.yaml").write_text(PIPELINE.format(data=BOOK_DATA, strategy=strategy))
    path = tmp_path / "book_test.yaml"
    path.write_text("start: 2024-01-01T00:00:00Z\ntests:\n" + tests)
    return run_file(load_test_file(path))


def _imbalance(bids: list[tuple[float, float]], asks: list[tuple[float, float]], n: int) -> float:
    b = sum(q for _, q in sorted(bids, reverse=True)[:n])
    a = sum(q for _, q in sorted(asks)[:n])
    return (b - a) / (b + a)


def _microprice(bids: list[tuple[float, float]], asks: list[tuple[float, float]]) -> float:
    (bid, bid_qty), (ask, ask_qty) = max(bids), min(asks)
    return (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)


def test_signal_on_imbalance_and_microprice_buys_at_the_first_leaning_book(
    tmp_path: Path,
) -> None:
    """Deltas grow the size at the best bid one second apart; the signal buys 0.01 at the
    first event where imbalance over 2 levels passes 0.5 and the microprice is above the mid,
    and the market order fills at the best ask, 42001 (taker fee 5bps)."""
    bids = {41999.0: 1.0, 41998.0: 1.0}
    asks = {42001.0: 1.0, 42002.0: 1.0}
    sizes = [2.0, 3.0, 4.0, 6.0, 8.0]
    lines = [
        "        - {t: 0s, book: {bids: [[41999, 1], [41998, 1]], asks: [[42001, 1], [42002, 1]]}}"
    ]
    first_buy = None
    for k, size in enumerate(sizes, start=1):
        lines.append(f"        - {{t: {k}s, delta: {{bids: [[41999, {size:g}]]}}}}")
        bids[41999.0] = size
        levels_b, levels_a = list(bids.items()), list(asks.items())
        leaning = _imbalance(levels_b, levels_a, 2) > 0.5
        if first_buy is None and leaning and _microprice(levels_b, levels_a) > 42000.0:
            first_buy = k
    lines.append(f"        - {{t: {len(sizes) + 1}s, delta: {{asks: [[42010, 1]]}}}}")
    # size 4: (5 - 2) / 7 = 0.43; size 6: (7 - 2) / 9 = 0.56 → the 4th delta, at 4s
    assert first_buy == 4
    fee = 42001 * 0.01 * 5e-4
    tests = (
        "  - name: leaning book\n    tape:\n      BTC/USDT@sim:\n"
        + "\n".join(lines)
        + "\n    expect:\n      orders:\n"
        + f"        - {{side: buy, type: market, qty: 0.01, at: {first_buy}s, count: 1}}\n"
        + "      fills:\n"
        + f"        - {{side: buy, price: 42001, fee: {fee!r}, at: {first_buy}s, count: 1}}\n"
        + "      positions: {BTC/USDT@sim: 0.01}\n"
    )
    (result,) = _run(tmp_path, LEAN, tests)
    assert result.passed, [f.lines() for f in result.failures]


def test_fixed_spread_maker_quotes_around_the_book_mid(tmp_path: Path) -> None:
    """fixed_spread 10bps quotes mid·(1 ∓ 5bps), bids rounded down and asks up to the
    0.1 tick. Snapshot mid (41999 + 42001) / 2 = 42000: bid 41979, ask 42021. At 1s a new
    ask level 42011 arrives, then 42001 is removed: mid (41999 + 42011) / 2 = 42005, bid
    42005 − 21.0025 = 41983.9975 → 41983.9, ask 42026.0025 → 42026.1; the move is well over
    a tick, so both quotes are replaced. Nothing trades, so no fills."""
    mid0, mid1 = (41999 + 42001) / 2, (41999 + 42011) / 2
    half = 5e-4
    quotes = [
        (0, "buy", mid0 * (1 - half), "cancelled"),
        (0, "sell", mid0 * (1 + half), "cancelled"),
        (1, "buy", mid1 * (1 - half), "cancelled"),
        (1, "sell", mid1 * (1 + half), "cancelled"),
    ]
    expected = []
    for t, side, raw, status in quotes:
        ticks = raw / 0.1
        # bids down, asks up (within float noise: 41979 is 419790 ticks, not 419789)
        rounded = (math.floor(ticks + 1e-6) if side == "buy" else math.ceil(ticks - 1e-6)) / 10
        expected.append(
            f"        - {{at: {t}s, side: {side}, type: limit, qty: 0.01, price: {rounded!r}, "
            f"status: {status}, count: 1}}"
        )
    assert [e.split("price: ")[1].split(",")[0] for e in expected] == [
        "41979.0",
        "42021.0",
        "41983.9",
        "42026.1",
    ]
    tests = (
        "  - name: quotes follow the mid\n    tape:\n      BTC/USDT@sim:\n"
        "        - {t: 0s, book: {bids: [[41999, 2]], asks: [[42001, 1], [42020, 1]]}}\n"
        "        - {t: 1s, delta: {asks: [[42011, 2], [42001, 0]]}}\n"
        "        - {t: 2s, delta: {bids: [[41990, 1]]}}\n"
        "    expect:\n      orders:\n" + "\n".join(expected) + "\n"
        "        - {count: 4}\n"
        "      fills: {count: 0}\n"
    )
    (result,) = _run(tmp_path, QUOTER, tests)
    assert result.passed, [f.lines() for f in result.failures]


def test_failures_and_unexpected_dead_letters_read_in_the_test_files_syntax(
    tmp_path: Path,
) -> None:
    """A wrong price fails with expected/received rows; a crossed snapshot the test does not
    expect fails at its own line with the sanity stage's reason."""
    tests = (
        "  - name: crossed\n    tape:\n      BTC/USDT@sim:\n"
        "        - {t: 0s, book: {bids: [[41999, 2]], asks: [[42001, 1]]}}\n"
        "        - {t: 1s, book: {bids: [[42005, 2]], asks: [[42001, 1]]}}\n"
        "        - {t: 2s, delta: {bids: [[41990, 1]]}}\n"
        "    expect:\n      orders:\n"
        "        - {at: 0s, side: buy, price: 41980}\n"
    )
    (result,) = _run(tmp_path, QUOTER, tests)
    path = tmp_path / "book_test.yaml"
    lines = [line for f in result.failures for line in f.lines()]
    assert lines == [
        f"{path}:11:11: orders",
        "  expected: an order matching {at: 0s, side: buy, price: 41980}",
        "  received: none among 2 orders:",
        "    {strategy: quoter, instrument: BTC/USDT@sim, venue: sim, side: buy, type: limit, "
        "qty: 0.01, price: 41979, status: cancelled, filled_qty: 0, at: 0s, "
        "reason: 'end of replay'}",
        "    {strategy: quoter, instrument: BTC/USDT@sim, venue: sim, side: sell, type: limit, "
        "qty: 0.01, price: 42021, status: cancelled, filled_qty: 0, at: 0s, "
        "reason: 'end of replay'}",
        f"{path}:7:11: dead_letters",
        "  expected: no dead letters (list them under `expect: dead_letters:` if the tape "
        "means to send refused book events)",
        "  received: 3 dead letters:",
        "    {instrument: BTC/USDT@sim, at: 1s, reason: 'crossed snapshot seq 2: best bid "
        "42005.0 >= best ask 42001.0'}",
        "    {instrument: BTC/USDT@sim, at: 1s, reason: 'crossed snapshot seq 2: best bid "
        "42005.0 >= best ask 42001.0'}",
        "    {instrument: BTC/USDT@sim, at: 2s, reason: 'book waits for a snapshot (crossed "
        "snapshot at offset 2): delta ignored'}",
    ]


def test_trades_beside_book_events_fill_the_makers_quote(tmp_path: Path) -> None:
    """Trades on the same instrument as book events go to their own trades feed: a print at
    41970, through the maker's resting bid at 41979 (mid 42000 − 5bps), fills it whole at
    its limit as maker (fee 41979 · 0.01 · 1bps); the book alone never fills it."""
    fee = 41979 * 0.01 * 1e-4
    tests = (
        "  - name: a print through the bid\n    tape:\n      BTC/USDT@sim:\n"
        "        - {t: 0s, book: {bids: [[41999, 2]], asks: [[42001, 1]]}}\n"
        "        - {t: 1s, price: 41970, qty: 1}\n"
        "        - {t: 2s, delta: {asks: [[42010, 1]]}}\n"
        "    expect:\n"
        "      fills:\n"
        f"        - {{side: buy, qty: 0.01, price: 41979, fee: {fee!r}, liquidity: maker, "
        "at: 1s, count: 1}\n"
        "      positions: {BTC/USDT@sim: 0.01}\n"
    )
    (result,) = _run(tmp_path, QUOTER, tests)
    assert result.passed, [f.lines() for f in result.failures]
