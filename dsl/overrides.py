"""`--set PATH=VALUE` overrides applied to the loaded document before it is checked.

PATH is dotted (`strategies.buy_twap.quantity`; quote a part holding dots:
`risk.max_position."BRK.B/USD@x"`; a number indexes a list). Every part but the last must
exist; the last may add a key. VALUE is read as YAML. Diagnostics point into `<--set>`, whose
line N is the N-th override, so they render like any file.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence as AbcSequence
from dataclasses import dataclass

from orderloom.dsl import codes, sources
from orderloom.dsl.diagnostics import Diagnostics, did_you_mean
from orderloom.dsl.errors import Span
from orderloom.dsl.loader import load_text
from orderloom.dsl.nodes import Mapping, Node, Scalar, Sequence

SET_FILE = "<--set>"


@dataclass(frozen=True)
class Part:
    text: str
    span: Span


def apply_overrides(doc: Mapping, overrides: AbcSequence[str], diags: Diagnostics) -> Mapping:
    if not overrides:
        return doc
    sources.register(SET_FILE, "\n".join(overrides))
    for number, override in enumerate(overrides, start=1):
        parsed = _parse(override, number, diags)
        if parsed is None:
            continue
        parts, value = parsed
        updated = set_path(doc, parts, value, diags)
        if isinstance(updated, Mapping):
            doc = updated
    return doc


def parse_path(
    text: str, span: Callable[[int, int], Span], diags: Diagnostics, subject: str, usage: str
) -> tuple[list[Part], int] | None:
    """The dotted path at the start of `text` (up to `=` or the end) and where it stopped;
    `span(start, end)` places text[start:end] in the source, `subject` names the path in
    messages (`--set path`) and `usage` is the help example."""
    parts: list[Part] = []
    i = 0
    size = len(text)
    while True:
        if i < size and text[i] in "\"'":
            close = text.find(text[i], i + 1)
            if close < 0:
                diags.error(codes.OVERRIDE_SYNTAX, f"unclosed quote in {subject}", span(i, i))
                return None
            parts.append(Part(text[i + 1 : close], span(i, close + 1)))
            i = close + 1
        else:
            j = i
            while j < size and text[j] not in ".=":
                j += 1
            if j == i:
                what = f"empty part in {subject}" if parts else f"{subject} is empty"
                if not parts and subject == "--set path":
                    what = "--set needs PATH=VALUE"
                diags.error(codes.OVERRIDE_SYNTAX, what, span(i, i), usage)
                return None
            parts.append(Part(text[i:j].strip(), span(i, j)))
            i = j
        if i < size and text[i] == ".":
            i += 1
            continue
        return parts, i


def _parse(override: str, line: int, diags: Diagnostics) -> tuple[list[Part], Node] | None:
    def span(start: int, end: int) -> Span:
        return Span(SET_FILE, line, start + 1, line, max(end, start + 1) + 1)

    parsed = parse_path(
        override, span, diags, "--set path", "write e.g. --set strategies.buy_twap.quantity=3"
    )
    if parsed is None:
        return None
    parts, i = parsed
    size = len(override)
    if i >= size or override[i] != "=":
        diags.error(
            codes.OVERRIDE_SYNTAX,
            "--set needs PATH=VALUE",
            span(min(i, size), min(i, size)),
            "write e.g. --set strategies.buy_twap.quantity=3",
        )
        return None
    value_text = override[i + 1 :]
    value: Node | None = None
    if value_text.strip():
        value = load_text(value_text, SET_FILE, diags, origin=(line, i + 2))
        if value is None:
            return None
    else:
        value = Scalar(None, "", span(i + 1, i + 1))
    return parts, value


def set_path(doc: Mapping, parts: list[Part], value: Node, diags: Diagnostics) -> Node | None:
    """`doc` with the value at the dotted path `parts` set to `value` (also used by sweeps);
    None, with an override-path diagnostic at the offending part, when the path is wrong."""
    return _set(doc, parts, value, [], diags)


def _set(
    node: Node, parts: list[Part], value: Node, done: list[str], diags: Diagnostics
) -> Node | None:
    part, rest = parts[0], parts[1:]
    where = ".".join(done) or "the pipeline"
    if isinstance(node, Mapping):
        child = node.get(part.text)
        if child is None and rest:
            hint = did_you_mean(part.text, node.keys())
            if hint is None and node.keys():
                hint = f"known here: {', '.join(node.keys())}"
            diags.error(codes.OVERRIDE_PATH, f"no '{part.text}' in {_name(where)}", part.span, hint)
            return None
        if not rest:
            key = node.key(part.text) or Scalar(part.text, part.text, part.span)
            return node.with_item(key, value)
        assert child is not None
        updated = _set(child, rest, value, [*done, part.text], diags)
        if updated is None:
            return None
        key = node.key(part.text)
        assert key is not None
        return node.with_item(key, updated)
    if isinstance(node, Sequence):
        if not part.text.isdigit() or int(part.text) >= len(node.items):
            diags.error(
                codes.OVERRIDE_PATH,
                f"{_name(where)} is a list of {len(node.items)}; '{part.text}' is not an index",
                part.span,
                f"use 0 to {len(node.items) - 1}" if node.items else None,
            )
            return None
        index = int(part.text)
        updated = (
            value if not rest else _set(node.items[index], rest, value, [*done, part.text], diags)
        )
        if updated is None:
            return None
        items = tuple(updated if n == index else item for n, item in enumerate(node.items))
        return Sequence(items, node.span)
    diags.error(
        codes.OVERRIDE_PATH,
        f"{_name(where)} is a single value, it has no '{part.text}'",
        part.span,
    )
    return None


def _name(where: str) -> str:
    return where if where == "the pipeline" else f"`{where}`"
