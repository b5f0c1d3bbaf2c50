"""The one interface every feed reader offers (replay, synthetic, …): batches of good rows
plus dead letters, from a resume offset. The bytewax source and tools only see a FeedReader."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from types import TracebackType

from orderloom.dsl.errors import DataError
from orderloom.dsl.plan import Feed
from orderloom.runtime.events import DeadLetter, MarketBatch

ReadBatch = tuple[MarketBatch | None, list[DeadLetter]]


class FeedReader(ABC):
    """Reads one feed batch by batch from a resume offset.

    `offset` is the offset of the next record to read (the resume state), `total_hint` the
    feed's record count when known without reading it, `dead_letter_count` how many records
    this reader has dead-lettered so far.
    """

    feed: Feed
    offset: int
    total_hint: int | None
    dead_letter_count: int

    def __init__(self, feed: Feed, start_offset: int = 0) -> None:
        if start_offset < 0:
            raise DataError(feed.name, start_offset, "a resume offset cannot be negative")
        self.feed = feed
        self.offset = start_offset
        self.total_hint: int | None = None
        self.dead_letter_count = 0

    @abstractmethod
    def next_batch(self) -> ReadBatch:
        """The next read batch: good rows (None when every row was dead-lettered) and dead
        letters. Raises StopIteration after the last one."""

    def close(self) -> None:  # noqa: B027 - readers without resources need not override
        """Releases files; idempotent."""

    def __iter__(self) -> Iterator[ReadBatch]:
        while True:
            try:
                batch = self.next_batch()
            except StopIteration:
                return
            yield batch

    def __enter__(self) -> FeedReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
