"""The loaded document: YAML mappings, sequences and scalars that remember where each
character came from, so any later pass (schema, expressions, references) can point at the file.

Scalars keep their typed value (decided by orderloom, not by YAML 1.1 rules), their text,
and the file position of every character of that text (`starts`/`ends`), which is what lets
an error inside an expression string land on the right column, even after `${...}`
substitution or in a block scalar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderloom.dsl.errors import Span

Pos = tuple[int, int]  # (line, col), 1-based


@dataclass(frozen=True, eq=False)
class Scalar:
    value: Any  # str | int | float | bool | None
    text: str  # the scalar's text (after substitution); expressions are parsed from it
    span: Span  # the whole scalar as written, quotes included
    style: str = "plain"  # "plain" | "'" | '"' | "|" | ">"
    starts: tuple[Pos, ...] = ()  # file position of each character of `text`
    ends: tuple[Pos, ...] = ()  # file position just after each character

    def locate(self, start: int, end: int) -> Span:
        """The file span of text[start:end]; what dsl.expr's `parse(text, locate)` calls."""
        if not self.starts:
            return self.span
        size = len(self.text)
        start = min(max(start, 0), size)
        end = min(max(end, start), size)
        if start == size:
            line, col = self.ends[-1] if size else (self.span.line, self.span.col)
            return Span(self.span.file, line, col, line, col + 1)
        line, col = self.starts[start]
        if end == start:
            return Span(self.span.file, line, col, line, col + 1)
        end_line, end_col = self.ends[end - 1]
        return Span(self.span.file, line, col, end_line, end_col)


@dataclass(frozen=True, eq=False)
class Mapping:
    items: tuple[tuple[Scalar, Node], ...]
    span: Span

    def get(self, key: str) -> Node | None:
        for k, v in self.items:
            if k.text == key:
                return v
        return None

    def key(self, key: str) -> Scalar | None:
        for k, _ in self.items:
            if k.text == key:
                return k
        return None

    def keys(self) -> list[str]:
        return [k.text for k, _ in self.items]

    def __contains__(self, key: str) -> bool:
        return any(k.text == key for k, _ in self.items)

    def with_item(self, key: Scalar, value: Node) -> Mapping:
        """A copy with `key` set to `value` (replaced in place, or appended)."""
        if key.text in self:
            items = tuple((k, value if k.text == key.text else v) for k, v in self.items)
        else:
            items = (*self.items, (key, value))
        return Mapping(items, self.span)

    def without(self, key: str) -> Mapping:
        return Mapping(tuple((k, v) for k, v in self.items if k.text != key), self.span)


@dataclass(frozen=True, eq=False)
class Sequence:
    items: tuple[Node, ...]
    span: Span


Node = Scalar | Mapping | Sequence


def to_python(node: Node) -> Any:
    """Plain Python values (dict/list/scalars) for JSON Schema validation."""
    if isinstance(node, Mapping):
        return {k.text: to_python(v) for k, v in node.items}
    if isinstance(node, Sequence):
        return [to_python(v) for v in node.items]
    return node.value
