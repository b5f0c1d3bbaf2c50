"""Deterministic time-ordered merge of the several feeds one strategy instance reads.

Bytewax delivers each feed's batches in order, but the interleaving of feeds depends on
workers and timing. To make the engine's input order independent of it, events are processed
in (ts_ns, feed position in plan.feeds, offset) order, and only while no feed can still
deliver an earlier event: each feed's "seen up to" time is the last timestamp it delivered, the
watermark W is their minimum, and an event is released when its key is below every key a feed
could still send (ts < W, or ts == W from a feed ordered before every feed still at W). The
rest stays buffered; `drain(final=True)` releases everything at end of input.

Assumes each feed's timestamps never decrease (the feed's sanity stage dead-letters records
that go back in time). A feed that has delivered nothing holds everything back until EOF.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

Columns = list[list]  # columns[0] is ts_ns; the rest are the feed's value columns


class _FeedBuffer:
    __slots__ = ("columns", "head", "seen_ns")

    def __init__(self, width: int) -> None:
        self.columns: Columns = [[] for _ in range(width)]
        self.head = 0
        self.seen_ns: int | None = None


class FeedMerger:
    def __init__(self, widths: Sequence[int]) -> None:
        """`widths[f]`: number of columns (ts included) of feed f, feeds in plan order."""
        self._buffers = [_FeedBuffer(w) for w in widths]

    def push(self, feed: int, columns: Sequence[list]) -> None:
        if not columns[0]:
            return
        buffer = self._buffers[feed]
        for held, new in zip(buffer.columns, columns, strict=True):
            held.extend(new)
        buffer.seen_ns = columns[0][-1]

    def buffered(self) -> int:
        return sum(len(b.columns[0]) - b.head for b in self._buffers)

    def _limits(self, final: bool) -> list[int] | None:
        buffers = self._buffers
        if final:
            return [len(b.columns[0]) for b in buffers]
        seen = [b.seen_ns for b in buffers]
        if any(s is None for s in seen):
            return None
        watermark = min(s for s in seen if s is not None)
        first_at_watermark = seen.index(watermark)
        return [
            (bisect_right if f <= first_at_watermark else bisect_left)(
                b.columns[0], watermark, b.head
            )
            for f, b in enumerate(buffers)
        ]

    def drain(self, final: bool = False) -> list[tuple[int, Columns]]:
        """Release every event that is safe to process, as runs: (feed, column slices) in
        merge order. Consecutive events of one feed come out as one run."""
        limits = self._limits(final)
        if limits is None:
            return []
        buffers = self._buffers
        heads = [b.head for b in buffers]
        active = [f for f in range(len(buffers)) if heads[f] < limits[f]]
        runs: list[tuple[int, Columns]] = []
        while active:
            best = active[0]
            best_ts = buffers[best].columns[0][heads[best]]
            for f in active[1:]:
                ts = buffers[f].columns[0][heads[f]]
                if ts < best_ts:  # strict: on equal time the feed earlier in the plan wins
                    best, best_ts = f, ts
            ts_col = buffers[best].columns[0]
            lo = heads[best]
            end = limits[best]
            for f in active:
                if f == best:
                    continue
                other_ts = buffers[f].columns[0][heads[f]]
                # best's events stay ahead of f's head while (ts, best) < (other_ts, f)
                cut = bisect_right if best < f else bisect_left
                end = min(end, cut(ts_col, other_ts, lo, end))
            runs.append((best, [col[lo:end] for col in buffers[best].columns]))
            heads[best] = end
            if end >= limits[best]:
                active.remove(best)
        for buffer, head in zip(buffers, heads, strict=True):
            if head:
                for col in buffer.columns:
                    del col[:head]
            buffer.head = 0
        return runs
