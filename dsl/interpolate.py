"""`${...}` placeholders inside scalars: `${VAR}` and `${VAR:-default}` read the environment,
`${each.NAME}` takes a for_each instance's value, and `$${` writes a literal `${`.

Substituted characters keep a position: those of the placeholder (so an error in the
substituted text underlines `${...}`), or, for a default, the default's own characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as AbcMapping

from orderloom.dsl import codes
from orderloom.dsl.diagnostics import Diagnostics, did_you_mean
from orderloom.dsl.errors import Span
from orderloom.dsl.loader import resolve_plain
from orderloom.dsl.nodes import Mapping, Node, Pos, Scalar, Sequence

_PLACEHOLDER = re.compile(r"\$\$\{|\$\{([^{}]*)\}")
_ENV = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(:-(.*))?", re.DOTALL)
_EACH = re.compile(r"each\.([A-Za-z_][A-Za-z0-9_]*)")
_HELP = "write ${VAR}, ${VAR:-default} or ${each.NAME}; write $${ for a literal ${"

Each = AbcMapping[str, Node]


def substitute_tree(
    node: Node, env: AbcMapping[str, str], each: Each | None, diags: Diagnostics
) -> Node:
    """Substitute placeholders in every scalar value under `node` (keys stay literal)."""
    if isinstance(node, Mapping):
        items = tuple((k, substitute_tree(v, env, each, diags)) for k, v in node.items)
        return Mapping(items, node.span)
    if isinstance(node, Sequence):
        return Sequence(tuple(substitute_tree(v, env, each, diags) for v in node.items), node.span)
    return substitute(node, env, each, diags)


def substitute(
    scalar: Scalar, env: AbcMapping[str, str], each: Each | None, diags: Diagnostics
) -> Node:
    text = scalar.text
    if "${" not in text:
        return scalar
    whole = _PLACEHOLDER.fullmatch(text)
    if whole and whole.group(1) is not None and each is not None:
        variable = _EACH.fullmatch(whole.group(1))
        if variable and variable.group(1) in each:
            return each[variable.group(1)]  # the value node itself, typed and placed
    out = _Text(scalar)
    cursor = 0
    for match in _PLACEHOLDER.finditer(text):
        out.copy(cursor, match.start())
        cursor = match.end()
        if match.group(0) == "$${":
            out.copy(match.start() + 1, match.end())
            continue
        inner = match.group(1)
        span = scalar.locate(match.start(), match.end())
        each_name = _EACH.fullmatch(inner)
        env_name = _ENV.fullmatch(inner)
        if each_name:
            spliced = _each_value(each_name.group(1), each, span, diags)
            if spliced is None:
                out.copy(match.start(), match.end())
            else:
                out.insert(spliced, match.start(), match.end())
        elif env_name:
            name, default = env_name.group(1), env_name.group(3)
            found = env.get(name)
            if found is not None and (found or default is None):
                out.insert(found, match.start(), match.end())
            elif default is not None:
                begin = match.start() + 2 + env_name.start(3)
                out.copy(begin, begin + len(default))
            else:
                diags.poison(
                    codes.INTERPOLATION,
                    f"environment variable '{name}' is not set",
                    span,
                    f"set it, or give a default: ${{{name}:-value}}",
                )
                out.copy(match.start(), match.end())
        else:
            diags.poison(codes.INTERPOLATION, f"bad placeholder '{match.group(0)}'", span, _HELP)
            out.copy(match.start(), match.end())
    out.copy(cursor, len(text))
    new_text = out.text()
    # A value that is exactly one placeholder is typed like unquoted YAML even when quoted,
    # since flow mappings (`{count: "${N}"}`) need the quotes.
    typed = scalar.style == "plain" or (whole is not None and whole.group(1) is not None)
    value = resolve_plain(new_text) if typed else new_text
    return Scalar(value, new_text, scalar.span, scalar.style, tuple(out.starts), tuple(out.ends))


def _each_value(name: str, each: Each | None, span: Span, diags: Diagnostics) -> str | None:
    if each is None:
        diags.poison(
            codes.BAD_FOR_EACH,
            f"'${{each.{name}}}' is only meaningful in a strategy with for_each",
            span,
            "add `for_each: {" + name + ": [...]}` to the strategy, or write $${ for a literal ${",
        )
        return None
    if name not in each:
        hint = did_you_mean(name, each) or f"for_each defines: {', '.join(each)}"
        diags.poison(codes.BAD_FOR_EACH, f"for_each has no variable '{name}'", span, hint)
        return None
    value = each[name]
    if not isinstance(value, Scalar):
        diags.poison(
            codes.BAD_FOR_EACH,
            f"'${{each.{name}}}' is a list or mapping and cannot be spliced into text",
            span,
        )
        return None
    return value.text


class _Text:
    """Builds the substituted text together with each character's source position."""

    def __init__(self, scalar: Scalar) -> None:
        self.scalar = scalar
        self.chars: list[str] = []
        self.starts: list[Pos] = []
        self.ends: list[Pos] = []

    def copy(self, start: int, end: int) -> None:
        s = self.scalar
        self.chars.append(s.text[start:end])
        if s.starts:
            self.starts.extend(s.starts[start:end])
            self.ends.extend(s.ends[start:end])
        else:  # a scalar made by the compiler: every character sits at the scalar
            self.starts.extend([(s.span.line, s.span.col)] * (end - start))
            self.ends.extend([(s.span.line, s.span.col + 1)] * (end - start))

    def insert(self, value: str, start: int, end: int) -> None:
        s = self.scalar
        self.chars.append(value)
        begin = s.starts[start] if s.starts else (s.span.line, s.span.col)
        after = s.ends[end - 1] if s.ends else (s.span.line, s.span.col + 1)
        self.starts.extend([begin] * len(value))
        self.ends.extend([after] * len(value))

    def text(self) -> str:
        return "".join(self.chars)
