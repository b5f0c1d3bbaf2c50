"""The `python` kind: the class path's form is a schema error; importing the module (from
the folder of the YAML file that names it, then sys.path) and checking the class happen at
compile time, each failure one E0103 diagnostic on the class scalar saying which step failed.

Every test writes modules with names of its own: an imported module stays in sys.modules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from orderloom.dsl.compiler import compile_file, compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.python import PythonParams
from orderloom.dsl.plan import Plan

PIPELINE = """\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
  ETH/USDT@sim: {tick_size: 0.01, lot_size: 0.001}
venues:
  sim: {kind: simulated}
feeds:
  btc: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
  eth: {kind: synthetic, instrument: ETH/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
strategies:
  mine:
    kind: python
    instrument: BTC/USDT@sim
    class: CLASS
"""  # the class scalar is at line 15, column 12

STRATEGY = """\
from orderloom.runtime.strategies.base import Strategy


class Fade(Strategy):
    pass


class NotOne:
    pass
"""


def write_module(folder: Path, dotted: str, text: str = STRATEGY) -> None:
    """`pkg.mod` as folder/pkg/__init__.py + folder/pkg/mod.py."""
    *packages, module = dotted.split(".")
    folder.mkdir(parents=True, exist_ok=True)
    for depth in range(len(packages)):
        package = folder.joinpath(*packages[: depth + 1])
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text("")
    folder.joinpath(*packages, f"{module}.py").write_text(text)


def compile_with(folder: Path, class_path: str, extra: str = "") -> Plan:
    text = PIPELINE.replace("CLASS", class_path) + extra
    return compile_text(text, folder / "p.yaml", env={})


def errors(folder: Path, class_path: str, extra: str = "") -> list[tuple[str, str, str | None]]:
    with pytest.raises(ConfigError) as caught:
        compile_with(folder, class_path, extra)
    return [(d.code, d.message, d.hint) for d in caught.value.diagnostics]


def test_class_from_the_pipeline_folder_with_params_and_instruments(tmp_path: Path):
    write_module(tmp_path, "desk_a.signals.fade")
    before = list(sys.path)
    extra = (
        "    instruments: [ETH/USDT@sim]\n"
        "    params: {window: 200, bands: [1.5, 2.5], limits: {max: 3}, name: fast}\n"
    )
    plan = compile_with(tmp_path, "desk_a.signals.fade:Fade", extra)
    assert sys.path == before  # the folder is only searched while importing
    node = plan.strategies[0]
    assert node.instruments == ("BTC/USDT@sim", "ETH/USDT@sim")
    assert node.params == PythonParams(
        class_path="desk_a.signals.fade:Fade",
        search_path=str(tmp_path),
        instrument="BTC/USDT@sim",
        instruments=("ETH/USDT@sim",),
        params={"window": 200, "bands": (1.5, 2.5), "limits": {"max": 3}, "name": "fast"},
    )
    assert Plan.from_json(plan.to_json()) == plan
    assert sys.modules["desk_a.signals.fade"].__file__ == str(tmp_path / "desk_a/signals/fade.py")


def test_module_is_looked_up_beside_the_yaml_file_that_names_it(tmp_path: Path):
    """The strategy lives in an included file in another folder: its class path is resolved
    from that folder, not from the main pipeline's."""
    shared = tmp_path / "shared"
    write_module(shared, "desk_b_mod")
    (shared / "strategies.yaml").write_text(
        "strategies:\n  mine:\n    kind: python\n    instrument: BTC/USDT@sim\n"
        "    class: desk_b_mod:Fade\n"
    )
    main = tmp_path / "main.yaml"
    main.write_text(PIPELINE.split("strategies:")[0] + "include: [shared/strategies.yaml]\n")
    plan = compile_file(main, env={})
    assert plan.strategies[0].params.search_path == str(shared)


def test_bad_class_path_form_is_a_schema_error(tmp_path: Path):
    assert errors(tmp_path, "desk_c.fade.Fade") == [
        (
            "E0204",
            "'desk_c.fade.Fade' is not a valid import path for 'class' of strategy 'mine'",
            "package.module:Class, a subclass of orderloom.runtime.strategies.base.Strategy; the "
            "module is looked up in the folder of this YAML file first, then on sys.path",
        )
    ]


def test_module_not_found(tmp_path: Path):
    assert errors(tmp_path, "desk_d.nowhere:Fade") == [
        (
            "E0103",
            f"no module named 'desk_d.nowhere' (looked in {tmp_path}, then sys.path)",
            "paths are relative to the YAML file that names the class; a package folder needs "
            "an __init__.py",
        )
    ]


def test_module_that_raises_names_the_file_and_line(tmp_path: Path):
    write_module(tmp_path, "desk_e_mod", "import math\n\nRATE = math.log(0)\n")
    [(code, message, hint)] = errors(tmp_path, "desk_e_mod:Fade")
    assert code == "E0103" and hint is None
    assert message == (
        "importing 'desk_e_mod' failed: ValueError: math domain error "
        f"(at {tmp_path / 'desk_e_mod.py'}:3)"
    )


def test_module_with_a_syntax_error(tmp_path: Path):
    write_module(tmp_path, "desk_f_mod", "class Fade(:\n    pass\n")
    [(code, message, _)] = errors(tmp_path, "desk_f_mod:Fade")
    assert code == "E0103"
    assert message.startswith("importing 'desk_f_mod' failed: SyntaxError: ")
    assert message.endswith(f"(at {tmp_path / 'desk_f_mod.py'}:1)")


def test_missing_dependency_of_the_module_is_not_a_missing_module(tmp_path: Path):
    write_module(tmp_path, "desk_g_mod", "import desk_g_dependency_not_installed\n")
    [(code, message, _)] = errors(tmp_path, "desk_g_mod:Fade")
    assert code == "E0103"
    assert message.startswith(
        "importing 'desk_g_mod' failed: ModuleNotFoundError: "
        "No module named 'desk_g_dependency_not_installed' (at "
    )


def test_class_not_in_module_suggests_a_name(tmp_path: Path):
    write_module(tmp_path, "desk_h_mod")
    assert errors(tmp_path, "desk_h_mod:Fdae") == [
        (
            "E0103",
            f"module 'desk_h_mod' ({tmp_path / 'desk_h_mod.py'}) has no class 'Fdae'",
            "did you mean 'Fade'?",
        )
    ]


def test_class_that_is_not_a_strategy(tmp_path: Path):
    write_module(tmp_path, "desk_i_mod")
    assert errors(tmp_path, "desk_i_mod:NotOne") == [
        (
            "E0103",
            "desk_i_mod:NotOne is not a Strategy class",
            "subclass orderloom.runtime.strategies.base.Strategy "
            "(from orderloom.runtime.strategies.base import Strategy)",
        )
    ]


def test_listed_instruments_are_resolved_and_need_feeds(tmp_path: Path):
    write_module(tmp_path, "desk_j_mod")
    text = PIPELINE.replace("CLASS", "desk_j_mod:Fade")
    text = text.replace("  eth: {kind: synthetic", "  # eth: {kind: synthetic")
    text += "    instruments: [ETH/USDT@sim, SOL/USDT@sim]\n"
    with pytest.raises(ConfigError) as caught:
        compile_text(text, tmp_path / "p.yaml", env={})
    found = [(d.code, d.message, d.span.line) for d in caught.value.diagnostics]
    assert found == [
        (
            "E0101",
            "unknown instrument 'SOL/USDT@sim'",
            16,
        )
    ]
    text = text.replace(", SOL/USDT@sim]", "]")
    with pytest.raises(ConfigError) as caught:
        compile_text(text, tmp_path / "p.yaml", env={})
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [
        ("E0403", "strategy 'mine' uses instrument 'ETH/USDT@sim', but no feed provides it")
    ]


def test_two_folders_with_a_package_of_one_name_each_get_their_own(tmp_path: Path) -> None:
    """Pipelines in two folders each keep a `strategies` package: the import cache must not
    hand the second pipeline the first one's module."""
    from orderloom.dsl.kinds.python import import_class

    classes = []
    for tag in ("first", "second"):
        package = tmp_path / tag / "deskpkg"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "algo.py").write_text(
            "from orderloom.runtime.strategies.base import Strategy\n\n\n"
            f"class Algo(Strategy):\n    TAG = {tag!r}\n"
        )
        classes.append(import_class("deskpkg.algo:Algo", str(tmp_path / tag)))
    try:
        assert [c.TAG for c in classes] == ["first", "second"]  # type: ignore[attr-defined]
        # Asked again from the first folder: its own module again, not the cached second.
        again = import_class("deskpkg.algo:Algo", str(tmp_path / "first"))
        assert again.TAG == "first"  # type: ignore[attr-defined]
    finally:
        for name in [n for n in sys.modules if n == "deskpkg" or n.startswith("deskpkg.")]:
            del sys.modules[name]
