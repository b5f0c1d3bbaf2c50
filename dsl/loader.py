"""YAML text -> document nodes with a source position for every character.

Built on PyYAML's composer (its node graph carries marks) rather than its constructor, so
orderloom decides the types: duplicate keys are errors, only `true`/`false` are booleans
(`ON`, `NO`, `Y`, `yes` stay words), and dates stay text until a timestamp is expected.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from orderloom.dsl import codes, sources
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.errors import Span
from orderloom.dsl.nodes import Mapping, Node, Pos, Scalar, Sequence

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
_HEX_OCT = re.compile(r"0x[0-9a-fA-F_]+|0o[0-7_]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS = {
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}


def resolve_plain(text: str) -> Any:
    """The value of a plain (unquoted) scalar: null, true/false, int, float, else the text."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.fullmatch(text):
        return int(text)
    if _HEX_OCT.fullmatch(text):
        return int(text, 0)
    if _FLOAT.fullmatch(text) and any(c.isdigit() for c in text):
        return float(text)
    if text.lower() in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text.lower()]
    return text


def load_text(
    text: str,
    file: str,
    diags: Diagnostics,
    origin: Pos = (1, 1),
) -> Node | None:
    """Parse one YAML document. `origin` is where `text` starts in `file` (for `--set`
    values, which sit inside a longer line). Returns None after reporting a syntax error."""
    if origin == (1, 1):
        sources.register(file, text)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = _position(mark.line, mark.column, origin) if mark else origin
        lines = text.splitlines()
        if mark is not None and mark.line >= len(lines) and lines:
            # At the end of the file: point just after the last line's text.
            line, col = _position(len(lines) - 1, len(lines[-1]), origin)
        message = (error.problem or error.context or "invalid YAML").strip()
        hint = None
        if error.context and error.problem:
            hint = error.context.strip()
            if error.context_mark is not None:
                hint += f" (line {_position(error.context_mark.line, 0, origin)[0]})"
        if "'\\t'" in message:
            hint = "indent with spaces; YAML does not allow tabs there"
        diags.error(codes.YAML_SYNTAX, message, Span(file, line, col, line, col + 1), hint)
        return None
    except yaml.YAMLError as error:  # reader errors: bad characters
        diags.error(codes.YAML_SYNTAX, str(error).splitlines()[0], Span(file, *origin))
        return None
    finally:
        loader.dispose()
    if node is None:
        return None
    return _Builder(text, file, origin, diags, loader).build(node)


def _position(line0: int, col0: int, origin: Pos) -> Pos:
    line = line0 + origin[0]
    col = col0 + (origin[1] if line0 == 0 else 1)
    return line, col


