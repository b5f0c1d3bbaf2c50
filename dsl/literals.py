"""Timestamps in YAML: ISO 8601 text (`2024-01-01T00:00:00Z`) or integer ns, as UTC ns.

YAML would turn such text into a datetime on its own; orderloom parses it only where a
timestamp is expected, exactly (nanoseconds, no float rounding). Text without an offset is
taken as UTC.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[Tt ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<frac>\d{1,9}))?)?"
    r"\s*(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?)?"
)


def parse_timestamp_ns(text: str) -> int:
    """UTC nanoseconds since the epoch; raises ValueError with a message for the user."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"'{text}' is not an ISO 8601 time")
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k not in ("frac", "tz")}
    try:
        moment = datetime(
            parts["y"],
            parts["mo"],
            parts["d"],
            parts.get("h", 0),
            parts.get("mi", 0),
            parts.get("s", 0),
        )
    except ValueError as error:
        raise ValueError(f"'{text}' is not a valid time: {error}") from None
    seconds = calendar.timegm(moment.timetuple())
    frac = match["frac"] or ""
    ns = seconds * 1_000_000_000 + int(frac.ljust(9, "0") or 0)
    tz = match["tz"]
    if tz and tz not in ("Z", "z"):
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset_s = int(digits[:2]) * 3600 + int(digits[2:]) * 60
        ns -= sign * offset_s * 1_000_000_000
    return ns
