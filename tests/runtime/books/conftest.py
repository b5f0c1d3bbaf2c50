"""Makes the shared engine builders (`engine_builders.py`) importable from the book tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
