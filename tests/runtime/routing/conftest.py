"""Makes the shared builders (`engine_builders.py`, `routing_scenario.py`) importable from the
routing test folder (not a package)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
sys.path.insert(0, str(Path(__file__).parent))
