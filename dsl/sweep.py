"""The `sweep:` section: a grid of dotted paths (written like `--set` paths) to lists of
values. Every combination is one point, applied to the pipeline like a `--set` override and
compiled on its own, so a bad path or value is reported at its place in the sweep.

Points are numbered in the order written, the last path varying fastest (like `for_each`);
point i of run R deploys as run `R-p00i` (`R-p00i-r0000`, … with `--runs`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orderloom.dsl import codes
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.nodes import Mapping, Node, Scalar, Sequence, to_python
from orderloom.dsl.overrides import Part, parse_path, set_path
from orderloom.dsl.plan import Plan

SECTION = "sweep"

# Metrics that rank the points (the research summary of each point), and which end is best.
METRICS: dict[str, str] = {
    "pnl_mean": "highest",
    "pnl_std": "lowest",
    "sharpe": "highest",  # pnl_mean / pnl_std over the point's replications
    "position_std": "lowest",
    "fills_mean": "highest",
}
DEFAULT_METRIC = "pnl_mean"
SPREAD_METRICS = frozenset({"pnl_std", "sharpe", "position_std"})  # need 2+ replications

SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "a parameter grid: every combination of values is deployed as its own run "
    "(`-pNNN`), and a summary table ranks the points by `metric`",
    "required": ["grid"],
    "additionalProperties": False,
    "properties": {
        "grid": {
            "type": "object",
            "description": "dotted paths, as `--set` writes them "
            "(strategies.mm.gamma), each to a list of values",
            "minProperties": 1,
            "additionalProperties": {"type": "array", "minItems": 1},
        },
        "metric": {
            "enum": list(METRICS),
            "default": DEFAULT_METRIC,
            "description": "what ranks the points: "
            + ", ".join(f"{name} ({best} first)" for name, best in METRICS.items()),
        },
        "best": {
            "enum": ["highest", "lowest"],
            "description": "which end of the metric ranks first (default: the metric's own)",
        },
    },
}


@dataclass(frozen=True)
class SweepPoint:
    index: int
    values: tuple[tuple[str, Any], ...]  # (path as written, value) in grid order
    texts: tuple[str, ...]  # each value as written, for tables
    plan: Plan

    @property
    def params_json(self) -> str:
        return json.dumps(dict(self.values), sort_keys=False, default=str)


@dataclass(frozen=True)
class Sweep:
    """A compiled pipeline (`base`, the file as written) and its grid's points; no points
    when the pipeline has no `sweep:`."""

    base: Plan
    paths: tuple[str, ...] = ()
    sizes: tuple[int, ...] = ()  # values per path
    points: tuple[SweepPoint, ...] = ()
    metric: str = DEFAULT_METRIC
    best: str = METRICS[DEFAULT_METRIC]
    swept: tuple[str, ...] = ()  # strategies the grid changes: the ones ranked

    @property
    def labels(self) -> tuple[str, ...]:
        """Short column names: each path's last part, or the whole path where that repeats."""
        lasts = [p.rsplit(".", 1)[-1] for p in self.paths]
        return tuple(
            last if lasts.count(last) == 1 else path
            for last, path in zip(lasts, self.paths, strict=True)
        )

    def describe(self) -> str:
        """`6 points (gamma × k: 3 × 2), ranked by pnl_mean (highest first)`."""
        if not self.points:
            return "no sweep"
        grid = f"{' × '.join(self.labels)}: {' × '.join(str(n) for n in self.sizes)}"
        n = len(self.points)
        return (
            f"{n} point{'s' if n != 1 else ''} ({grid}), ranked by {self.metric} "
            f"({self.best} first)"
        )


def point_run_id(run_id: str, index: int, points: int) -> str:
    """`<run_id>-p003`: three digits, more when the grid has over a thousand points."""
    width = max(3, len(str(max(points - 1, 0))))
    return f"{run_id}-p{index:0{width}d}"


@dataclass(frozen=True)
class _Entry:
    key: Scalar
    parts: list[Part]
    values: tuple[Node, ...]


Compile = Callable[[Mapping, Diagnostics], Plan]


