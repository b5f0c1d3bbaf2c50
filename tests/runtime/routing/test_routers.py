"""Smart order routers against known books on three venues (routing_scenario.BOOKS):

    venue  taker fee  bid (size)     ask (size)
    a      10 bps     99.90 (1.0)    100.00 (1.0)
    b       2 bps     99.95 (2.0)    100.05 (2.0)
    c      20 bps     99.97 (0.5)     99.98 (0.5)

Each test computes the allocation by hand in its docstring and checks the child orders in
`routing_decisions`, the fills and the parent's average price (the simulated venue fills a
market order at the touch)."""

from __future__ import annotations

import json

import pytest
from engine_builders import Act
from routing_scenario import HEADER, route

LOT = 0.001


def decision(out, parent: str = "s-000001") -> dict:
    (row,) = out.where("routing_decisions", parent_id=parent)
    return row


def children(row: dict) -> list[tuple[str, float, float]]:
    return [(c["venue"], c["qty"], c["price"]) for c in json.loads(row["children"])]


def last_status(out, order_id: str) -> dict:
    return max(out.where("orders", order_id=order_id), key=lambda r: r["seq"])


BEST = "routing:\n  routers:\n    sweep: {kind: best_price, venues: [a, b, c]}\n  default: sweep\n"


def test_best_price_buy_sweeps_fee_adjusted_asks() -> None:
    """Fee-adjusted asks: a 100.00·1.001 = 100.100, b 100.05·1.0002 = 100.070,
    c 99.98·1.002 = 100.180. Buying 3.0: b's 2.0 first, then a's 1.0; c (cheapest raw
    price, dearest after fees) gets nothing. Average (2·100.05 + 1·100.00)/3 = 100.0333…"""
    strategy, out = route(BEST, [Act(2, 1, 3.0)])
    row = decision(out)
    expected = (2 * 100.05 + 1 * 100.00) / 3
    assert children(row) == [("a", 1.0, 100.00), ("b", 2.0, 100.05)]
    assert row["route"] == "sweep" and row["rule"] == "default"
    assert row["expected_price"] == pytest.approx(expected)
    assert json.loads(row["books"]) == {
        "a": [[100.0, 1.0]],
        "b": [[100.05, 2.0]],
        "c": [[99.98, 0.5]],
    }
    parent = last_status(out, "s-000001")
    assert parent["status"] == "filled" and parent["avg_price"] == pytest.approx(expected)
    assert [(f.order_id, f.qty) for f in strategy.fills] == [("s-000001", 1.0), ("s-000001", 2.0)]
    venues = sorted((r["venue"], r["qty"], r["price"]) for r in out.dicts("fills"))
    assert venues == [("a", 1.0, 100.0), ("b", 2.0, 100.05)]
    for child, venue in (("s-000001-c1", "a"), ("s-000001-c2", "b")):
        status = last_status(out, child)
        assert status["status"] == "filled" and status["venue"] == venue


def test_best_price_sell_sweeps_fee_adjusted_bids() -> None:
    """Fee-adjusted bids: a 99.90·0.999 = 99.8001, b 99.95·0.9998 = 99.9300,
    c 99.97·0.998 = 99.7701. Selling 2.5: b's 2.0, then 0.5 of a's 1.0.
    Average (2·99.95 + 0.5·99.90)/2.5 = 99.94."""
    _, out = route(BEST, [Act(2, -1, 2.5)])
    row = decision(out)
    assert children(row) == [("a", 0.5, 99.90), ("b", 2.0, 99.95)]
    assert row["expected_price"] == pytest.approx(99.94)
    assert last_status(out, "s-000001")["avg_price"] == pytest.approx(99.94)


def test_best_price_puts_what_the_books_do_not_show_on_the_best_venue() -> None:
    """Buying 4.0 when a, b, c show 3.5 in all: b 2.0, a 1.0, c 0.5, and the missing 0.5 on b
    (best fee-adjusted touch) at b's price: b 2.5, a 1.0, c 0.5."""
    _, out = route(BEST, [Act(2, 1, 4.0)])
    assert children(decision(out)) == [("a", 1.0, 100.00), ("b", 2.5, 100.05), ("c", 0.5, 99.98)]


def test_split_by_displayed_liquidity() -> None:
    """Shown asks 1.0 / 2.0 / 0.5 (3.5 in all). Buying 2.0 = 2000 lots: exact shares
    571.43 / 1142.86 / 285.71 lots, floors 571 / 1142 / 285 (1998), the two odd lots to the
    largest remainders (b .86, c .71): 0.571 / 1.143 / 0.286."""
    routing = "routing:\n  routers:\n    even: {kind: split, venues: [a, b, c]}\n  default: even\n"
    _, out = route(routing, [Act(2, 1, 2.0)])
    row = decision(out)
    assert children(row) == [("a", 0.571, 100.00), ("b", 1.143, 100.05), ("c", 0.286, 99.98)]
    expected = (0.571 * 100.00 + 1.143 * 100.05 + 0.286 * 99.98) / 2.0
    assert row["expected_price"] == pytest.approx(expected)
    assert last_status(out, "s-000001")["avg_price"] == pytest.approx(expected)


def test_split_by_fixed_weights() -> None:
    """Weights 1 / 1 / 2 of 1.0: 0.25 on a and b, 0.5 on c, whatever the books show."""
    routing = (
        "routing:\n  routers:\n    fixed:\n      kind: split\n      venues: [a, b, c]\n"
        "      by: weights\n      weights: {a: 1, b: 1, c: 2}\n  default: fixed\n"
    )
    _, out = route(routing, [Act(2, 1, 1.0)])
    assert children(decision(out)) == [("a", 0.25, 100.00), ("b", 0.25, 100.05), ("c", 0.5, 99.98)]
    expected = 0.25 * 100.00 + 0.25 * 100.05 + 0.5 * 99.98
    assert last_status(out, "s-000001")["avg_price"] == pytest.approx(expected)


