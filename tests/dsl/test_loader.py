"""The YAML loader decides types itself and knows where every character came from."""

from __future__ import annotations

import pytest

from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.errors import Span
from orderloom.dsl.loader import load_text
from orderloom.dsl.nodes import Mapping, Scalar, to_python


def load(text: str) -> tuple[Mapping, Diagnostics]:
    diags = Diagnostics()
    node = load_text(text, "f.yaml", diags)
    assert isinstance(node, Mapping)
    return node, diags


def test_yaml_11_booleans_stay_words_and_dates_stay_text() -> None:
    doc, diags = load(
        "a: ON\nb: NO\nc: Y\nd: yes\ne: off\nf: true\ng: False\n"
        "h: 2024-01-01T00:00:00Z\ni: 2024-01-01\nj: ~\nk:\n"
    )
    assert not diags.items()
    assert to_python(doc) == {
        "a": "ON",
        "b": "NO",
        "c": "Y",
        "d": "yes",
        "e": "off",
        "f": True,
        "g": False,
        "h": "2024-01-01T00:00:00Z",
        "i": "2024-01-01",
        "j": None,
        "k": None,
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5),
        ("-3", -3),
        ("50_000", 50_000),
        ("0x1f", 31),
        ("0.25", 0.25),
        ("1e-3", 0.001),
        ("5ms", "5ms"),
        ("50_000 USDT", "50_000 USDT"),
        ("'5'", "5"),
        ('"true"', "true"),
        ("!!str 5", "5"),
        ("BTC/USDT@sim", "BTC/USDT@sim"),
    ],
)
def test_scalar_types(text: str, value: object) -> None:
    doc, _ = load(f"v: {text}\n")
    v = doc.get("v")
    assert isinstance(v, Scalar)
    assert v.value == value and type(v.value) is type(value)


def test_keys_are_always_text() -> None:
    doc, _ = load("1: a\nON: b\nnull: c\n")
    assert doc.keys() == ["1", "ON", "null"]


def test_duplicate_key_is_an_error_and_the_first_is_kept() -> None:
    doc, diags = load("venues:\n  sim: 1\n  sim: 2\n")
    venues = doc.get("venues")
    assert isinstance(venues, Mapping)
    assert to_python(venues) == {"sim": 1}
    (d,) = diags.items()
    assert d.code == "E0002"
    assert d.span == Span("f.yaml", 3, 3, 3, 6)
    assert "first defined at f.yaml:2:3" in d.message


def test_merge_keys_do_not_count_as_duplicates() -> None:
    doc, diags = load("base: &b {latency: 5ms, kind: simulated}\nsim: {<<: *b, latency: 1ms}\n")
    assert not diags.items()
    assert to_python(doc)["sim"] == {"latency": "1ms", "kind": "simulated"}


def test_syntax_error_has_a_place() -> None:
    diags = Diagnostics()
    assert load_text("a: [1, 2\nb: 3\n", "f.yaml", diags) is None
    (d,) = diags.items()
    assert d.code == "E0001" and d.span.file == "f.yaml" and d.span.line == 2


def col_of(scalar: Scalar, needle: str) -> tuple[int, int]:
    span = scalar.locate(scalar.text.index(needle), scalar.text.index(needle) + len(needle))
    return span.line, span.col


@pytest.mark.parametrize(
    ("yaml_text", "line", "col"),
    [
        ("x: last * 2\n", 1, 9),
        ("x: 'it''s * 2'\n", 1, 11),
        ('x: "a\\tb * 2"\n', 1, 10),
        ("x: |\n  first\n    b * 2\n", 3, 7),
        ("x: >\n  first\n  b * 2\n", 3, 5),
        ("x: |-\n\n  first\n  b * 2\n", 4, 5),
        ("x: plain\n  folded * 2\n", 2, 10),
        ("x: {y: 'a * 2'}\n", 1, 11),
    ],
    ids=[
        "plain",
        "single-quoted",
        "double-quoted",
        "literal",
        "folded",
        "blank-line",
        "multi-line-plain",
        "flow",
    ],
)
def test_every_character_knows_its_column(yaml_text: str, line: int, col: int) -> None:
    doc, _ = load(yaml_text)
    x = doc.get("x")
    scalar = x.get("y") if isinstance(x, Mapping) else x
    assert isinstance(scalar, Scalar)
    assert col_of(scalar, "* 2") == (line, col), scalar.text
