"""Which reader serves each feed kind, and `open_feed`: the one way the runtime (the bytewax
source, tools, tests) opens a Plan feed."""

from __future__ import annotations

import importlib

from orderloom.dsl import registry
from orderloom.dsl.errors import DataError
from orderloom.dsl.plan import Feed
from orderloom.runtime.feeds.reader import FeedReader
from orderloom.runtime.feeds.replay import ReplayReader
from orderloom.runtime.feeds.synthetic import SyntheticReader

# The registry names a runtime class per kind; the built-in kinds are bound here directly so
# a reader never depends on how the compiler spells that path.
BUILTIN_READERS: dict[str, type[FeedReader]] = {
    "replay": ReplayReader,
    "synthetic": SyntheticReader,
}


def reader_type(feed: Feed) -> type[FeedReader]:
    """The built-in reader for the feed's kind, else the runtime class the registry names."""
    if feed.kind in BUILTIN_READERS:
        return BUILTIN_READERS[feed.kind]
    spec = registry.get("feed", feed.kind)
    if spec is not None and spec.runtime:
        module_name, _, class_name = spec.runtime.partition(":")
        found = getattr(importlib.import_module(module_name), class_name, None)
        if isinstance(found, type) and issubclass(found, FeedReader):
            return found
    raise DataError(feed.name, None, f"no batch reader for feed kind '{feed.kind}'")


def open_feed(feed: Feed, start_offset: int = 0) -> FeedReader:
    """A reader positioned at `start_offset` (0: the beginning)."""
    return reader_type(feed)(feed, start_offset)
