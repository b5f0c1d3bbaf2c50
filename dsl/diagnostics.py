"""The collector every compiler pass writes its diagnostics to, and the did-you-mean hint.

Passes keep going after an error so that one run reports every problem; the collector
drops exact repeats (a for_each template checked once per instance reports once).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from orderloom.dsl.errors import ConfigError, Diagnostic, Span


class Diagnostics:
    def __init__(self) -> None:
        self._items: dict[Diagnostic, None] = {}
        self._poisoned: list[Span] = []

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        if not any(_overlap(span, bad) for bad in self._poisoned):
            self._items.setdefault(Diagnostic(code, message, span, hint), None)

    def poison(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        """Report a problem whose text stays in the document (an unresolved `${...}`); later
        diagnostics overlapping it would only repeat it, so they are dropped."""
        self.error(code, message, span, hint)
        self._poisoned.append(span)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        for d in diagnostics:
            self._items.setdefault(d, None)

    def __len__(self) -> int:
        return sum(1 for d in self._items if d.severity == "error")

    def items(self) -> list[Diagnostic]:
        return sorted(self._items, key=Diagnostic.sort_key)

    def raise_if_any(self) -> None:
        if len(self):
            raise ConfigError(self.items())


def _overlap(a: Span, b: Span) -> bool:
    if a.file != b.file:
        return False
    a_end = (a.end_line or a.line, a.end_col or a.col + 1)
    b_end = (b.end_line or b.line, b.end_col or b.col + 1)
    return (a.line, a.col) < b_end and (b.line, b.col) < a_end


def closest(word: str, candidates: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """`did you mean 'x'?` for the closest candidate, or None when nothing is close."""
    match = closest(word, candidates)
    return f"did you mean '{match}'?" if match else None
