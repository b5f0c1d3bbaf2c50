"""Strategy kind `python`: a desk's own Strategy subclass, named by import path
(`package.module:Class`), with a free `params:` mapping handed to it.

The module is imported from the folder of the YAML file that names it first, then from
sys.path. The compiler imports it to check the class (so `orderloom validate` runs the
module's top-level code, as a validate step should); the runtime imports it again in every
process that runs the strategy. dsl never imports the runtime: whether the class subclasses
Strategy is asked of the base module the user's module itself imported.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext, freeze
from orderloom.dsl.diagnostics import did_you_mean
from orderloom.dsl.nodes import Mapping, Scalar, Sequence, to_python
from orderloom.dsl.registry import KindSpec, register

STRATEGY_MODULE = "orderloom.runtime.strategies.base"


@dataclass(frozen=True)
class PythonParams:
    class_path: str  # "strategies.mean_reversion:MeanReversion"
    search_path: str  # absolute folder searched before sys.path: the naming YAML file's
    instrument: str  # slot 0, the traded one
    instruments: tuple[str, ...] = ()  # further instruments read, in the order listed
    params: dict[str, Any] = field(default_factory=dict)  # `params:`, lists as tuples


CLASS_PATTERN = r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$"

SCHEMA = {
    "type": "object",
    "required": ["class"],
    "properties": {
        "class": {
            "type": "string",
            "title": "import path",
            "pattern": CLASS_PATTERN,
            "description": "package.module:Class, a subclass of "
            "orderloom.runtime.strategies.base.Strategy; the module is looked up in the folder "
            "of this YAML file first, then on sys.path",
        },
        "params": {
            "type": "object",
            "description": "any mapping, handed to the class as "
            "orderloom.runtime.strategies.python.user_params(setup)",
        },
        "instruments": {
            "type": "array",
            "items": {"type": "string"},
            "description": "further instruments the strategy reads (each needs a feed); find "
            "their slots with setup.slot(id)",
        },
    },
}


class ClassNotLoaded(Exception):
    """Why a class path did not give a Strategy class: the message, and a hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _forget_foreign(module_name: str, folder: str) -> None:
    """Drop an already imported package of that top-level name that came from another folder
    when `folder` has its own: two pipelines may each keep a `strategies` package beside
    them, and the import cache would otherwise hand one pipeline the other's code. Classes
    already loaded from the other folder stay valid for whoever holds them."""
    top = module_name.partition(".")[0]
    loaded = sys.modules.get(top)
    if loaded is None:
        return
    local = os.path.join(folder, top)
    if not (os.path.isdir(local) or os.path.isfile(local + ".py")):
        return
    origin = getattr(loaded, "__file__", None)
    if origin is not None and os.path.dirname(
        os.path.dirname(origin) if os.path.basename(origin) == "__init__.py" else origin
    ) == os.path.abspath(folder):
        return
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        del sys.modules[name]


def import_class(class_path: str, folder: str, keep_folder: bool = False) -> type:
    """The class `module:Qual.Name`, its module imported with `folder` searched first.
    `keep_folder` leaves the folder on sys.path (for a run, whose code may import lazily);
    otherwise sys.path is restored. Raises ClassNotLoaded."""
    module_name, _, qualname = class_path.partition(":")
    _forget_foreign(module_name, folder)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and (
            module_name == error.name or module_name.startswith(error.name + ".")
        ):
            raise ClassNotLoaded(
                f"no module named '{module_name}' (looked in {folder}, then sys.path)",
                "paths are relative to the YAML file that names the class; a package folder "
                "needs an __init__.py",
            ) from None
        raise ClassNotLoaded(f"importing '{module_name}' failed: {_describe(error)}") from None
    except (Exception, SystemExit) as error:
        raise ClassNotLoaded(f"importing '{module_name}' failed: {_describe(error)}") from None
    finally:
        if added and not keep_folder and folder in sys.path:
            sys.path.remove(folder)
    found: Any = module
    for part in qualname.split("."):
        if not hasattr(found, part):
            names = [n for n in vars(found) if not n.startswith("_")]
            where = getattr(module, "__file__", None) or module_name
            raise ClassNotLoaded(
                f"module '{module_name}' ({where}) has no class '{qualname}'",
                did_you_mean(part, names),
            )
        found = getattr(found, part)
    base = sys.modules.get(STRATEGY_MODULE)
    if not (isinstance(found, type) and base is not None and issubclass(found, base.Strategy)):
        raise ClassNotLoaded(
            f"{class_path} is not a Strategy class",
            f"subclass {STRATEGY_MODULE}.Strategy (from {STRATEGY_MODULE} import Strategy)",
        )
    return found


