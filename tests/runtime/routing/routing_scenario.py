"""A routing scenario shared by the routing tests: three simulated venues a, b, c quoting
BTC/USDT with known books and taker fees, a strategy on BTC/USDT@a whose orders the
pipeline's `routing:` section routes, and a runner that drives it with scripted orders."""

from __future__ import annotations

from collections.abc import Sequence

from engine_builders import Act, Output, ScriptedStrategy, quotes, run

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.plan import Plan

# venue: (taker fee bps, bid, bid size, ask, ask size)
BOOKS = {
    "a": (10.0, 99.90, 1.0, 100.00, 1.0),
    "b": (2.0, 99.95, 2.0, 100.05, 2.0),
    "c": (20.0, 99.97, 0.5, 99.98, 0.5),
}

HEADER_TEMPLATE = """\
orderloom: 1
name: routing-scenario
venues:
  a: {kind: simulated, fees: {maker: 0bps, taker: 10bps}}
  b: {kind: simulated, fees: {maker: 0bps, taker: 2bps}}
  c: {kind: simulated, fees: {maker: 0bps, taker: 20bps}}
instruments:
  BTC/USDT@a: {tick_size: 0.01, lot_size: 0.001}
  BTC/USDT@b: {tick_size: 0.01, lot_size: 0.001}
  BTC/USDT@c: {tick_size: 0.01, lot_size: 0.001}
feeds:
{FEED_a}
{FEED_b}
{FEED_c}
strategies:
  s:
    kind: twap
    instrument: BTC/USDT@a
    side: buy
    quantity: 1
    start: 2024-01-01T00:00:00Z
    duration: 1m
    slices: 1
"""


FEED = (
    "  q{v}:\n    kind: synthetic\n    instrument: BTC/USDT@{v}\n    schema: quotes\n"
    "    start: 2024-01-01T00:00:00Z\n    horizon: 1m\n    s0: 100\n    sigma: 0.1\n"
    "    dt: 1s\n"
)
HEADER = HEADER_TEMPLATE
for _venue in "abc":
    HEADER = HEADER.replace(f"{{FEED_{_venue}}}", FEED.format(v=_venue).rstrip("\n"))


def plan(routing: str, header: str = HEADER) -> Plan:
    return compile_text(header + routing, "routing.yaml")


def books(ts_ns: int = 1, venues: Sequence[str] = tuple(BOOKS)) -> list:
    """One quote per venue at ts_ns, ts_ns+1, ts_ns+2 (feed qa, qb, qc)."""
    out = []
    for k, (venue, (_, bid, bid_size, ask, ask_size)) in enumerate(BOOKS.items()):
        if venue not in venues:
            continue
        batch = quotes(
            [ts_ns + k], [bid], [ask], feed=f"q{venue}", instrument_id=f"BTC/USDT@{venue}"
        )
        batch.bid_qty[:] = bid_size
        batch.ask_qty[:] = ask_size
        out.append(batch)
    return out


def route(
    routing: str, acts: Sequence[Act], header: str = HEADER
) -> tuple[ScriptedStrategy, Output]:
    """Run the three books, then the scripted orders (act `at` counts market events: the
    third book is event 2), then the books again so market children can fill."""
    made: list[ScriptedStrategy] = []

    def factory(setup):
        strategy = ScriptedStrategy(setup, acts)
        made.append(strategy)
        return strategy

    compiled = plan(routing, header)
    (node,) = compiled.strategies
    venues = [i.rsplit("@", 1)[1] for i in node.instruments]
    _, out = run(compiled, "s", [books(1, venues), books(10, venues)], factory=factory)
    return made[0], out
