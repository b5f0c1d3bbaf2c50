"""The one registry of component kinds: feeds, venues, strategies, risk checks, sinks.

Each kind is declared once, in its own module under `dsl/kinds/`, as a KindSpec holding its
parameter schema (which also builds `schemas/pipeline.schema.json` and the kind docs), its
compile hook (checked YAML node → frozen params dataclass for the Plan) and the import path
of its runtime class (dsl never imports the runtime; the runtime resolves the path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

Category = Literal["feed", "venue", "strategy", "risk", "sink", "router"]
CATEGORIES: tuple[Category, ...] = ("feed", "venue", "strategy", "risk", "sink", "router")


@dataclass(frozen=True)
class KindSpec:
    category: Category
    name: str
    summary: str  # one line, shown by `orderloom kinds`
    schema: dict[str, Any]  # JSON Schema (Draft 2020-12) of the kind's YAML mapping
    params_type: type  # frozen dataclass stored in the Plan
    compile: Callable[..., Any]  # (node, ctx) -> params_type instance; see dsl/compiler.py
    runtime: str  # "orderloom.runtime.strategies.twap:TwapStrategy"
    doc: str = ""  # longer description for docs/kinds.md
    examples: tuple[str, ...] = ()  # YAML snippets; tests validate each


_KINDS: dict[tuple[str, str], KindSpec] = {}


def register(spec: KindSpec) -> KindSpec:
    key = (spec.category, spec.name)
    if key in _KINDS:
        raise ValueError(f"{spec.category} kind '{spec.name}' registered twice")
    _KINDS[key] = spec
    return spec


def _load() -> None:
    # Importing the package registers every built-in kind (one registry line per module).
    import orderloom.dsl.kinds  # noqa: F401


def get(category: str, name: str) -> KindSpec | None:
    _load()
    return _KINDS.get((category, name))


def kinds(category: str) -> list[KindSpec]:
    _load()
    return sorted((k for k in _KINDS.values() if k.category == category), key=lambda k: k.name)


def all_kinds() -> Iterator[KindSpec]:
    _load()
    return iter(sorted(_KINDS.values(), key=lambda k: (k.category, k.name)))
