"""Makes the engine test builders (`engine_builders.py`) importable here (not a package)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
