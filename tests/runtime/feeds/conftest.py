"""Shared helpers for the feed tests, handed out as the `kit` fixture (test modules here are
not a package, so helpers travel as a fixture rather than an import)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from orderloom.dsl.kinds.replay import ReplayParams
from orderloom.dsl.kinds.synthetic import SyntheticParams
from orderloom.dsl.plan import Feed
from orderloom.runtime.events import DeadLetter, MarketBatch
from orderloom.runtime.feeds import FeedReader

START_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z


class FeedKit:
    start_ns = START_NS

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def csv(self, text: str, name: str = "tape.csv") -> Path:
        """Writes CSV lines (leading spaces stripped); gzip-compressed when name ends in .gz."""
        body = "\n".join(line.strip() for line in text.strip().splitlines()) + "\n"
        path = self.folder / name
        if path.suffix == ".gz":
            with gzip.open(path, "wt") as fh:
                fh.write(body)
        else:
            path.write_text(body)
        return path

    @staticmethod
    def replay(path: Path, schema: str = "trades", name: str = "tape", **params: Any) -> Feed:
        fmt = params.pop("format", "parquet" if path.suffix == ".parquet" else "csv")
        replay = ReplayParams(str(path), fmt, **params)
        return Feed(name, "replay", "BTC/USDT@sim", schema, replay)  # type: ignore[arg-type]

    @staticmethod
    def synthetic(schema: str = "trades", name: str = "gbm", **params: Any) -> Feed:
        values: dict[str, Any] = {
            "model": "gbm",
            "seed": 7,
            "s0": 100.0,
            "mu": 0.1,
            "sigma": 0.5,
            "dt_ns": 1_000_000_000,
            "start_ns": START_NS,
            "count": 2_500,
            "batch_size": 1_000,
        }
        values.update(params)
        synthetic = SyntheticParams(**values)
        return Feed(name, "synthetic", "ETH/USDT@sim", schema, synthetic)  # type: ignore[arg-type]

    @staticmethod
    def read_all(reader: FeedReader) -> tuple[list[MarketBatch], list[DeadLetter]]:
        batches: list[MarketBatch] = []
        dead: list[DeadLetter] = []
        for batch, letters in reader:
            if batch is not None:
                batches.append(batch)
            dead.extend(letters)
        return batches, dead

    @staticmethod
    def column(batches: list[MarketBatch], name: str) -> npt.NDArray[Any]:
        return np.concatenate([getattr(b, name) for b in batches])

    @staticmethod
    def row_offsets(batches: list[MarketBatch]) -> list[int]:
        """The feed offset of every good row, from `offsets` or the contiguous `offset`."""
        out: list[int] = []
        for b in batches:
            if b.offsets is not None:
                out.extend(b.offsets.tolist())
            else:
                out.extend(range(b.offset, b.offset + len(b)))
        return out


@pytest.fixture
def kit(tmp_path: Path) -> FeedKit:
    return FeedKit(tmp_path)
