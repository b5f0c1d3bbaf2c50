"""The compiler's entry points: pipeline file (or text) in, Plan out, or a ConfigError
carrying every diagnostic found, sorted by place.

Passes, in order: load (YAML with positions, includes) -> `--set` overrides ->
`${...}` substitution and for_each expansion -> JSON Schema check -> kind compile hooks,
expressions, name resolution and graph checks (assemble). `compile_sweep` then compiles
each point of a `sweep:` grid the same way (dsl/sweep.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping as AbcMapping
from collections.abc import Sequence
from pathlib import Path

from orderloom.dsl.assemble import Assembler
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.expand import expand
from orderloom.dsl.include import load_document, load_pipeline
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.overrides import apply_overrides
from orderloom.dsl.plan import Plan
from orderloom.dsl.sweep import Sweep, compile_sweep_points
from orderloom.dsl.validate import check_document


def load_file(path: str | Path, env: AbcMapping[str, str] | None = None) -> Mapping:
    """The pipeline document at `path` with its includes merged, every node carrying its
    source position (the first pass of `compile_file`); raises ConfigError on bad YAML."""
    diags = Diagnostics()
    doc = load_pipeline(str(path), os.environ if env is None else env, diags)
    diags.raise_if_any()
    if doc is None:
        raise AssertionError("loading failed without a diagnostic")
    return doc


def compile_file(
    path: str | Path,
    overrides: Sequence[str] = (),
    env: AbcMapping[str, str] | None = None,
) -> Plan:
    """Compile the pipeline at `path`; raises ConfigError with every problem found.
    `env` (default: os.environ) supplies `${VAR}` values."""
    source = str(path)
    environment = os.environ if env is None else env
    diags = Diagnostics()
    doc = load_pipeline(source, environment, diags)
    return _compile(doc, source, overrides, environment, diags)


def compile_text(
    text: str,
    path: str | Path = "pipeline.yaml",
    overrides: Sequence[str] = (),
    env: AbcMapping[str, str] | None = None,
) -> Plan:
    """Compile pipeline text as if read from `path` (includes and data paths are relative to
    its folder; diagnostics name it)."""
    source = str(path)
    environment = os.environ if env is None else env
    diags = Diagnostics()
    doc = load_document(text, source, environment, diags)
    return _compile(doc, source, overrides, environment, diags)


def compile_sweep(
    path: str | Path,
    overrides: Sequence[str] = (),
    env: AbcMapping[str, str] | None = None,
) -> Sweep:
    """Compile the pipeline at `path` and every point of its `sweep:` grid (none without
    one); raises ConfigError with every problem found, a point's at its place in the sweep."""
    source = str(path)
    environment = os.environ if env is None else env
    diags = Diagnostics()
    doc = load_pipeline(source, environment, diags)
    try:
        base: Plan | None = _compile(doc, source, overrides, environment, diags)
    except ConfigError:
        base = None  # still check the sweep's paths, so every problem is reported at once
    if doc is None:
        diags.raise_if_any()
        raise AssertionError("loading failed without a diagnostic")
    # The overrides apply to the points too (and may change the sweep itself).
    doc = apply_overrides(doc, overrides, Diagnostics())

    def compile_point(point_doc: Mapping, point_diags: Diagnostics) -> Plan:
        return _assemble(point_doc, source, environment, point_diags)

    sweep = compile_sweep_points(doc, base, compile_point, diags)
    diags.raise_if_any()
    assert sweep is not None
    return sweep


def _compile(
    doc: Mapping | None,
    source: str,
    overrides: Sequence[str],
    env: AbcMapping[str, str],
    diags: Diagnostics,
) -> Plan:
    if doc is None:
        diags.raise_if_any()
        raise AssertionError("loading failed without a diagnostic")
    doc = apply_overrides(doc, overrides, diags)
    return _assemble(doc, source, env, diags)


def _assemble(doc: Mapping, source: str, env: AbcMapping[str, str], diags: Diagnostics) -> Plan:
    expanded = expand(doc, env, diags)
    checked = check_document(expanded.doc, expanded.templates, diags)
    plan = Assembler(expanded, checked, diags, source).plan()
    diags.raise_if_any()
    return plan
