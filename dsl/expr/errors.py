"""Expression errors: the diagnostic codes this package owns and the exception that carries
them. ExprError is a ConfigError, so the compiler can merge its diagnostics with its own."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from orderloom.dsl.errors import NO_SPAN, ConfigError, Diagnostic, Span

SYNTAX = "E0301"  # expression syntax error
UNKNOWN_NAME = "E0302"  # unknown name
TYPE_MISMATCH = "E0303"  # type mismatch
BAD_ARGUMENTS = "E0304"  # wrong number or kind of arguments
UNKNOWN_INSTRUMENT = "E0305"  # unknown instrument
BAD_LITERAL = "E0306"  # bad unit or literal

CODE_TITLES: dict[str, str] = {
    SYNTAX: "expression syntax error",
    UNKNOWN_NAME: "unknown name in an expression",
    TYPE_MISMATCH: "type mismatch in an expression",
    BAD_ARGUMENTS: "wrong number or kind of arguments to a function",
    UNKNOWN_INSTRUMENT: "unknown instrument in an expression",
    BAD_LITERAL: "bad unit or literal",
}


class ExprError(ConfigError):
    """A problem in one expression; its diagnostics point inside the YAML scalar."""

    @classmethod
    def one(
        cls, code: str, message: str, span: Span = NO_SPAN, hint: str | None = None
    ) -> ExprError:
        return cls([Diagnostic(code, message, span, hint)])

    @property
    def diagnostic(self) -> Diagnostic:
        return self.diagnostics[0]


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """A 'did you mean' hint naming the closest known spelling, if any is close."""
    close = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
