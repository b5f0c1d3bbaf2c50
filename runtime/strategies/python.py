"""Kind `python`: the runtime side of a desk's own Strategy class named in the YAML.

The registry names `PythonStrategy` for the kind, but constructing it imports the user's
class (folder of the naming YAML file first, then sys.path; the folder stays on sys.path) and
returns an instance of that class instead, so the engine drives the desk's object directly,
with no wrapper between the engine and its callbacks. `user_params` is the typed accessor
for the YAML's `params:` mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orderloom.dsl.kinds.python import ClassNotLoaded, PythonParams, import_class
from orderloom.runtime.strategies.base import Strategy, StrategySetup


class PythonStrategy(Strategy):
    """A factory in the shape of a Strategy class: `PythonStrategy(setup)` is the user's
    class built with `setup` (Python skips this class's `__init__` for it)."""

    def __new__(cls, setup: StrategySetup) -> Strategy:
        params = _params(setup)
        try:
            user_class = import_class(params.class_path, params.search_path, keep_folder=True)
        except ClassNotLoaded as error:
            raise RuntimeError(f"strategy '{setup.node.name}': {error.message}") from None
        if issubclass(user_class, PythonStrategy):
            raise TypeError(f"strategy '{setup.node.name}': {params.class_path} is the factory")
        strategy = user_class(setup)
        if not isinstance(strategy, Strategy):  # a __new__ of the user's own
            raise TypeError(f"strategy '{setup.node.name}': {params.class_path} built no Strategy")
        return strategy


def user_params(setup: StrategySetup) -> Mapping[str, Any]:
    """The `params:` mapping of a `kind: python` strategy, as written in the YAML (nested
    mappings as dicts, lists as tuples)."""
    return _params(setup).params


def _params(setup: StrategySetup) -> PythonParams:
    params = setup.node.params
    if not isinstance(params, PythonParams):
        raise TypeError(
            f"strategy '{setup.node.name}' is of kind '{setup.node.kind}', not 'python'"
        )
    return params
