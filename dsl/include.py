"""Reading a pipeline file and the files it includes into one document.

`include: [shared/venues.yaml, ...]` names files relative to the including file; their
sections (instruments, venues, feeds, signals, strategies, risk, routing, sinks) merge into
the pipeline. A name defined in two files is an error naming both places, and every node
keeps the span of the file it came from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping as AbcMapping
from pathlib import Path

from orderloom.dsl import codes
from orderloom.dsl.diagnostics import Diagnostics, did_you_mean
from orderloom.dsl.errors import Span
from orderloom.dsl.interpolate import substitute
from orderloom.dsl.loader import load_text
from orderloom.dsl.nodes import Mapping, Node, Scalar, Sequence

SECTIONS: tuple[str, ...] = (
    "instruments",
    "venues",
    "feeds",
    "signals",
    "strategies",
    "risk",
    "routing",
    "sinks",
)


def read_source(path: str, diags: Diagnostics, span: Span | None = None) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        where = span or Span(path, 0, 0)
        diags.error(codes.FILE_NOT_FOUND, f"no such file: '{path}'", where, _near(path))
    except (OSError, UnicodeDecodeError) as error:
        where = span or Span(path, 0, 0)
        diags.error(codes.FILE_NOT_FOUND, f"cannot read '{path}': {error}", where)
    return None


def _near(path: str) -> str | None:
    folder = os.path.dirname(path) or "."
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    return did_you_mean(os.path.basename(path), names)


def load_pipeline(path: str, env: AbcMapping[str, str], diags: Diagnostics) -> Mapping | None:
    """The pipeline at `path` with its includes merged in (`include:` removed)."""
    text = read_source(path, diags)
    if text is None:
        return None
    return load_document(text, path, env, diags)


def load_document(
    text: str, path: str, env: AbcMapping[str, str], diags: Diagnostics
) -> Mapping | None:
    root = load_text(text, path, diags)
    if root is None:
        if len(diags):
            return None
        return Mapping((), Span(path, 1, 1, 1, 2))  # an empty file
    if not isinstance(root, Mapping):
        diags.error(
            codes.WRONG_TYPE,
            "a pipeline file must be a mapping of sections (orderloom:, name:, feeds:, ...)",
            root.span,
        )
        return None
    return _Includer(env, diags).expand(root, path, (os.path.abspath(path),))


class _Includer:
    def __init__(self, env: AbcMapping[str, str], diags: Diagnostics) -> None:
        self.env = env
        self.diags = diags

    def expand(self, doc: Mapping, path: str, chain: tuple[str, ...]) -> Mapping:
        include = doc.get("include")
        merged = doc.without("include")
        for item in self.include_items(include):
            included = self.load_one(item, path, chain)
            if included is not None:
                merged = self.merge(merged, included)
        return merged

    def include_items(self, include: Node | None) -> list[Scalar]:
        if include is None:
            return []
        items = include.items if isinstance(include, Sequence) else (include,)
        out: list[Scalar] = []
        for item in items:
            value = (
                substitute(item, self.env, None, self.diags) if isinstance(item, Scalar) else item
            )
            if not isinstance(value, Scalar) or not isinstance(value.value, str):
                self.diags.error(
                    codes.WRONG_TYPE,
                    "`include` takes file paths, e.g. include: [shared/venues.yaml]",
                    value.span,
                )
                continue
            out.append(value)
        return out

    def load_one(self, item: Scalar, path: str, chain: tuple[str, ...]) -> Mapping | None:
        target = os.path.normpath(os.path.join(os.path.dirname(path), item.value))
        absolute = os.path.abspath(target)
        if absolute in chain:
            names = [os.path.relpath(p) for p in (*chain[chain.index(absolute) :], absolute)]
            self.diags.error(
                codes.INCLUDE_CYCLE,
                f"include cycle: {' -> '.join(names)}",
                item.span,
                "a file may not include itself, directly or through other files",
            )
            return None
        text = read_source(target, self.diags, item.span)
        if text is None:
            return None
        root = load_text(text, target, self.diags)
        if root is None:
            return None
        if not isinstance(root, Mapping):
            self.diags.error(
                codes.WRONG_TYPE, "an included file must be a mapping of sections", root.span
            )
            return None
        for key, _ in root.items:
            if key.text not in (*SECTIONS, "include"):
                self.diags.error(
                    codes.UNKNOWN_KEY,
                    f"'{key.text}' cannot appear in an included file",
                    key.span,
                    did_you_mean(key.text, SECTIONS)
                    or f"included files hold only sections: {', '.join(SECTIONS)}",
                )
        sections = Mapping(
            tuple((k, v) for k, v in root.items if k.text in (*SECTIONS, "include")), root.span
        )
        return self.expand(sections, target, (*chain, absolute))

    def merge(self, doc: Mapping, included: Mapping) -> Mapping:
        for key, section in included.items:
            if not isinstance(section, Mapping):
                self.diags.error(
                    codes.WRONG_TYPE, f"`{key.text}` must be a mapping of names", section.span
                )
                continue
            mine = doc.get(key.text)
            if mine is None:
                doc = doc.with_item(key, section)
                continue
            if not isinstance(mine, Mapping):
                continue  # the schema check reports the pipeline's own wrong type
            for name, value in section.items:
                first = mine.key(name.text)
                if first is not None:
                    self.diags.error(
                        codes.DUPLICATE_KEY,
                        f"'{name.text}' in `{key.text}` is defined twice (also at {first.span})",
                        name.span,
                        "names must be unique across the pipeline and its includes",
                    )
                    continue
                mine = mine.with_item(name, value)
            doc = doc.with_item(doc.key(key.text) or key, mine)
        return doc
