"""A Plan printed for people (`text`), for programs (`json`) or as a Graphviz graph (`dot`:
feeds -> strategies -> risk -> venues -> sinks), as `orderloom plan` shows it; feed lines
name the time bars a feed builds."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any, Literal

from orderloom.dsl.kinds.risk_account import LIMIT_KEYS, AccountLimitParams
from orderloom.dsl.plan import Expr, Feed, Plan

Format = Literal["text", "json", "dot"]

_UNITS_NS = (
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
)


def format_plan(plan: Plan, fmt: Format | str = "text") -> str:
    plan = plan.redacted()
    if fmt == "json":
        return json.dumps(plan.to_json(), indent=2)
    if fmt == "dot":
        return _dot(plan)
    if fmt == "text":
        return _text(plan)
    raise ValueError(f"unknown plan format {fmt!r}; use text, json or dot")


def summary(plan: Plan) -> str:
    """One line: what the pipeline holds."""

    def count(n: int, word: str, plural: str | None = None) -> str:
        return f"{n} {word if n == 1 else plural or word + 's'}"

    return ", ".join(
        [
            count(len(plan.instruments), "instrument"),
            count(len(plan.venues), "venue"),
            count(len(plan.feeds), "feed"),
            count(len(plan.signals), "signal"),
            count(len(plan.strategies), "strategy", "strategies"),
            count(len(plan.sinks), "sink"),
        ]
    )


def duration(ns: int) -> str:
    if ns == 0:
        return "0s"
    for unit, size in _UNITS_NS:
        if ns % size == 0:
            return f"{ns // size}{unit}"
    return f"{ns}ns"


def _value(name: str, value: Any) -> str:
    if isinstance(value, Expr):
        return f"`{value.source}`"
    if name == "start_ns" and isinstance(value, int):
        moment = datetime.fromtimestamp(value // 1_000_000_000, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if name.endswith("_ns") and isinstance(value, int):
        return duration(value)
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{a}: {b}" for a, b in value) + "}" if value else "{}"
    return str(value)


def _params(params: Any) -> str:
    if not dataclasses.is_dataclass(params):
        return ""
    parts = []
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if value is None or f.name == "instrument":
            continue
        label = f.name[:-3] if f.name.endswith("_ns") else f.name
        parts.append(f"{label}={_value(f.name, value)}")
    return " ".join(parts)


def _text(plan: Plan) -> str:
    lines = [f"plan {plan.name} ({plan.source})"]
    if plan.description:
        lines.append(f"  {plan.description}")
    lines.append(f"  {summary(plan)}")
    lines.append(f"  account {plan.account}")

    def section(title: str, rows: list[tuple[str, str]]) -> None:
        lines.append("")
        lines.append(title)
        if not rows:
            lines.append("  (none)")
        width = max((len(name) for name, _ in rows), default=0)
        lines.extend(f"  {name.ljust(width)}  {detail}".rstrip() for name, detail in rows)

    section(
        "instruments",
        [
            (
                i.id,
                f"tick {i.tick_size} lot {i.lot_size}"
                + (f" min_notional {i.min_notional}" if i.min_notional else ""),
            )
            for i in plan.instruments
        ],
    )
    section("venues", [(v.name, f"{v.kind} {_params(v.params)}") for v in plan.venues])
    section(
        "feeds",
        [
            (f.name, f"{f.kind} {f.schema} {f.instrument} {_params(f.params)}{_bars(f, ' ')}")
            for f in plan.feeds
        ],
    )
    section("signals", [(s.name, f"{s.expr.type} `{s.expr.source}`") for s in plan.signals])
    section(
        "strategies",
        [
            (s.name, f"{s.kind} {' '.join(s.instruments)} -> {s.venue} {_params(s.params)}")
            for s in plan.strategies
        ],
    )
    section("risk", _risk_rows(plan))
    section("routing", _routing_rows(plan))
    section(
        "sinks",
        [(s.name, f"{s.kind} {s.url or 'embedded'} database={s.database}") for s in plan.sinks],
    )
    return "\n".join(lines)


def _bars(feed: Feed, before: str) -> str:
    """The time bars a feed builds (`bars=1m,5m wait=2s`), after `before`; "" without."""
    if not feed.bars_ns:
        return ""
    text = f"{before}bars={','.join(duration(ns) for ns in feed.bars_ns)}"
    return text + (f" wait={duration(feed.bars_wait_ns)}" if feed.bars_wait_ns else "")


def _risk_rows(plan: Plan, instances: bool = True) -> list[tuple[str, str]]:
    """The shorthand limits as declared, then (with `instances`) each instance's resolved
    checks; a budget split among instances shows the instance's share."""
    risk = plan.risk
    rows: list[tuple[str, str]] = []
    if risk.max_order_notional is not None:
        amount = f"{risk.max_order_notional:g}"
        rows.append(("max_order_notional", f"{amount} {risk.notional_currency or ''}".strip()))
    for instrument, limit in risk.max_position:
        rows.append(("max_position", f"{instrument} {limit:g}"))
    rows += [(f"account {plan.account}", _account_limits(limits)) for limits in risk.account]
    for instance in risk.instances if instances else ():
        for check in instance.checks:
            where = check.scope.label()
            if check.share != 1.0:
                where += f", {round(check.share * 100, 4):g}% share"
            on = f" on {' '.join(check.instruments)}" if check.instruments else ""
            detail = f"{check.kind}{on} {_params(check.params)}".rstrip()
            rows.append((instance.strategy, f"{detail} [{where}]"))
    return rows