class _Builder:
    def __init__(
        self,
        text: str,
        file: str,
        origin: Pos,
        diags: Diagnostics,
        resolver: yaml.SafeLoader,
    ) -> None:
        self.text = text
        self.file = file
        self.origin = origin
        self.diags = diags
        self.resolver = resolver
        self.depth = 0

    def span(self, node: yaml.Node) -> Span:
        start, end = node.start_mark, node.end_mark
        line, col = _position(start.line, start.column, self.origin)
        end_line, end_col = _position(end.line, end.column, self.origin)
        return Span(self.file, line, col, end_line, end_col)

    def build(self, node: yaml.Node) -> Node | None:
        self.depth += 1
        try:
            if self.depth > 100:
                self.diags.error(codes.YAML_SYNTAX, "document nested too deeply", self.span(node))
                return None
            if isinstance(node, ScalarNode):
                return self.scalar(node)
            if isinstance(node, SequenceNode):
                items = [self.build(item) for item in node.value]
                return Sequence(tuple(i for i in items if i is not None), self.span(node))
            if isinstance(node, MappingNode):
                return self.mapping(node)
            raise TypeError(f"unexpected YAML node {node!r}")
        finally:
            self.depth -= 1

    def mapping(self, node: MappingNode) -> Mapping:
        items: dict[str, tuple[Scalar, Node]] = {}
        merged: list[tuple[Scalar, Node]] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.diags.error(
                    codes.YAML_SYNTAX,
                    "a mapping key must be a plain word, not a list or mapping",
                    self.span(key_node),
                )
                continue
            if key_node.tag == _MERGE_TAG and key_node.style is None:
                merged.extend(self.merge_items(value_node))
                continue
            key = self.scalar(key_node, as_key=True)
            value = self.build(value_node)
            if value is None:
                continue
            if key.text in items:
                first = items[key.text][0].span
                self.diags.error(
                    codes.DUPLICATE_KEY,
                    f"duplicate key '{key.text}' (first defined at {first})",
                    key.span,
                    "YAML would silently keep only the last one; remove or rename one of them",
                )
                continue
            items[key.text] = (key, value)
        for key, value in merged:  # keys written explicitly win over merged ones (YAML `<<`)
            items.setdefault(key.text, (key, value))
        return Mapping(tuple(items.values()), self.span(node))

    def merge_items(self, value_node: yaml.Node) -> list[tuple[Scalar, Node]]:
        sources_ = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        out: list[tuple[Scalar, Node]] = []
        for source in sources_:
            built = self.build(source)
            if not isinstance(built, Mapping):
                self.diags.error(codes.YAML_SYNTAX, "'<<' merges only mappings", self.span(source))
                continue
            out.extend(built.items)
        return out

    def scalar(self, node: ScalarNode, as_key: bool = False) -> Scalar:
        value_text: str = node.value
        style = node.style or "plain"
        span = self.span(node)
        starts, ends = self.positions(node, value_text, style)
        if as_key or style != "plain":
            value: Any = value_text
        elif node.tag == _STR_TAG and self.explicit_tag(node):
            value = value_text  # `!!str 5`
        else:
            value = resolve_plain(value_text)
        if style in ("|", ">"):
            # Point at the block indicator, not the whole block, when underlining the scalar.
            span = Span(span.file, span.line, span.col, span.line, span.col + 1)
        return Scalar(value, value_text, span, style, starts, ends)

    def explicit_tag(self, node: ScalarNode) -> bool:
        implicit = self.resolver.resolve(ScalarNode, node.value, (True, False))
        return bool(implicit != node.tag)

    def positions(
        self, node: ScalarNode, value: str, style: str
    ) -> tuple[tuple[Pos, ...], tuple[Pos, ...]]:
        """Align each character of the scalar's value with the source text it came from."""
        raw = self.text[node.start_mark.index : node.end_mark.index]
        where = _raw_positions(raw, node.start_mark.line, node.start_mark.column, self.origin)
        pairs = _align(value, raw, style)
        starts = tuple(where[a] for a, _ in pairs)
        ends = tuple(_after(where, raw, b) for _, b in pairs)
        return starts, ends


def _raw_positions(raw: str, line0: int, col0: int, origin: Pos) -> list[Pos]:
    out: list[Pos] = []
    line, col = line0, col0
    for ch in raw:
        out.append(_position(line, col, origin))
        if ch == "\n":
            line, col = line + 1, 0
        else:
            col += 1
    out.append(_position(line, col, origin))
    return out


def _after(where: list[Pos], raw: str, end: int) -> Pos:
    """The position just after raw[:end] on the line of its last character."""
    if end <= 0:
        return where[0]
    line, col = where[end - 1]
    return line, col + 1


def _align(value: str, raw: str, style: str) -> list[tuple[int, int]]:
    """For each character of `value`, the [start, end) range of `raw` that produced it.

    Quoted scalars drop their quotes and turn escapes into single characters; folded and
    multi-line scalars turn line breaks (plus indentation) into spaces; block scalars start
    on the line after their header.
    """
    p = 0
    block = style in ("|", ">")
    indent = 0
    if block:
        p = raw.find("\n") + 1 if "\n" in raw else len(raw)
        indent = _block_indent(raw[p:])
    elif style in ("'", '"'):
        p = 1
    out: list[tuple[int, int]] = []
    size = len(raw)
    for ch in value:
        found = False
        while p < size:
            if block and (p == 0 or raw[p - 1] == "\n"):
                # A block line's indentation is not part of the value.
                skip = 0
                while skip < indent and p + skip < size and raw[p + skip] == " ":
                    skip += 1
                p += skip
                if p >= size:
                    break
            r = raw[p]
            if style == '"' and r == "\\":
                nxt = raw[p + 1 : p + 2]
                if nxt in ("\n", "\r"):  # escaped line break: produces nothing
                    p += 2
                    continue
                length = {"x": 4, "u": 6, "U": 10}.get(nxt, 2)
                out.append((p, min(p + length, size)))
                p += length
                found = True
                break
            if style == "'" and r == "'" and ch == "'" and raw[p + 1 : p + 2] == "'":
                out.append((p, p + 2))
                p += 2
                found = True
                break
            if r == ch or (ch in " \n" and r in "\n\r"):
                out.append((p, p + 1))
                p += 1
                found = True
                break
            p += 1
        if not found:  # cannot happen for well-formed scalars; stay inside the text
            last = max(size - 1, 0)
            out.append((last, size))
    return out


def _block_indent(body: str) -> int:
    """Indentation of a block scalar's content: that of its first non-blank line."""
    for text_line in body.split("\n"):
        if text_line.strip():
            return len(text_line) - len(text_line.lstrip(" "))
    return 0
