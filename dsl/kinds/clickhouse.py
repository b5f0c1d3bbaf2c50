"""Sink kind `clickhouse`: analytics into embedded ClickHouse (chDB) or a server."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class ClickHouseSinkParams:
    url: str | None = None  # chdb://PATH or clickhouse://[user[:password]@]host[:port]/database
    database: str = "orderloom"


SCHEMA = {
    "type": "object",
    "properties": {
        "url": {
            "type": "string",
            "pattern": r"^(chdb|clickhouse)://|\$\{",
            "description": "chdb://PATH (embedded) or clickhouse://[user[:password]@]host[:port]"
            "/database; default: embedded ClickHouse under .orderloom/clickhouse. Put "
            "credentials in the environment: url: ${CLICKHOUSE_URL}",
        },
        "database": {
            "type": "string",
            "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$",
            "default": "orderloom",
            "description": "database holding the analytics tables",
        },
    },
}


def compile_clickhouse(node: Mapping, ctx: KindContext) -> ClickHouseSinkParams:
    url = ctx.text(node, "url") or None
    return ClickHouseSinkParams(url=url, database=ctx.text(node, "database", "orderloom"))


register(
    KindSpec(
        category="sink",
        name="clickhouse",
        summary="write ticks, orders, fills, positions, PnL and risk events to ClickHouse",
        schema=SCHEMA,
        params_type=ClickHouseSinkParams,
        compile=compile_clickhouse,
        runtime="orderloom.runtime.sinks.base:open_store",
        doc=(
            "Batched, idempotent inserts (re-delivery after a crash adds no duplicates). "
            "Without `url`, writes to embedded ClickHouse (chDB) under .orderloom/clickhouse; "
            "`clickhouse://host:9000/db` targets a server over the native protocol."
        ),
        examples=(
            """\
sinks:
  analytics:
    kind: clickhouse
    url: ${CLICKHOUSE_URL:-chdb://.orderloom/clickhouse}
""",
        ),
    )
)
