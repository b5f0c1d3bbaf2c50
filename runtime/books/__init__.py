"""L2 order books: price levels per side built from snapshots and incremental deltas."""
