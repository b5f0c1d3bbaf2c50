"""Event-time timers: a heap of (time, seq, callback, arg) fired by the engine before it
processes the first event at or after their time.

`seq` breaks ties in scheduling order, so timers at the same nanosecond fire in the order they
were set (an order's arrival before a later cancel of it). A sentinel at the far future keeps
the heap non-empty, so the hot loop's check is a single `heap[0][0] <= ts`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

NEVER = 2**63 - 1

TimerCallback = Callable[[int, Any], None]


def _never(ts_ns: int, arg: Any) -> None:  # pragma: no cover - the sentinel never fires
    raise AssertionError("sentinel timer fired")


class Clock:
    __slots__ = ("_seq", "heap")

    def __init__(self) -> None:
        self.heap: list[tuple[int, int, TimerCallback, Any]] = [(NEVER, 0, _never, None)]
        self._seq = 1

    def at(self, ts_ns: int, callback: TimerCallback, arg: Any = None) -> None:
        if ts_ns >= NEVER:
            raise ValueError(f"timer time {ts_ns} out of range")
        heapq.heappush(self.heap, (ts_ns, self._seq, callback, arg))
        self._seq += 1

    def pending(self) -> int:
        return len(self.heap) - 1