CHEAP = (
    "routing:\n  routers:\n    cheap: {kind: cheapest_fees, venues: [a, b, c]}\n  default: cheap\n"
)


def test_cheapest_fees_takes_the_lowest_fee_showing_liquidity() -> None:
    """Fees a 10, b 2, c 20 bps and every book shows asks: all 1.5 to b at 100.05 (the order
    itself moves to b's slot: one venue, no children)."""
    _, out = route(CHEAP, [Act(2, 1, 1.5)])
    row = decision(out)
    assert children(row) == [("b", 1.5, 100.05)]
    parent = last_status(out, "s-000001")
    assert (parent["venue"], parent["instrument"], parent["status"]) == (
        "b",
        "BTC/USDT@b",
        "filled",
    )
    assert parent["avg_price"] == pytest.approx(100.05)


def test_cheapest_fees_skips_venues_without_liquidity_inside_the_limit() -> None:
    """A buy limited at 100.00: b's ask 100.05 is outside it, so the cheapest venue showing
    size within the limit is a (10 bps; c at 99.98 costs 20 bps)."""
    _, out = route(CHEAP, [Act(2, 1, 0.5, 100.00)])
    assert children(decision(out)) == [("a", 0.5, 100.00)]
    assert last_status(out, "s-000001")["venue"] == "a"


HALF = (
    "routing:\n  routers:\n    half:\n      kind: split\n      venues: [a, b]\n"
    "      by: weights\n      weights: {a: 1, b: 1}\n  default: half\n"
)


def test_cancelling_a_split_parent_cancels_its_children() -> None:
    """A buy of 1.0 limited at 99.00 rests on a and b (weights 1:1, 0.5 each); cancelling
    the parent cancels both children and then the parent, nothing filled."""
    _, out = route(HALF, [Act(2, 1, 1.0, 99.00), Act(3, cancel=0)])
    assert [last_status(out, f"s-000001-c{k}")["status"] for k in (1, 2)] == ["cancelled"] * 2
    parent = last_status(out, "s-000001")
    assert parent["status"] == "cancelled" and parent["filled_qty"] == 0.0
    assert out.dicts("fills") == []


def test_a_child_the_venue_refuses_cancels_the_rest_of_the_parent() -> None:
    """Venue b refuses orders under 60 USDT: of a 1.0 buy split 0.5 / 0.5, b's child
    (0.5 × 100.05 ≈ 50 USDT) is rejected, a's fills at 100.00; the parent ends cancelled with
    0.5 filled at 100.00, and the strategy saw one fill of the parent."""
    header = HEADER.replace(
        "b: {kind: simulated, fees: {maker: 0bps, taker: 2bps}}",
        "b: {kind: simulated, fees: {maker: 0bps, taker: 2bps}, min_notional: 60 USDT}",
    )
    strategy, out = route(HALF, [Act(2, 1, 1.0)], header)
    assert last_status(out, "s-000001-c2")["status"] == "rejected"
    assert last_status(out, "s-000001-c1")["status"] == "filled"
    parent = last_status(out, "s-000001")
    assert (parent["status"], parent["filled_qty"], parent["avg_price"]) == (
        "cancelled",
        0.5,
        100.00,
    )
    assert [(f.order_id, f.qty, f.price) for f in strategy.fills] == [("s-000001", 0.5, 100.0)]


def test_a_parent_whose_children_are_all_refused_is_rejected() -> None:
    """Both venues refuse orders under 60 USDT: both 50 USDT children are rejected before any
    reached a book, so the parent is rejected and the strategy hears on_reject."""
    header = HEADER.replace("taker: 10bps}}", "taker: 10bps}, min_notional: 60 USDT}").replace(
        "taker: 2bps}}", "taker: 2bps}, min_notional: 60 USDT}"
    )
    strategy, out = route(HALF, [Act(2, 1, 1.0)], header)
    assert [last_status(out, f"s-000001-c{k}")["status"] for k in (1, 2)] == ["rejected"] * 2
    assert last_status(out, "s-000001")["status"] == "rejected"
    assert [order_id for order_id, _ in strategy.rejects] == ["s-000001"]
    assert out.dicts("fills") == []


def test_risk_sees_the_parent_once_before_routing() -> None:
    """max_order_qty 2.5 refuses a 3.0 buy before routing (no decision, no children) and
    passes a 2.0 buy; max_open_orders 1 counts the working split parent once, not its two
    children, so a second order while it rests is refused."""
    risk = "risk:\n  max_order_qty: 2.5\n  max_open_orders: 1\n"
    acts = [Act(2, 1, 3.0), Act(2, 1, 2.0, 99.00), Act(3, 1, 0.5, 99.00)]
    strategy, out = route(risk + HALF, acts)
    assert [r["parent_id"] for r in out.dicts("routing_decisions")] == ["s-000002"]
    assert last_status(out, "s-000001")["status"] == "rejected"
    assert "max_order_qty" in strategy.rejects[0][1]
    assert [c for c, _, _ in children(decision(out, "s-000002"))] == ["a", "b"]
    assert [order_id for order_id, _ in strategy.rejects] == ["s-000001", "s-000003"]
    assert "max_open_orders" in strategy.rejects[1][1]
