"""Makes the shared builders (`engine_builders.py`) importable from the engine and strategy
test folders (neither is a package)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
