"""Checking the document against the JSON Schema, with jsonschema's errors turned into
diagnostics that name the YAML place and the fix (missing key, unknown key with
did-you-mean, wrong type, value not allowed).

The document is checked section by section, then each component against its kind, so an
error in one component neither hides nor duplicates errors in another. The result says which
components are clean enough to compile.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jsonschema import ValidationError

from orderloom.dsl import codes, registry
from orderloom.dsl.context import KindContext, Names
from orderloom.dsl.diagnostics import Diagnostics, did_you_mean
from orderloom.dsl.errors import Span
from orderloom.dsl.nodes import Mapping, Node, Scalar, Sequence, to_python
from orderloom.dsl.schema import (
    COMPONENT_SECTIONS,
    LITERAL_TITLES,
    component_validator,
    document_validator,
)

SINGULAR = {
    "instruments": "instrument",
    "venues": "venue",
    "feeds": "feed",
    "signals": "signal",
    "strategies": "strategy",
    "sinks": "sink",
}
_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
    "null": "nothing",
}


@dataclass
class Checked:
    """Which parts passed: (section, name) of clean components; broken sections by name."""

    clean: set[tuple[str, str]] = field(default_factory=set)
    broken_sections: set[str] = field(default_factory=set)


def check_document(doc: Mapping, templates: dict[str, str], diags: Diagnostics) -> Checked:
    checked = Checked()
    report = _Reporter(doc, templates, diags)
    errors = list(document_validator().iter_errors(to_python(doc)))
    broken: set[tuple[str, ...]] = set()
    for error in errors:
        path = tuple(str(p) for p in error.absolute_path)
        if "propertyNames" in error.schema_path:
            path = (*path, str(error.instance))  # the bad name itself
        if report.error(error, ()):
            broken.add(path[:2])
            if len(path) == 1:
                checked.broken_sections.add(path[0])
    for section, category in COMPONENT_SECTIONS.items():
        entries = doc.get(section)
        if not isinstance(entries, Mapping) or section in checked.broken_sections:
            continue
        for name_key, body in entries.items:
            name = name_key.text
            if (section, name) in broken or not isinstance(body, Mapping):
                continue
            kind_node = body.get("kind")
            if not isinstance(kind_node, Scalar) or not isinstance(kind_node.value, str):
                continue  # reported by the document check
            spec = registry.get(category, kind_node.value)
            if spec is None:
                known = [s.name for s in registry.kinds(category)]
                diags.error(
                    codes.UNKNOWN_KIND,
                    f"unknown {category} kind '{kind_node.value}'",
                    kind_node.span,
                    did_you_mean(kind_node.value, known) or f"{category} kinds: {', '.join(known)}",
                )
                continue
            validator = component_validator(category, spec.name)
            found = False
            for error in validator.iter_errors(to_python(body)):
                found |= report.error(error, (section, name))
            if not found:
                checked.clean.add((section, name))
    for key in ("instruments", "signals"):
        entries = doc.get(key)
        if isinstance(entries, Mapping):
            checked.clean.update(
                (key, k.text) for k, _ in entries.items if (key, k.text) not in broken
            )
    risk = doc.get("risk")
    if isinstance(risk, Mapping):
        checked.clean.update(
            ("risk", k.text) for k, _ in risk.items if ("risk", k.text) not in broken
        )
    for path, scalar, title in report.deferred:
        if path[:2] not in checked.clean:
            KindContext(diags, Names()).literal(scalar, title)
    return checked


class _Reporter:
    def __init__(self, doc: Mapping, templates: dict[str, str], diags: Diagnostics) -> None:
        self.doc = doc
        self.templates = templates
        self.diags = diags
        self.deferred: list[tuple[tuple[str, ...], Scalar, str]] = []

    def error(self, error: ValidationError, prefix: tuple[str, ...]) -> bool:
        """Report one jsonschema error; False when it is left to the compile hooks."""
        path = (*prefix, *(str(p) for p in error.absolute_path))
        node, key = _find(self.doc, path)
        where = self.describe(path)
        validator = error.validator
        schema = error.schema if isinstance(error.schema, dict) else {}
        if validator == "pattern" and schema.get("title") in LITERAL_TITLES:
            # The compile hook reads it and reports the exact column; if the hook will not
            # run (other errors in the component), check_document reads it instead.
            if isinstance(node, Scalar):
                self.deferred.append((path, node, schema["title"]))
            return False
        if validator == "required":
            missing = [r for r in error.validator_value if r not in (error.instance or {})]
            props = schema.get("properties", {})
            for name in missing:
                description = props.get(name, {}).get("description")
                add = f"add `{name}:`" + (f" ({description})" if description else "")
                span = key.span if key is not None else _head(node)
                self.diags.error(codes.MISSING_KEY, f"missing key '{name}' in {where}", span, add)
            return True
        if validator == "additionalProperties" and isinstance(node, Mapping):
            allowed = list(schema.get("properties", {}))
            for k, _ in node.items:
                if k.text not in allowed:
                    suggestion = did_you_mean(k.text, allowed)
                    if suggestion is None and allowed:
                        suggestion = f"allowed keys: {', '.join(allowed)}"
                    self.diags.error(
                        codes.UNKNOWN_KEY, f"unknown key '{k.text}' in {where}", k.span, suggestion
                    )
            return True
        if "propertyNames" in error.schema_path:
            return self.bad_name(error, node, path)
        span = _value_span(node, key)
        if validator == "type":
            expected = _expected(schema)
            self.diags.error(
                codes.WRONG_TYPE,
                f"{where} must be {expected}, found {_found(error.instance)}",
                span,
                schema.get("description"),
            )
            return True
        if validator in ("enum", "const"):
            choices = error.validator_value if validator == "enum" else [error.validator_value]
            words = ", ".join(str(c) for c in choices)
            hint: str | None = None
            if isinstance(error.instance, str):
                hint = did_you_mean(error.instance, [str(c) for c in choices])
            self.diags.error(
                codes.BAD_VALUE,
                f"{_found(error.instance)} is not allowed for {where}: expected {words}",
                span,
                hint,
            )
            return True
        if validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
            relation = {
                "minimum": "at least",
                "exclusiveMinimum": "more than",
                "maximum": "at most",
                "exclusiveMaximum": "less than",
            }[validator]
            self.diags.error(
                codes.BAD_VALUE,
                f"{where} must be {relation} {error.validator_value}, found {error.instance}",
                span,
            )
            return True
        if validator == "pattern":
            title = schema.get("title", "value")
            self.diags.error(
                codes.BAD_VALUE,
                f"{_found(error.instance)} is not a valid {title} for {where}",
                span,
                schema.get("description"),
            )
            return True
        self.diags.error(codes.BAD_VALUE, f"{where}: {error.message}", span)
        return True

    def bad_name(self, error: ValidationError, node: Node | None, path: tuple[str, ...]) -> bool:
        """A section key that is not a valid name (or instrument id)."""
        names: Iterable[ValidationError] = error.context or [error]
        reported = False
        for sub in names:
            bad = sub.instance
            if not isinstance(node, Mapping) or not isinstance(bad, str):
                continue
            key = node.key(bad)
            schema = sub.schema if isinstance(sub.schema, dict) else {}
            title = schema.get("title", "name")
            self.diags.error(
                codes.BAD_VALUE,
                f"'{bad}' is not a valid {title} in `{'.'.join(path)}`",
                key.span if key is not None else _head(node),
                schema.get("description"),
            )
            reported = True
        if not reported and isinstance(node, Mapping):
            self.diags.error(codes.BAD_VALUE, f"{error.message}", _head(node))
        return True

    def describe(self, path: tuple[str, ...]) -> str:
        if not path:
            return "the pipeline"
        section = path[0]
        if len(path) == 1:
            return f"`{section}`"
        name = path[1]
        if section in SINGULAR:
            if section == "strategies":
                name = self.templates.get(name, name)
            owner = f"{SINGULAR[section]} '{name}'"
            if len(path) == 2:
                return owner
            return f"'{'.'.join(path[2:])}' of {owner}"
        return f"`{'.'.join(path)}`"


def _find(doc: Node, path: tuple[str, ...]) -> tuple[Node | None, Scalar | None]:
    """The node at `path` and the mapping key that leads to it."""
    node: Node | None = doc
    key: Scalar | None = None
    for part in path:
        if isinstance(node, Mapping):
            key = node.key(part)
            node = node.get(part)
        elif isinstance(node, Sequence) and part.isdigit() and int(part) < len(node.items):
            node = node.items[int(part)]
        else:
            break
    return node, key


def _head(node: Node | None) -> Span:
    if node is None:
        return Span("<unknown>", 0, 0)
    span = node.span
    return Span(span.file, span.line, span.col, span.line, span.col + 1)


def _value_span(node: Node | None, key: Scalar | None) -> Span:
    if isinstance(node, Scalar):
        return node.span
    if node is not None:
        return _head(node)
    return key.span if key is not None else Span("<unknown>", 0, 0)


def _expected(schema: dict[str, Any]) -> str:
    title = schema.get("title")
    if title in LITERAL_TITLES or title == "expression":
        return f"a {title}" + (f" ({schema['description']})" if "description" in schema else "")
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    words = [_TYPE_WORDS.get(t, t) for t in types if not (t == "integer" and "number" in types)]
    return " or ".join(words) if words else "something else"


def _found(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
