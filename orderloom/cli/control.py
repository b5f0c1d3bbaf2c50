"""`orderloom kill` and `orderloom resume` on a lean path: the standard library, PyYAML and the
control file only (no rich, no compiler), so a kill reaches a running deployment fast.
Anything that needs the compiler (`--set`, a name only the compiled plan knows, help, a usage
error) returns None and takes the full path in main.py, which reports it properly.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


class _Refused(Exception):
    """The lean parser cannot take these arguments: the full parser will."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Refused(message)


def quick_control(argv: Sequence[str]) -> int | None:
    command, *rest = argv
    ap = _Parser(prog=f"orderloom {command}", add_help=False)
    ap.add_argument("file")
    target = ap.add_mutually_exclusive_group()
    target.add_argument("--strategy")
    target.add_argument("--account", action="store_true")
    if command == "kill":
        ap.add_argument("--flatten", action="store_true")
    ap.add_argument("--control-dir")
    try:
        args = ap.parse_args(rest)
    except _Refused:
        return None
    name = quick_pipeline_name(Path(args.file), args.strategy)
    if name is None:
        return None
    from orderloom.runtime.control_state import control_path, write_command

    kill = command == "kill"
    flatten = bool(getattr(args, "flatten", False))
    directory = Path(args.control_dir) if args.control_dir else None
    path = control_path(name, directory)
    state = write_command(path, kill=kill, strategy=args.strategy, flatten=flatten)
    what = "killed" if kill else "resumed"
    target_text = f"strategy '{args.strategy}'" if args.strategy else "every strategy"
    extra = " (positions flattened)" if kill and flatten else ""
    print(f"{what} {target_text} of '{name}'{extra}: command {state.seq} in {path}")
    return 0


def quick_pipeline_name(path: Path, strategy: str | None) -> str | None:
    """The pipeline's name read straight from its YAML when that is unambiguous (a plain
    `name:`, and the strategy, if any, declared in the file itself), so a kill does not wait
    for a full compile; None: compile to find out."""
    import yaml

    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(doc, dict):
        return None
    name = doc.get("name")
    if not isinstance(name, str) or "${" in name:
        return None
    if strategy is not None:
        declared = doc.get("strategies")
        if not isinstance(declared, dict) or strategy.split("[", 1)[0] not in declared:
            return None
    return name
