"""The analytics tables: the one definition of their columns, shared by the engine (which
builds rows as tuples in this column order) and the DDL (which creates them).

Logical types map to ClickHouse types per server version in `ddl.py`. `run_id` is the first
column of every table; `key` lists the natural id used for idempotent (ReplacingMergeTree)
writes, so re-delivery after a crash leaves no duplicates when read with FINAL.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # logical: String, Int64, UInt64, Int8, UInt32, Float64, Decimal, Enum:<a,b,..>


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # ORDER BY / natural row id (run_id first)
    partition: str | None = None  # PARTITION BY expression
    doc: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _t(name: str, cols: str, key: str, doc: str) -> Table:
    columns = tuple(Column(*c.split(":", 1)) for c in cols.split())
    return Table(name, columns, tuple(key.split()), None, doc)


ORDER_STATUS = "Enum:new,accepted,partially_filled,filled,cancelled,rejected"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _t(
            "runs",
            "run_id:String pipeline:String mode:String started_ns:Int64 finished_ns:Int64 "
            "workers:UInt32 processes:UInt32 events:UInt64 dead_letters:UInt64 orders:UInt64 "
            "fills:UInt64 pnl:Float64 plan_json:String",
            "run_id",
            "One row per deploy: what ran, on what, and the headline numbers.",
        ),
        _t(
            "market_trades",
            "run_id:String feed:String instrument:String offset:UInt64 ts_ns:Int64 "
            "price:Float64 qty:Float64 side:Int8",
            "run_id feed offset",
            "Every trade that passed the sanity stage, as the strategy saw it.",
        ),
        _t(
            "market_quotes",
            "run_id:String feed:String instrument:String offset:UInt64 ts_ns:Int64 "
            "bid_price:Float64 bid_qty:Float64 ask_price:Float64 ask_qty:Float64",
            "run_id feed offset",
            "Every top-of-book quote that passed the sanity stage.",
        ),
        _t(
            "market_book",
            "run_id:String feed:String instrument:String offset:UInt64 ts_ns:Int64 seq:Int64 "
            "action:Int8 side:Int8 price:Float64 qty:Float64",
            "run_id feed offset",
            "Every L2 book update that passed the sanity stage (docs/books.md): action 0 delta, "
            "1 first row of a snapshot (clears the book), 2 further snapshot level; side +1 bid, "
            "-1 ask; qty 0 removes a level.",
        ),
        _t(
            "orders",
            "run_id:String order_id:String seq:UInt32 ts_ns:Int64 strategy:String "
            "instrument:String venue:String side:Int8 order_type:Enum:market,limit "
            f"price:Float64 qty:Float64 status:{ORDER_STATUS} filled_qty:Float64 "
            "avg_price:Float64 reason:String",
            "run_id order_id seq",
            "The order log: one row per state change (seq counts them per order).",
        ),
        _t(
            "fills",
            "run_id:String fill_id:String order_id:String ts_ns:Int64 strategy:String "
            "instrument:String venue:String side:Int8 price:Decimal qty:Decimal fee:Decimal "
            "fee_currency:String liquidity:Enum:maker,taker",
            "run_id fill_id",
            "Executions; fees in the instrument's quote currency.",
        ),
        _t(
            "positions",
            "run_id:String strategy:String instrument:String seq:UInt32 ts_ns:Int64 "
            "position:Decimal avg_price:Float64 realized_pnl:Decimal",
            "run_id strategy instrument seq",
            "Position after every fill.",
        ),
        _t(
            "pnl",
            "run_id:String strategy:String seq:UInt32 ts_ns:Int64 position:Float64 "
            "mark_price:Float64 realized:Decimal unrealized:Decimal fees:Decimal total:Decimal",
            "run_id strategy seq",
            "Mark-to-market PnL per strategy instance at a fixed event-time interval "
            "and at the end.",
        ),
        _t(
            "risk_events",
            "run_id:String event_id:String ts_ns:Int64 strategy:String order_id:String "
            "check:String limit_value:Float64 value:Float64 action:String message:String",
            "run_id event_id",
            "Every pre-trade rejection and risk action, with the limit and the value that hit it.",
        ),
        _t(
            "dead_letters",
            "run_id:String feed:String offset:UInt64 ts_ns:Int64 reason:String record:String",
            "run_id feed offset",
            "Input records refused by the sanity stage, with the reason.",
        ),
        _t(
            "research_runs",
            "run_id:String strategy:String runs:UInt32 seed:Int64 pnl_mean:Float64 "
            "pnl_std:Float64 position_mean:Float64 position_std:Float64 fills_mean:Float64",
            "run_id strategy",
            "Summary of `deploy --runs N --seed S` per strategy over its N replications (each "
            "replication is a run `<run_id>-rNNNN` with its own rows; std is the sample std).",
        ),
        _t(
            "bars",
            "run_id:String instrument:String interval_s:UInt32 start_ns:Int64 end_ns:Int64 "
            "feed:String open:Float64 high:Float64 low:Float64 close:Float64 volume:Float64 "
            "vwap:Float64 trades:UInt64 first_offset:UInt64 last_offset:UInt64",
            "run_id instrument interval_s start_ns",
            "Time bars built from the trades of feeds that declare `bars:`: one row per "
            "instrument, interval and epoch-aligned window [start_ns, end_ns) that had trades "
            "(docs/bars.md); offsets are the feed offsets of its first and last trade.",
        ),
        _t(
            "sweep_points",
            "run_id:String point:UInt32 point_run_id:String strategy:String params:String "
            "runs:UInt32 metric:String value:Float64 rank:UInt32",
            "run_id strategy point",
            "A `sweep:` deploy ranked: one row per grid point and strategy, with the point's "
            "values (JSON by path), its run (`<run_id>-pNNN`, whose `research_runs` row holds "
            "the full summary), the metric's value and its rank (1 = best; NaN ranks last).",
        ),
        _t(
            "routing_decisions",
            "run_id:String parent_id:String ts_ns:Int64 strategy:String symbol:String side:Int8 "
            "qty:Float64 route:String rule:String books:String children:String "
            "expected_price:Float64",
            "run_id parent_id",
            "One row per routed order (docs/routing.md): the route (venue or router) and the "
            "rule that chose it (`rule N` or `default`), the levels each venue's book showed on "
            "the side the order takes (JSON {venue: [[price, size], ...]}), the child orders "
            "(JSON [{id, venue, qty, price}], price the expected average from the book) and "
            "their expected average price.",
        ),
    )
}
