"""File-level problems raise DataError naming the feed, the file and the fix."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from orderloom.dsl.errors import DataError
from orderloom.runtime.feeds import open_feed


@pytest.fixture(autouse=True)
def in_tmp(kit: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Messages show paths relative to the working folder, as the user wrote them.
    monkeypatch.chdir(kit.folder)


def raised(feed: Any) -> DataError:
    with pytest.raises(DataError) as caught:
        open_feed(feed)
    return caught.value


def test_missing_file(kit: Any) -> None:
    err = raised(kit.replay(kit.folder / "data" / "x.csv"))
    assert err.feed == "tape" and err.offset is None
    assert err.reason == (
        "file not found: data/x.csv; fix `path:` in the feed "
        "(a relative path is resolved against the pipeline file's folder)"
    )
    assert str(err).startswith("feed 'tape': file not found: data/x.csv")


def test_missing_column_suggests_the_mapping(kit: Any) -> None:
    os.mkdir(kit.folder / "data")
    path = kit.csv("ts,price,size\n1,2,3", "data/x.csv")
    err = raised(kit.replay(path, columns=(("ts_ns", "ts"),)))
    assert err.reason == (
        "column 'qty' not found in data/x.csv (columns: ts, price, size); "
        "map it with `columns: {qty: size}`"
    )


def test_mapped_column_that_is_not_in_the_file(kit: Any) -> None:
    path = kit.csv("ts_ns,price,amount\n1,2,3")
    err = raised(kit.replay(path, columns=(("qty", "size"),)))
    assert err.reason == (
        "column 'size' (mapped to qty by `columns:`) not found in tape.csv "
        "(columns: ts_ns, price, amount); fix it to `columns: {qty: amount}`"
    )


def test_mapping_of_an_unknown_canonical_column(kit: Any) -> None:
    path = kit.csv("ts_ns,price,qty\n1,2,3")
    err = raised(kit.replay(path, columns=(("volume", "qty"),)))
    assert err.reason == (
        "`columns:` maps 'volume', which is not a trades column; "
        "trades columns are ts_ns, price, qty, side"
    )


def test_quotes_need_every_quote_column(kit: Any) -> None:
    path = kit.csv("ts_ns,best_bid,bid_qty,ask_price,ask_qty\n1,2,3,4,5")
    err = raised(kit.replay(path, schema="quotes"))
    assert err.reason.startswith("column 'bid_price' not found in tape.csv")
    assert err.reason.endswith("map it with `columns: {bid_price: best_bid}`")


def test_empty_csv(kit: Any) -> None:
    (kit.folder / "empty.csv").write_bytes(b"")
    err = raised(kit.replay(kit.folder / "empty.csv"))
    assert err.reason == "empty.csv is empty; a CSV replay needs a header row"


def test_parquet_format_on_a_csv_file(kit: Any) -> None:
    path = kit.csv("ts_ns,price,qty\n1,2,3")
    err = raised(kit.replay(path, format="parquet"))
    assert err.reason.startswith("cannot read tape.csv as Parquet: ")
    assert err.reason.endswith("; check `format:`")


def test_corrupt_gzip(kit: Any) -> None:
    path = Path(kit.folder / "bad.csv.gz")
    path.write_bytes(b"\x1f\x8b" + b"\x00" * 64)
    err = raised(kit.replay(path, format="csv.gz"))
    assert err.reason.startswith("cannot read bad.csv.gz as gzip CSV: ")


def test_truncated_gzip(kit: Any) -> None:
    # 6 MB of CSV cut to ~4.5 MB. Arrow reads ahead in the background, so the truncation
    # surfaces while opening or while reading; either way as a DataError naming the file.
    rows = "\n".join(f"{1_704_067_200 + i},1,1" for i in range(400_000))
    path = kit.csv(f"ts_ns,price,qty\n{rows}", "long.csv.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 4])
    with pytest.raises(DataError) as caught:
        for _ in open_feed(kit.replay(path, batch_size=10_000)):
            pass
    err = caught.value
    if err.offset is None:
        assert err.reason.startswith("cannot read long.csv.gz as gzip CSV: ")
    else:
        assert 0 < err.offset < 400_000 and err.offset % 10_000 == 0
        assert err.reason.startswith(f"cannot read long.csv.gz past record {err.offset}: ")
    assert "runcated" in err.reason  # arrow's own words: "Truncated compressed stream"


def test_unknown_timestamp_unit(kit: Any) -> None:
    path = kit.csv("ts_ns,price,qty\n1,2,3")
    err = raised(kit.replay(path, ts_unit="minutes"))
    assert err.reason.startswith("unknown ts_unit 'minutes'")


def test_unknown_synthetic_model(kit: Any) -> None:
    err = raised(kit.synthetic(model="heston", s0=-1.0))
    assert err.feed == "gbm"
    assert err.reason == (
        "unknown model 'heston'; use `model: gbm`, `model: jump_diffusion` or `model: brownian`; "
        "s0 must be positive, got -1.0"
    )
