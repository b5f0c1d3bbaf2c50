"""Makes the shared builders (`engine_builders.py`) and this folder's `venue_builders.py`
importable (the test folders are not packages)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
sys.path.insert(0, str(Path(__file__).parent))
