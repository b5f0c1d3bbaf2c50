"""pipelines/cross_venue_arbitrage.yaml backtests into chDB, and its attempts are the ones an
independent replay of the rules finds on the quotes the run recorded: both venues' quotes
merged by time, the edge after taker fees and slippage worked out here for both directions,
each attempt's legs priced at the touches and sized by max_quantity, the shown sizes and the
room under max_position (from the fills before it), and no edge left untraded while the
strategy was free (after each attempt settled plus the cooldown)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, cli

BINANCE, OKX = "BTC/USDT@binance", "BTC/USDT@okx"
# The pipeline's parameters.
FEE = {BINANCE: 0.0010, OKX: 0.0008}
MIN_EDGE_BPS, SLIPPAGE_BPS, MAX_QTY, MAX_POSITION, LOT = 5.0, 2.0, 0.2, 1.0, 0.0001
COOLDOWN_NS = 500_000_000


def _rows(sink: str, sql: str) -> list[list[str]]:
    out = cli("sql", sql, "--sink", sink, "--format", "csv").stdout
    return [line.replace('"', "").split(",") for line in out.strip().splitlines()[1:]]


def best_edge(book: dict[str, tuple[float, float, float, float]]):
    """(edge bps after fees and slippage, buy leg, sell leg) of the better direction."""
    best = (-math.inf, "", "")
    for buy, sell in ((BINANCE, OKX), (OKX, BINANCE)):
        ask, bid = book[buy][2], book[sell][0]
        edge = (bid * (1 - FEE[sell]) - ask * (1 + FEE[buy])) / ask * 1e4 - SLIPPAGE_BPS
        best = max(best, (edge, buy, sell))
    return best


@pytest.mark.slow
def test_attempts_match_an_independent_replay_of_the_edge(tmp_path: Path) -> None:
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "pipelines/cross_venue_arbitrage.yaml"), "--sink", sink,
        "--run-id", "arb", "--no-progress")  # fmt: skip
    quotes = [
        (int(t), inst, float(b), float(bq), float(a), float(aq))
        for t, inst, b, bq, a, aq in _rows(
            sink,
            "SELECT ts_ns, instrument, bid_price, bid_qty, ask_price, ask_qty "
            "FROM market_quotes WHERE run_id = 'arb' ORDER BY ts_ns",
        )
    ]
    assert len({q[0] for q in quotes}) == len(quotes)  # no two venues quote at the same ns
    sent = [
        (oid, int(t), inst, int(side), kind, float(price), float(qty))
        for oid, t, inst, side, kind, price, qty in _rows(
            sink,
            "SELECT order_id, ts_ns, instrument, side, order_type, price, toFloat64(qty) "
            "FROM orders WHERE run_id = 'arb' AND seq = 1 ORDER BY order_id",
        )
    ]
    settled = {
        oid: int(t)
        for oid, t in _rows(
            sink,
            "SELECT order_id, ts_ns FROM orders WHERE run_id = 'arb' "
            "AND status IN ('filled', 'cancelled', 'rejected')",
        )
    }
    fills = [
        (int(t), inst, int(side), float(qty))
        for t, inst, side, qty in _rows(
            sink,
            "SELECT ts_ns, instrument, side, toFloat64(qty) FROM fills WHERE run_id = 'arb' "
            "ORDER BY ts_ns",
        )
    ]
    # An attempt is two legs sent at one time; hedges and unwinds go out alone.
    by_time: dict[int, list[tuple]] = {}
    for order in sent:
        by_time.setdefault(order[1], []).append(order)
    attempts = sorted(t for t, orders in by_time.items() if len(orders) == 2)
    followups = [o for t, orders in by_time.items() if len(orders) == 1 for o in orders]
    assert len(attempts) >= 15 and followups  # the tape makes both kinds

    # When each attempt is over: its legs' and follow-ups' last state change, plus cooldown.
    ids = [o[0] for o in sent]
    free_from = [0]
    for k, t in enumerate(attempts):
        first = ids.index(by_time[t][0][0])
        last = ids.index(by_time[attempts[k + 1]][0][0]) if k + 1 < len(attempts) else len(ids)
        free_from.append(max(settled[oid] for oid in ids[first:last]) + COOLDOWN_NS)

    book: dict[str, tuple[float, float, float, float]] = {}
    position = {BINANCE: 0.0, OKX: 0.0}
    f = 0
    k = 0
    for ts, inst, bid, bid_qty, ask, ask_qty in quotes:
        book[inst] = (bid, bid_qty, ask, ask_qty)
        while f < len(fills) and fills[f][0] < ts:
            position[fills[f][1]] += fills[f][2] * fills[f][3]
            f += 1
        if len(book) < 2:
            continue
        edge, buy, sell = best_edge(book)
        room = min(MAX_POSITION - position[buy], MAX_POSITION + position[sell])
        size = math.floor(min(MAX_QTY, book[buy][3], book[sell][1], room) / LOT + 1e-9) * LOT
        if k < len(attempts) and ts == attempts[k]:
            assert ts >= free_from[k]
            assert edge > MIN_EDGE_BPS
            legs = sorted((o[2], o[3], o[4], o[5], o[6]) for o in by_time[ts])
            want = sorted(
                [
                    (buy, 1, "limit", book[buy][2], pytest.approx(size)),
                    (sell, -1, "limit", book[sell][0], pytest.approx(size)),
                ]
            )
            assert legs == want
            k += 1
        elif k == len(attempts) or ts < attempts[k]:
            # Free and an edge with a size: the strategy would have traded here.
            free = ts >= free_from[k]
            assert not (free and edge > MIN_EDGE_BPS and size >= LOT), (ts, edge, size)
    assert k == len(attempts)

    # Hedges sell or buy the missing leg; unwinds close at market: the books end balanced.
    final = dict(
        _rows(
            sink,
            "SELECT instrument, toString(argMax(position, seq)) FROM positions "
            "WHERE run_id = 'arb' GROUP BY instrument",
        )
    )
    assert float(final[BINANCE]) + float(final[OKX]) == pytest.approx(0.0, abs=LOT / 2)
    assert {o[4] for o in followups} <= {"limit", "market"}
