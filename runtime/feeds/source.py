"""The bytewax input over a plan's feeds: one partition per feed (keyed by feed name), one
item per read batch, and the next record offset as the partition's recovery state."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition

from orderloom.dsl.plan import Feed
from orderloom.runtime.events import DeadLetter, MarketBatch
from orderloom.runtime.feeds.kinds import open_feed
from orderloom.runtime.feeds.reader import FeedReader

FeedItem = tuple[Literal["market"], MarketBatch] | tuple[Literal["dead"], list[DeadLetter]]
ProgressHook = Callable[[str, int], None]  # (feed name, records read so far incl. resumed)


class FeedPartition(StatefulSourcePartition[FeedItem, int]):
    def __init__(self, reader: FeedReader, on_progress: ProgressHook | None = None) -> None:
        self._reader = reader
        self._on_progress = on_progress

    def next_batch(self) -> list[FeedItem]:
        batch, dead = self._reader.next_batch()  # StopIteration ends the partition
        items: list[FeedItem] = []
        if batch is not None:
            items.append(("market", batch))
        if dead:
            items.append(("dead", dead))
        if self._on_progress is not None:
            self._on_progress(self._reader.feed.name, self._reader.offset)
        return items

    def snapshot(self) -> int:
        return self._reader.offset

    def close(self) -> None:
        self._reader.close()


class FeedSource(FixedPartitionedSource[FeedItem, int]):
    """Reads every feed of a plan; `on_progress` (feed name, records read) runs once per read
    batch on the worker that owns the feed — in-process, for a progress bar."""

    def __init__(
        self,
        feeds: Sequence[Feed],
        on_progress: ProgressHook | None = None,
        part_names: Mapping[str, str] | None = None,
        idle_parts: Sequence[str] = (),
    ) -> None:
        names = [feed.name for feed in feeds]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"feed names must be unique: {', '.join(duplicated)}")
        # bytewax assigns a partition to a worker by its name: `part_names` (feed → partition
        # name) lets the deployment place a feed beside the strategies that read it.
        # name) lets the deployment place a feed beside the strategies that read it; idle
        # partitions (no feed) keep the deal of partitions to workers in step.
        parts = part_names or {}
        self._feeds = {parts.get(feed.name, feed.name): feed for feed in feeds}
        self._idle = tuple(idle_parts)
        self._on_progress = on_progress

    def list_parts(self) -> list[str]:
        return [*self._feeds, *self._idle]

    def build_part(
        self, step_id: str, for_part: str, resume_state: int | None
    ) -> StatefulSourcePartition[FeedItem, int]:
        if for_part not in self._feeds:
            return _IdlePartition()
        reader = open_feed(self._feeds[for_part], resume_state or 0)
        return FeedPartition(reader, self._on_progress)


class _IdlePartition(StatefulSourcePartition[FeedItem, int]):
    def next_batch(self) -> list[FeedItem]:
        raise StopIteration

    def snapshot(self) -> int:
        return 0
