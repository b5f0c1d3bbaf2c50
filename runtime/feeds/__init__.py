"""Market-data feeds: readers that turn replay files and synthetic models into sanity-checked
columnar batches (plus dead letters), and the bytewax source over them (`source.py`)."""

from orderloom.runtime.feeds.kinds import open_feed
from orderloom.runtime.feeds.reader import FeedReader, ReadBatch

__all__ = ["FeedReader", "ReadBatch", "open_feed"]
