"""Built-in component kinds; importing this package registers them all.

Each module in this package declares one kind (params dataclass, schema, compile hook,
runtime path) and registers it with one `register(...)` line; every module here is imported.
"""

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
