"""Sink URLs: `chdb://PATH` (embedded ClickHouse in-process) and
`clickhouse://[user[:password]@]host[:port]/database` (a server over the native protocol).

A parsed SinkURL never shows its password: `str()`, `repr()` and `redacted()` all omit it,
and so does every error raised while parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from orderloom.dsl.errors import SinkError

DEFAULT_URL = "chdb://.orderloom/clickhouse"
DEFAULT_DATABASE = "orderloom"
DEFAULT_PORT = 9000
ACCEPTED_FORMS = "chdb://PATH or clickhouse://[user[:password]@]host[:port]/database"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_USERINFO_PASSWORD = re.compile(r"(//[^/@:]*):[^@/]*@")

Scheme = Literal["chdb", "clickhouse"]


@dataclass(frozen=True)
class SinkURL:
    """Where analytics go. `path` is set for chdb (absolute), `host`/`port`/`user` for servers."""

    scheme: Scheme
    database: str = DEFAULT_DATABASE
    path: str | None = None
    host: str | None = None
    port: int = DEFAULT_PORT
    user: str = "default"
    password: str = field(default="", repr=False)

    def redacted(self) -> str:
        """The URL as text, safe for logs and error messages (no password)."""
        if self.scheme == "chdb":
            return f"chdb://{self.path}"
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host
        secret = ":***" if self.password else ""
        return f"clickhouse://{self.user}{secret}@{host}:{self.port}/{self.database}"

    def __str__(self) -> str:
        return self.redacted()


def redact_text(text: str) -> str:
    """Hide the password of a URL that may not even parse."""
    return _USERINFO_PASSWORD.sub(r"\1:***@", text)


def check_identifier(name: str, what: str, url: str) -> str:
    """ClickHouse database names end up in SQL text, so only plain identifiers are allowed."""
    if not _IDENTIFIER.fullmatch(name):
        raise SinkError(url, f"{what} '{name}' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)")
    return name


def parse_sink_url(
    text: str | None, database: str = DEFAULT_DATABASE, cwd: Path | None = None
) -> SinkURL:
    """Parse a sink URL; None means the default embedded store under the working directory.

    `database` names the database for chdb URLs and for server URLs that give none.
    """
    raw = DEFAULT_URL if text is None else text.strip()
    shown = redact_text(raw)
    if raw.startswith("chdb://"):
        return _parse_chdb(raw, shown, database, cwd or Path.cwd())
    if raw.startswith("clickhouse://"):
        return _parse_server(raw, shown, database)
    raise SinkError(shown or "<empty>", f"unsupported sink URL; expected {ACCEPTED_FORMS}")


def _bad(shown: str, what: str) -> SinkError:
    return SinkError(shown, f"{what}; expected {ACCEPTED_FORMS}")


def _parse_chdb(raw: str, shown: str, database: str, cwd: Path) -> SinkURL:
    rest = raw[len("chdb://") :]
    if not rest:
        raise _bad(shown, "chdb URL without a path")
    if "?" in rest or "#" in rest:
        raise _bad(shown, "chdb URL takes no query or fragment")
    path = Path(rest).expanduser()
    resolved = (path if path.is_absolute() else cwd / path).resolve()
    check_identifier(database, "database", shown)
    return SinkURL("chdb", database=database, path=str(resolved))


def _parse_server(raw: str, shown: str, database: str) -> SinkURL:
    parts = urlsplit(raw)
    if parts.query or parts.fragment:
        raise _bad(shown, "clickhouse URL takes no query or fragment")
    try:
        host = parts.hostname
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:  # a port that is not a number or out of range
        raise _bad(shown, f"bad port ({exc})") from None
    if not host:
        raise _bad(shown, "clickhouse URL without a host")
    name = parts.path.strip("/")
    if "/" in name:
        raise _bad(shown, "clickhouse URL path must be a single database name")
    url = SinkURL(
        "clickhouse",
        database=name or database,
        host=host,
        port=port,
        user=unquote(parts.username) if parts.username else "default",
        password=unquote(parts.password) if parts.password else "",
    )
    check_identifier(url.database, "database", url.redacted())
    return url