def _describe(error: BaseException) -> str:
    """`Type: message (at file:line)`, the line being the innermost frame of the import."""
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, SyntaxError) and error.filename:
        return f"{type(error).__name__}: {error.msg} (at {error.filename}:{error.lineno})"
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        text += f" (at {frames[-1].filename}:{frames[-1].lineno})"
    return text


def search_folder(s: Scalar, ctx: KindContext) -> str:
    """The folder of the YAML file that wrote `s` (the pipeline's for `--set` values)."""
    file = s.span.file
    return os.path.abspath(ctx.names.base_dir if file.startswith("<") else os.path.dirname(file))


def compile_python(node: Mapping, ctx: KindContext) -> PythonParams:
    instrument = ctx.default_instrument or ""
    listed = node.get("instruments")
    instruments: list[str] = []
    if isinstance(listed, Sequence):
        for item in listed.items:
            if isinstance(item, Scalar) and item.value is not None:
                name = ctx.instrument_ref(item)
                if name != instrument and name not in instruments:
                    instruments.append(name)
    ctx.reads.update(instruments)  # the assembler subscribes to them and checks their feeds
    params = node.get("params")
    class_path = ctx.text(node, "class")
    folder = ""
    written = ctx.scalar(node, "class")
    if written is not None:
        folder = search_folder(written, ctx)
        try:
            import_class(class_path, folder)
        except ClassNotLoaded as error:
            ctx.report(codes.PYTHON_CLASS, error.message, written.span, error.hint)
    return PythonParams(
        class_path=class_path,
        search_path=folder,
        instrument=instrument,
        instruments=tuple(instruments),
        params=freeze(to_python(params)) if isinstance(params, Mapping) else {},
    )


register(
    KindSpec(
        category="strategy",
        name="python",
        summary="run your own Strategy class, named by import path",
        schema=SCHEMA,
        params_type=PythonParams,
        compile=compile_python,
        runtime="orderloom.runtime.strategies.python:PythonStrategy",
        doc=(
            "`class: package.module:Class` names a subclass of "
            "`orderloom.runtime.strategies.base.Strategy` with the built-in strategies' "
            "interface (`__init__(self, setup)`, `on_start`, `on_market`, `on_timer`, "
            "`on_fill`, `on_reject`, `on_cancel`, `on_stop`; see docs/strategies.md). The "
            "module is imported from the folder of the YAML file that names it first, then "
            "from sys.path; the compiler imports it to check the class, so `orderloom "
            "validate` runs the module's top-level code. `params:` is any mapping, read with "
            "`orderloom.runtime.strategies.python.user_params(setup)`. The strategy trades "
            "`instrument` (slot 0) and reads `instruments` too (find a slot with "
            "`setup.slot(id)`); every one needs a feed."
        ),
        examples=(
            """\
strategies:
  fade_btc:
    kind: python
    instrument: BTC/USDT@sim
    class: strategies.mean_reversion:MeanReversion   # examples/strategies/mean_reversion.py
    params: {window: 200, band: 2.0, size: 0.01, cooldown_s: 30}
""",
        ),
    )
)
