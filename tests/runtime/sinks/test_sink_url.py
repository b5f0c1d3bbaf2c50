"""Sink URLs: the two accepted forms, their defaults, and that a password never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderloom.dsl.errors import SinkError
from orderloom.runtime.sinks.url import parse_sink_url


def test_no_url_means_embedded_store_under_the_working_directory(tmp_path: Path) -> None:
    url = parse_sink_url(None, cwd=tmp_path)
    assert (url.scheme, url.path, url.database) == (
        "chdb",
        str(tmp_path / ".orderloom" / "clickhouse"),
        "orderloom",
    )


def test_relative_chdb_path_resolves_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_sink_url("chdb://data/ch").path == str(tmp_path.resolve() / "data" / "ch")
    assert parse_sink_url("chdb:///srv/ch", database="desk").path == "/srv/ch"
    assert parse_sink_url("chdb:///srv/ch", database="desk").database == "desk"


def test_server_url_with_every_part() -> None:
    url = parse_sink_url("clickhouse://trader:s%40cret@ch.internal:9440/analytics")
    assert (url.scheme, url.host, url.port, url.user, url.database) == (
        "clickhouse",
        "ch.internal",
        9440,
        "trader",
        "analytics",
    )
    assert url.password == "s@cret"


def test_server_url_defaults() -> None:
    url = parse_sink_url("clickhouse://localhost")
    assert (url.host, url.port, url.user, url.password, url.database) == (
        "localhost",
        9000,
        "default",
        "",
        "orderloom",
    )
    assert parse_sink_url("clickhouse://localhost/", database="other").database == "other"
    assert parse_sink_url("clickhouse://localhost/named", database="other").database == "named"


def test_password_never_printed() -> None:
    url = parse_sink_url("clickhouse://trader:hunter2@db:9000/analytics")
    assert url.redacted() == "clickhouse://trader:***@db:9000/analytics"
    assert "hunter2" not in str(url)
    assert "hunter2" not in repr(url)
    assert parse_sink_url("clickhouse://db").redacted() == "clickhouse://default@db:9000/orderloom"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("mysql://db/x", "unsupported sink URL"),
        ("", "unsupported sink URL"),
        ("/var/lib/ch", "unsupported sink URL"),
        ("chdb://", "without a path"),
        ("chdb://ch?mode=ro", "no query"),
        ("clickhouse://", "without a host"),
        ("clickhouse://db:port/x", "bad port"),
        ("clickhouse://u:hunter2@db:99999/x", "bad port"),
        ("clickhouse://db/x/y", "single database name"),
        ("clickhouse://db/x?secure=1", "no query"),
    ],
)
def test_bad_urls_name_the_accepted_forms(text: str, problem: str) -> None:
    with pytest.raises(SinkError) as caught:
        parse_sink_url(text)
    message = str(caught.value)
    assert problem in message
    assert "chdb://PATH or clickhouse://[user[:password]@]host[:port]/database" in message
    assert "\n" not in message
    assert "hunter2" not in message


def test_database_must_be_a_plain_identifier() -> None:
    with pytest.raises(SinkError, match="not a plain identifier"):
        parse_sink_url("clickhouse://db/my-db")
    with pytest.raises(SinkError, match="not a plain identifier"):
        parse_sink_url("chdb://x", database="a;DROP")