def compile_sweep_points(
    doc: Mapping, base: Plan | None, compile_doc: Compile, diags: Diagnostics
) -> Sweep | None:
    """The sweep of `doc` (already checked by the schema with the rest of the document):
    every point compiled by `compile_doc` from the document without its sweep section.
    Every problem of every point is collected in `diags`. When `base` (the pipeline as
    written) did not compile, only the sweep's paths are checked, and the result is None."""
    section = doc.get(SECTION)
    if not isinstance(section, Mapping):
        return Sweep(base) if base is not None else None
    grid = section.get("grid")
    metric_node = section.get("metric")
    best_node = section.get("best")
    metric = str(metric_node.value) if isinstance(metric_node, Scalar) else DEFAULT_METRIC
    best = str(best_node.value) if isinstance(best_node, Scalar) else METRICS.get(metric, "")
    entries = _entries(grid, diags) if isinstance(grid, Mapping) else []
    plain = doc.without(SECTION)
    # Check every path once, with its first value, so a bad path is reported once.
    before = len(diags)
    for entry in entries:
        set_path(plain, entry.parts, entry.values[0], diags)
    if base is None or len(diags) > before or not entries:
        return Sweep(base) if base is not None else None
    points = []
    for index, combo in enumerate(itertools.product(*(e.values for e in entries))):
        point_doc: Mapping = plain
        for entry, value in zip(entries, combo, strict=True):
            updated = set_path(point_doc, entry.parts, value, diags)
            assert isinstance(updated, Mapping)
            point_doc = updated
        try:
            plan = compile_doc(point_doc, Diagnostics())
        except ConfigError as error:
            diags.extend(error.diagnostics)
            continue
        points.append(
            SweepPoint(
                index,
                tuple((e.key.text, to_python(v)) for e, v in zip(entries, combo, strict=True)),
                tuple(_text(v) for v in combo),
                plan,
            )
        )
    return Sweep(
        base,
        tuple(e.key.text for e in entries),
        tuple(len(e.values) for e in entries),
        tuple(points),
        metric,
        best,
        _swept([p.plan for p in points]),
    )


def _swept(plans: list[Plan]) -> tuple[str, ...]:
    """Strategies whose compiled node differs between points; every strategy when anything
    else differs (a venue, a feed, risk) or when nothing does."""
    rests: set[str] = set()
    nodes: dict[str, set[str]] = {}
    for plan in plans:
        data = plan.to_json()
        rests.add(json.dumps({k: v for k, v in data.items() if k != "strategies"}, default=str))
        for node in data.get("strategies", []):
            nodes.setdefault(str(node["name"]), set()).add(json.dumps(node, default=str))
    changed = tuple(name for name, variants in nodes.items() if len(variants) > 1)
    if len(rests) > 1 or not changed:
        return tuple(nodes)
    return changed


def _entries(grid: Mapping, diags: Diagnostics) -> list[_Entry]:
    entries = []
    for key, values in grid.items:
        parsed = parse_path(
            key.text,
            key.locate,
            diags,
            "sweep path",
            "write e.g. strategies.mm.gamma: [0.05, 0.1]",
        )
        if parsed is None or not isinstance(values, Sequence):
            continue  # a bad path is reported; a non-list by the schema
        parts, stop = parsed
        if stop < len(key.text):  # parse_path stops early only at `=`
            diags.error(
                codes.OVERRIDE_SYNTAX,
                "a sweep path takes a list of values, not `=`",
                key.span,
                f"write {key.text.split('=', 1)[0]}: [value, ...]",
            )
            continue
        seen: dict[str, Node] = {}
        for value in values.items:
            text = json.dumps(to_python(value), sort_keys=True, default=str)
            if text in seen:
                diags.error(
                    codes.BAD_VALUE,
                    f"sweep value {_text(value)} is listed twice for `{key.text}`",
                    value.span,
                    "remove the repeated value",
                )
            seen[text] = value
        entries.append(_Entry(key, parts, values.items))
    return entries


def _text(node: Node) -> str:
    if isinstance(node, Scalar):
        return node.text
    return json.dumps(to_python(node), default=str)
