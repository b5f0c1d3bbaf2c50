"""`orderloom kill` and `orderloom resume` on a lean path: no argparse, no PyYAML for a plain
pipeline file, no rich, no compiler — the standard library's `json`/`os` and the control file
(runtime/control_file.py) — so a kill reaches a running deployment fast. Anything the lean
path is unsure of (`--set`, help, a usage error, a pipeline name or strategy it cannot read
off the file plainly) returns None and takes the full path in main.py, which reports it
properly.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing itself costs a kill ~3 ms
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

_VALUE_FLAGS = ("--strategy", "--control-dir")


def add_control_arguments(ap: argparse.ArgumentParser, command: str) -> None:
    """The arguments of `orderloom kill` / `resume` for the full parser (main.py); the lean
    parser below takes the same forms."""
    ap.add_argument(
        "file", nargs="?", metavar="FILE", help="the pipeline file (optional with --account NAME)"
    )
    target = ap.add_mutually_exclusive_group()
    target.add_argument("--strategy", metavar="NAME", help="an instance or a template")
    target.add_argument(
        "--account",
        nargs="?",
        const="",
        metavar="NAME",
        help="NAME: every deployment of that account (its shared control file); "
        "without NAME: every instance of FILE (the default)",
    )
    if command == "kill":
        ap.add_argument(
            "--flatten", action="store_true", help="also close positions with market orders"
        )
    ap.add_argument("--control-dir", metavar="DIR", help="default: .orderloom/control")


def _parse(command: str, rest: Sequence[str]) -> dict[str, str | bool | None] | None:
    """argparse's reading of `rest` for the forms `add_control_arguments` declares, or None
    for anything else (the full parser then explains it)."""
    args: dict[str, str | bool | None] = {
        "file": None,
        "strategy": None,
        "account": None,
        "flatten": False,
        "control_dir": None,
    }
    tokens = list(rest)
    k = 0
    while k < len(tokens):
        token = tokens[k]
        name, eq, inline = token.partition("=")
        if name in _VALUE_FLAGS:
            if eq:
                value = inline
            elif k + 1 < len(tokens) and not tokens[k + 1].startswith("-"):
                k += 1
                value = tokens[k]
            else:
                return None
            key = name[2:].replace("-", "_")
            if args[key] is not None or not value:
                return None
            args[key] = value
        elif name == "--account":
            if args["account"] is not None:
                return None
            if eq:
                args["account"] = inline
            elif k + 1 < len(tokens) and not tokens[k + 1].startswith("-"):
                k += 1
                args["account"] = tokens[k]
            else:
                args["account"] = ""
        elif token == "--flatten" and command == "kill":
            args["flatten"] = True
        elif token.startswith("-") or args["file"] is not None:
            return None  # --set, --help, an unknown flag, a second file
        else:
            args["file"] = token
        k += 1
    if args["strategy"] is not None and args["account"] is not None:
        return None
    return args


def quick_control(argv: Sequence[str]) -> int | None:
    command, *rest = argv
    args = _parse(command, rest)
    if args is None:
        return None
    kill = command == "kill"
    flatten = bool(args["flatten"])
    directory = str(args["control_dir"]) if args["control_dir"] else None
    file = str(args["file"]) if args["file"] is not None else None
    account = str(args["account"]) if args["account"] else None
    strategy = str(args["strategy"]) if args["strategy"] is not None else None
    if account:
        if file is not None and quick_account(file) != account:
            return None  # not plainly that account's pipeline: the full path says why
        return account_command(account, directory, kill=kill, flatten=flatten)
    if file is None:
        return None
    name = quick_pipeline_name(file, strategy)
    if name is None:
        return None
    from orderloom.runtime import control_file

    path = control_file.pipeline_file(name, directory)
    data = control_file.command(path, kill=kill, strategy=strategy, flatten=flatten)
    what = "killed" if kill else "resumed"
    target_text = f"strategy '{strategy}'" if strategy else "every strategy"
    extra = " (positions flattened)" if kill and flatten else ""
    print(f"{what} {target_text} of '{name}'{extra}: command {data['seq']} in {path}")
    return 0


def account_command(account: str, directory: str | None, *, kill: bool, flatten: bool) -> int:
    """Write a kill/resume to the account's shared control file (every deployment of it)."""
    from orderloom.runtime import control_file

    path = control_file.account_file(account, directory)
    data = control_file.command(path, kill=kill, flatten=flatten)
    what = "killed" if kill else "resumed"
    extra = " (positions flattened)" if kill and flatten else ""
    print(f"{what} every strategy of account '{account}'{extra}: command {data['seq']} in {path}")
    return 0


def quick_pipeline_name(path: str | os.PathLike[str], strategy: str | None) -> str | None:
    """The pipeline's name read straight from its YAML when that is unambiguous (a plain
    `name:`, and the strategy, if any, declared in the file itself), so a kill does not wait
    for a full compile; None: compile to find out."""
    top = _top_level(path)
    if top is None:
        return None
    name = top.get("name")
    if not isinstance(name, str) or not name or "${" in name:
        return None
    if strategy is not None:
        declared = top.get("strategies")
        if not isinstance(declared, dict) or strategy.split("[", 1)[0] not in declared:
            return None
    return name


def quick_account(path: str | os.PathLike[str]) -> str | None:
    """The pipeline's top-level `account:` read straight from its YAML (default "default");
    None when that is not plain (an include, an interpolation, an unreadable file)."""
    top = _top_level(path)
    if top is None or "include" in top:
        return None
    account = top.get("account", "default")
    if not isinstance(account, str) or "${" in account:
        return None
    return account


def _top_level(path: str | os.PathLike[str]) -> dict | None:
    """The file's top-level mapping: read by a line scanner when the file is plain block
    YAML (the common case, no PyYAML import), else by PyYAML; None when unreadable."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError:
        return None
    scanned = _scan(text)
    if scanned is not None:
        return scanned
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return doc if isinstance(doc, dict) else None


_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./@")


def _scan(text: str) -> dict | None:
    """Top-level `key: plain-scalar` pairs, `include` (as present) and the keys under a block
    `strategies:`; None at anything this scanner does not fully understand (flow or quoted
    values where it matters, tabs, several documents, a repeated or unusual key)."""
    top: dict = {}
    section: str | None = None
    indent: int | None = None
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line or (line == "---" and not top):
            continue
        if "\t" in line or line.startswith(("---", "...", "%")):
            return None
        if not line[0].isspace():
            key, colon, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if not colon or not key or key in top or not set(key) <= _PLAIN:
                return None
            section = key
            indent = None
            if key == "strategies":
                if value:
                    return None  # flow style: PyYAML reads it
                top[key] = {}
            elif key in ("name", "account"):
                if not value or not set(value) <= _PLAIN:
                    return None
                top[key] = value
            else:
                top[key] = value or None  # other sections: present, contents unread
            continue
        if section != "strategies":
            continue
        depth = len(line) - len(line.lstrip(" "))
        if indent is None:
            indent = depth
        if depth == indent:
            key, colon, _ = line.strip().partition(":")
            if not colon or not set(key) <= _PLAIN:
                return None
            top["strategies"][key] = True
        elif depth < indent:
            return None
    return top
