"""orderloom: trading pipelines declared in YAML, compiled to Bytewax dataflows, analysed in
ClickHouse.

Public API: `load` a pipeline file (positioned document), `compile` it to a Plan,
`build_dataflow` from a Plan, `run` it as a backtest. The CLI (`orderloom …`) is a thin
layer over these.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: `orderloom kill` imports this package and must start fast
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from orderloom.dsl.errors import ConfigError, Diagnostic, OrderloomError
    from orderloom.dsl.plan import Plan
    from orderloom.runtime.run import RunSummary

__all__ = [
    "ConfigError",
    "Diagnostic",
    "OrderloomError",
    "Plan",
    "build_dataflow",
    "compile",
    "load",
    "run",
]
__version__ = "0.1.0"

_LAZY = {
    "ConfigError": "orderloom.dsl.errors",
    "Diagnostic": "orderloom.dsl.errors",
    "OrderloomError": "orderloom.dsl.errors",
    "Plan": "orderloom.dsl.plan",
}


def __getattr__(name: str) -> Any:
    # Imported on first use: `orderloom kill` must start fast (cli/control.py).
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'orderloom' has no attribute {name!r}")


def load(path: str | Path) -> Any:
    """The pipeline document with includes merged and source positions on every node."""
    from orderloom.dsl.compiler import load_file

    return load_file(path)


def compile(path: str | Path, overrides: Sequence[str] = ()) -> Plan:
    """Load, check and compile a pipeline file; raises ConfigError with every diagnostic."""
    from orderloom.dsl.compiler import compile_file

    return compile_file(path, overrides)


def build_dataflow(plan: Plan, run_id: str, writer_factory: Any) -> Any:
    """The bytewax Dataflow for a Plan (see orderloom.runtime.build)."""
    from orderloom.runtime.build import build_dataflow as build

    return build(plan, run_id, writer_factory)


def run(
    plan: Plan,
    run_id: str,
    sink: str | None = None,
    workers: int = 1,
    processes: int = 1,
) -> RunSummary:
    """Backtest a Plan into ClickHouse and return the run's headline numbers."""
    from orderloom.runtime.run import DeployOptions, deploy

    return deploy(
        plan, DeployOptions(run_id=run_id, sink_url=sink, workers=workers, processes=processes)
    )
