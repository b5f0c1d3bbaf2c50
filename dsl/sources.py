"""Source texts by file name, for rendering diagnostics with their source line.

Files on disk are read on demand; texts that exist only in memory (the `--set` overrides,
pipelines compiled from a string) are registered here by the loader.
"""

from __future__ import annotations

from pathlib import Path

_TEXTS: dict[str, str] = {}


def register(file: str, text: str) -> None:
    _TEXTS[file] = text


def line(file: str, number: int) -> str | None:
    """Line `number` (1-based) of `file`, without its line break; None when unknown."""
    text = _TEXTS.get(file)
    if text is None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    lines = text.splitlines()
    if 1 <= number <= len(lines):
        return lines[number - 1]
    return None