def _account_limits(limits: AccountLimitParams) -> str:
    """One `risk: account:` entry: its limits (0: not checked), action and report grid."""
    money = f" {limits.currency}" if limits.currency else ""
    parts = [f"{key} {getattr(limits, key):g}{money}" for key in LIMIT_KEYS if getattr(limits, key)]
    action = limits.action
    if action == "halt":
        action += f" {duration(limits.halt_ns)}" if limits.halt_ns else " until resume"
    return f"{' '.join(parts)} -> {action} every {duration(limits.every_ns)}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot(plan: Plan) -> str:
    out = [
        f"digraph {_quote(plan.name or 'pipeline')} {{",
        "  rankdir=LR;",
        '  node [shape=box, fontname="Helvetica"];',
    ]

    def node(node_id: str, label: str, shape: str) -> None:
        out.append(f"  {_quote(node_id)} [label={_quote(label)}, shape={shape}];")

    def edge(a: str, b: str) -> None:
        out.append(f"  {_quote(a)} -> {_quote(b)};")

    for f in plan.feeds:
        label = f"{f.name}\n{f.kind} {f.schema}\n{f.instrument}{_bars(f, chr(10))}"
        node(f"feed:{f.name}", label, "cylinder")
    for s in plan.strategies:
        node(f"strategy:{s.name}", f"{s.name}\n{s.kind}", "box")
    risk_rows = _risk_rows(plan, instances=False)
    node("risk", "\n".join(["risk", *(f"{a} {b}" for a, b in risk_rows)]), "diamond")
    for v in plan.venues:
        node(f"venue:{v.name}", f"{v.name}\n{v.kind}", "box3d")
    for k in plan.sinks:
        node(f"sink:{k.name}", f"{k.name}\n{k.kind}", "folder")
    for s in plan.strategies:
        for f in plan.feeds:
            if f.instrument in s.instruments:
                edge(f"feed:{f.name}", f"strategy:{s.name}")
        edge(f"strategy:{s.name}", "risk")
    for venue in sorted({s.venue for s in plan.strategies if s.venue}):
        edge("risk", f"venue:{venue}")
    for v in plan.venues:
        for k in plan.sinks:
            edge(f"venue:{v.name}", f"sink:{k.name}")
    out.append("}")
    return "\n".join(out)


def _routing_rows(plan: Plan) -> list[tuple[str, str]]:
    routing = plan.routing
    rows = []
    for r in routing.routers:
        detail = f"{r.kind} venues=[{', '.join(r.params.venues)}]"
        if getattr(r.params, "weights", ()):
            detail += f" weights=[{', '.join(f'{w:g}' for w in r.params.weights)}]"
        elif getattr(r.params, "by", None):
            detail += f" by={r.params.by}"
        rows.append((r.name, detail))
    rows += [(f"rule {n}", f"`{r.when}` -> {r.route}") for n, r in enumerate(routing.rules, 1)]
    if routing.default:
        rows.append(("default", routing.default))
    if routing.strategies:
        rows.append(("routes", " ".join(routing.strategies)))
    return rows
