"""Makes the shared builders (`engine_builders.py`, `risk_builders.py`) importable from the
risk test folder (not a package)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
sys.path.insert(0, str(Path(__file__).parent))
