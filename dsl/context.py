"""What a kind's compile hook gets: typed readers for its YAML keys that report problems
with their place and keep going.

A reader that finds a problem records a diagnostic and returns a placeholder, so a hook
stays a straight list of fields; the compiler drops the hook's result when `ok` is false.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from orderloom.dsl import codes
from orderloom.dsl.diagnostics import Diagnostics, did_you_mean
from orderloom.dsl.errors import Span
from orderloom.dsl.expr import (
    ExprError,
    Scope,
    Typed,
    check,
    free_instruments,
    parse,
    parse_literal,
    signal_refs,
    to_json,
)
from orderloom.dsl.literals import parse_timestamp_ns
from orderloom.dsl.nodes import Mapping, Scalar
from orderloom.dsl.plan import Expr


@dataclass
class Names:
    """Everything declared in the pipeline, by name, with the place it was declared."""

    instruments: dict[str, Span] = field(default_factory=dict)
    venues: dict[str, Span] = field(default_factory=dict)
    feeds: dict[str, Span] = field(default_factory=dict)
    signals: dict[str, Typed] = field(default_factory=dict)  # checked signals, inlined on use
    failed_signals: set[str] = field(default_factory=set)
    # Signals whose bare market values (`last`) mean the instrument of whoever uses them:
    # checked again at each use, in dependency order (name -> expression scalar).
    generic_signals: dict[str, Scalar] = field(default_factory=dict)
    base_dir: str = "."  # folder of the pipeline file, for paths given in --set


class KindContext:
    def __init__(
        self,
        diags: Diagnostics,
        names: Names,
        default_instrument: str | None = None,
        owner: Span | None = None,
    ) -> None:
        self.diags = diags
        self.names = names
        self.default_instrument = default_instrument
        self.owner = owner  # the component's name in the YAML, for problems with no value
        self.ok = True
        self.reads: set[str] = set()  # instruments the component's expressions read

    # --- reporting ------------------------------------------------------------------------

    def report(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.ok = False
        self.diags.error(code, message, span, hint)

    def fail_quietly(self) -> None:
        """Skip this component without a message (its cause is reported elsewhere)."""
        self.ok = False

    # --- plain values ---------------------------------------------------------------------

    def scalar(self, node: Mapping, key: str) -> Scalar | None:
        value = node.get(key)
        return value if isinstance(value, Scalar) and value.value is not None else None

    def span(self, node: Mapping, key: str) -> Span:
        """Where the value of `key` is (the mapping itself when the key is absent)."""
        value = node.get(key)
        if value is not None:
            return value.span
        return self.owner if self.owner is not None else node.span

    def mapping(self, node: Mapping, key: str) -> Mapping | None:
        value = node.get(key)
        return value if isinstance(value, Mapping) else None

    def text(self, node: Mapping, key: str, default: str = "") -> str:
        s = self.scalar(node, key)
        return default if s is None else str(s.value)

    def number(self, node: Mapping, key: str, default: float = 0.0) -> float:
        s = self.scalar(node, key)
        if s is None:
            return default
        if isinstance(s.value, int | float) and not isinstance(s.value, bool):
            return float(s.value)
        quantity = self._literal(s)
        if quantity is None:
            return default
        if quantity.type != "number":
            self.report(codes.BAD_LITERAL, f"expected a plain number, found '{s.text}'", s.span)
            return default
        return float(quantity.value)

    def integer(self, node: Mapping, key: str, default: int = 0) -> int:
        s = self.scalar(node, key)
        if s is None:
            return default
        if isinstance(s.value, int) and not isinstance(s.value, bool):
            return s.value
        self.report(codes.WRONG_TYPE, f"expected a whole number, found '{s.text}'", s.span)
        return default

    # --- literals with units --------------------------------------------------------------

    def duration_ns(self, node: Mapping, key: str, default: int = 0) -> int:
        s = self.scalar(node, key)
        if s is None:
            return default
        if isinstance(s.value, int) and not isinstance(s.value, bool):
            if s.value == 0:
                return 0
            self.report(
                codes.BAD_LITERAL,
                f"'{s.text}' has no unit; a duration needs one",
                s.span,
                f"e.g. {s.text}ms or {s.text}s (units: ns, us, ms, s, m, h, d)",
            )
            return default
        quantity = self._literal(s)
        if quantity is None:
            return default
        if quantity.type != "duration":
            self.report(
                codes.BAD_LITERAL,
                f"expected a duration (like 5ms or 1h), found {_kind(quantity.type)} '{s.text}'",
                s.span,
                "units: ns, us, ms, s, m, h, d",
            )
            return default
        if quantity.value < 0:
            self.report(codes.BAD_VALUE, f"a duration cannot be negative, found '{s.text}'", s.span)
            return default
        return int(quantity.value)

    def positive_duration_ns(self, node: Mapping, key: str, default: int = 0) -> int:
        """A duration that must be more than zero (a schedule, a window, a time step)."""
        value = self.duration_ns(node, key, default)
        if self.ok and value <= 0:
            self.report(codes.BAD_VALUE, f"{key} must be more than 0", self.span(node, key))
        return value

    def ratio(self, node: Mapping, key: str, default: float = 0.0) -> float:
        s = self.scalar(node, key)
        if s is None:
            return default
        if isinstance(s.value, int | float) and not isinstance(s.value, bool):
            return float(s.value)
        quantity = self._literal(s)
        if quantity is None:
            return default
        if quantity.type not in ("ratio", "number"):
            self.report(
                codes.BAD_LITERAL,
                f"expected a ratio (like 5bps, 0.2% or 0.0005), found "
                f"{_kind(quantity.type)} '{s.text}'",
                s.span,
            )
            return default
        return float(quantity.value)

    def bps(self, node: Mapping, key: str, default: float = 0.0) -> float:
        """A ratio in basis points (`5bps` -> 5.0, `0.1%` -> 10.0, `0.0005` -> 5.0)."""
        if self.scalar(node, key) is None:
            return default
        return round(self.ratio(node, key) * 10_000, 9)

    def money(self, node: Mapping, key: str) -> tuple[float, str | None]:
        s = self.scalar(node, key)
        if s is None:
            return 0.0, None
        if isinstance(s.value, int | float) and not isinstance(s.value, bool):
            return float(s.value), None
        quantity = self._literal(s)
        if quantity is None:
            return 0.0, None
        if quantity.type not in ("money", "number"):
            self.report(
                codes.BAD_LITERAL,
                f"expected an amount (like 50_000 USDT), found {_kind(quantity.type)} '{s.text}'",
                s.span,
            )
            return 0.0, None
        return float(quantity.value), quantity.currency

    def timestamp_ns(self, node: Mapping, key: str, default: int = 0) -> int:
        s = self.scalar(node, key)
        if s is None:
            return default
        if isinstance(s.value, int) and not isinstance(s.value, bool):
            return s.value
        try:
            return parse_timestamp_ns(str(s.value))
        except ValueError as error:
            self.report(
                codes.BAD_LITERAL,
                str(error),
                s.span,
                "write UTC time as 2024-01-01T00:00:00Z, or integer ns since the epoch",
            )
            return default

    def literal(self, s: Scalar, title: str) -> None:
        """Read `s` as a literal of the schema type `title` (duration, ratio, money,
        timestamp), reporting what is wrong with it."""
        holder = Mapping(((Scalar("value", "value", s.span), s),), s.span)
        if title == "duration":
            self.duration_ns(holder, "value")
        elif title == "ratio":
            self.ratio(holder, "value")
        elif title == "money":
            self.money(holder, "value")
        elif title == "timestamp":
            self.timestamp_ns(holder, "value")

    def _literal(self, s: Scalar) -> Any:
        try:
            return parse_literal(s.text, s.locate)
        except ExprError as error:
            self.ok = False
            self.diags.extend(error.diagnostics)
            return None

    # --- references -----------------------------------------------------------------------

    def instrument(self, node: Mapping, key: str) -> str:
        s = self.scalar(node, key)
        if s is None:
            return ""
        return self.instrument_ref(s)

    def instrument_ref(self, s: Scalar) -> str:
        value = str(s.value)
        if value not in self.names.instruments:
            self.report(
                codes.UNKNOWN_REFERENCE,
                f"unknown instrument '{value}'",
                s.span,
                did_you_mean(value, self.names.instruments)
                or "declare it under `instruments:` (id SYMBOL@venue)",
            )
        return value

    def path(self, node: Mapping, key: str, must_exist: bool = True) -> str:
        """A file path relative to the YAML file that names it, made absolute."""
        s = self.scalar(node, key)
        if s is None:
            return ""
        file = s.span.file
        folder = self.names.base_dir if file.startswith("<") else os.path.dirname(file)
        target = os.path.abspath(os.path.join(folder, os.path.expanduser(str(s.value))))
        if must_exist and not os.path.exists(target):
            try:
                near = did_you_mean(os.path.basename(target), os.listdir(os.path.dirname(target)))
            except OSError:
                near = None
            self.report(
                codes.FILE_NOT_FOUND,
                f"no such file: '{s.value}' (looked for {target})",
                s.span,
                near or "paths are relative to the file that names them",
            )
        return target

    # --- expressions ----------------------------------------------------------------------

    def expr(self, node: Mapping, key: str, expected: str | None) -> Expr | None:
        """The expression under `key`, type-checked (None when absent or wrong)."""
        value = node.get(key)
        if not isinstance(value, Scalar) or value.value is None:
            return None
        return self.expression(value, expected)

    def expression(self, s: Scalar, expected: str | None) -> Expr | None:
        typed = self.typed(s, expected)
        return None if typed is None else to_expr(s, typed)

    def typed(self, s: Scalar, expected: str | None) -> Typed | None:
        """Parse and type-check the scalar's text; None (reported) when it is wrong."""
        try:
            tree = parse(s.text, s.locate)
            if signal_refs(tree) & self.names.failed_signals:
                self.fail_quietly()  # the signal's own error is reported already
                return None
            signals = self.names.signals
            if self.names.generic_signals and signal_refs(tree) & set(self.names.generic_signals):
                signals = self._bind_generic_signals()
            scope = Scope(
                instruments=frozenset(self.names.instruments),
                default_instrument=self.default_instrument,
                signals=signals,
            )
            typed = check(tree, scope, expected)
        except ExprError as error:
            self.ok = False
            self.diags.extend(error.diagnostics)
            return None
        self.reads |= set(free_instruments(typed))
        return typed

    def _bind_generic_signals(self) -> dict[str, Typed]:
        """The generic signals checked with this context's default instrument: a signal's
        bare `last` means the instrument of the strategy that uses it."""
        bound = dict(self.names.signals)
        for name, text in self.names.generic_signals.items():  # kept in dependency order
            scope = Scope(
                instruments=frozenset(self.names.instruments),
                default_instrument=self.default_instrument,
                signals=bound,
            )
            bound[name] = check(parse(text.text, text.locate), scope, None)
        return bound


def to_expr(s: Scalar, typed: Typed) -> Expr:
    """The Plan's form of a checked expression written in scalar `s`."""
    return Expr(source=s.text, ast=freeze(to_json(typed)), type=typed.type, span=s.span)


def freeze(value: Any) -> Any:
    """Lists to tuples, so a Plan equals itself after a JSON round trip."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    return value


def _kind(type_name: str) -> str:
    return {"number": "a number", "ratio": "a ratio", "money": "an amount"}.get(
        type_name, f"a {type_name}"
    )
