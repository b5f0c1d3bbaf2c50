"""Diagnostics as text, rustc style:

    pipelines/mm.yaml:14:9: error[E0101]: unknown feed 'btc_book'
       |
    14 |     feeds: [btc_book]
       |             ^^^^^^^^
       = help: did you mean 'btc_books'?

sorted by place, each with its source line and a caret underline.
"""

from __future__ import annotations

from collections.abc import Iterable

from orderloom.dsl import sources
from orderloom.dsl.errors import Diagnostic

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_RED = "\x1b[1;31m"
_YELLOW = "\x1b[1;33m"
_BLUE = "\x1b[1;34m"
_CYAN = "\x1b[1;36m"


def render_diagnostics(diags: Iterable[Diagnostic], color: bool = False) -> str:
    ordered = sorted(diags, key=Diagnostic.sort_key)
    return "\n\n".join(render_one(d, color) for d in ordered)


def render_one(d: Diagnostic, color: bool = False) -> str:
    def paint(style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if color else text

    span = d.span
    place = f"{span.file}:{span.line}:{span.col}" if span.line > 0 else span.file
    severity = paint(_RED if d.severity == "error" else _YELLOW, f"{d.severity}[{d.code}]")
    lines = [f"{paint(_BOLD, place)}: {severity}: {paint(_BOLD, d.message)}"]
    source = sources.line(span.file, span.line) if span.line > 0 else None
    gutter = " " * len(str(span.line))
    bar = paint(_BLUE, "|")
    if source is not None:
        shown = source.expandtabs(1)  # one column per character, as the spans count
        start = max(span.col, 1)
        if span.end_line == span.line and span.end_col > start:
            end = span.end_col
        elif span.end_line > span.line:
            end = max(len(shown.rstrip()) + 1, start + 1)
        else:
            end = start + 1
        end = min(end, max(len(shown) + 1, start + 1))
        underline = " " * (start - 1) + "^" * (end - start)
        lines += [
            f"{gutter} {bar}",
            f"{paint(_BLUE, str(span.line))} {bar} {shown}",
            f"{gutter} {bar} {paint(_RED, underline)}",
        ]
    if d.hint:
        prefix = f"{gutter} = " if source is not None else "  = "
        lines.append(f"{paint(_BLUE, prefix)}{paint(_CYAN, 'help')}: {d.hint}")
    return "\n".join(lines)
