"""Diagnostics and the exception hierarchy: every user-facing error carries its place.

A Diagnostic is a value (code, severity, span, message, hint); the compiler collects them
and the CLI renders them rustc-style. Exceptions wrap diagnostics (config errors) or carry
the data/order context (data errors, order rejections).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Span:
    """A place in a source file; lines and columns are 1-based, end is exclusive."""

    file: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def shifted(self, line_offset: int, col: int, end_col: int | None = None) -> Span:
        line = self.line + line_offset
        return Span(self.file, line, col, line, end_col if end_col is not None else col + 1)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_SPAN = Span("<unknown>", 0, 0)


@dataclass(frozen=True)
class Diagnostic:
    code: str  # stable, e.g. "E0101"; documented in docs/errors.md
    message: str
    span: Span = NO_SPAN
    hint: str | None = None
    severity: Severity = "error"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.file, self.span.line, self.span.col, self.code)


class OrderloomError(Exception):
    """Root of every error the CLI renders without a traceback."""

    exit_code = 1


class ConfigError(OrderloomError):
    """One or more problems in pipeline files; carries every diagnostic found."""

    exit_code = 1

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(f"{first.span}: {first.message}" if first else "invalid configuration")


@dataclass
class DataError(OrderloomError):
    """A bad input record or file: names the feed, the offset and what is wrong."""

    feed: str
    offset: int | None
    reason: str
    exit_code: int = field(default=3, repr=False)

    def __str__(self) -> str:
        where = f"feed '{self.feed}'" + (
            f" record {self.offset}" if self.offset is not None else ""
        )
        return f"{where}: {self.reason}"


@dataclass
class SinkError(OrderloomError):
    """ClickHouse (server or embedded) refused a statement or could not be reached."""

    url: str
    reason: str
    exit_code: int = field(default=4, repr=False)

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


class RunFailed(OrderloomError):
    """A run could not complete (a worker process failed, a mode not available)."""

    exit_code = 6


class RunInterrupted(OrderloomError):
    """Ctrl-C during a run: what was processed is flushed to the analytics store."""

    exit_code = 130


@dataclass
class OrderRejected(OrderloomError):
    """A pre-trade check refused an order."""

    order_id: str
    check: str
    limit: float
    value: float
    exit_code: int = field(default=5, repr=False)

    def __str__(self) -> str:
        return f"order {self.order_id} rejected by {self.check}: {self.value} exceeds {self.limit}"


def orderloom_cause(exc: BaseException) -> OrderloomError | None:
    """The OrderloomError behind `exc`, following causes (bytewax wraps errors raised in a
    step in its own runtime error)."""
    found = _cause(exc, OrderloomError)
    return found if isinstance(found, OrderloomError) else None


def interrupted(exc: BaseException) -> bool:
    """Whether `exc` is, or was caused by, Ctrl-C (bytewax wraps it when it hits a step)."""
    return _cause(exc, KeyboardInterrupt) is not None


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
