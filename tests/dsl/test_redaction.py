"""Credentials never appear in a printed plan: sink passwords are redacted in every format."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderloom.dsl.compiler import compile_file
from orderloom.dsl.plan import redact_url
from orderloom.dsl.plan_format import format_plan

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "url,shown",
    [
        ("clickhouse://desk:hunter2@db:9000/x", "clickhouse://desk:***@db:9000/x"),
        ("clickhouse://desk@db:9000/x", "clickhouse://desk@db:9000/x"),
        ("clickhouse://db:9000/x", "clickhouse://db:9000/x"),
        ("chdb:///tmp/a:b@c", "chdb:///tmp/a:b@c"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize("fmt", ["text", "json", "dot"])
def test_plan_output_never_shows_the_password(tmp_path: Path, fmt: str) -> None:
    text = (ROOT / "examples" / "quickstart.yaml").read_text()
    text = text.replace(
        "analytics: {kind: clickhouse}",
        'analytics: {kind: clickhouse, url: "clickhouse://desk:${CH_PASSWORD}@db:9000/o"}',
    )
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(text)
    (tmp_path / "data").symlink_to(ROOT / "examples" / "data")
    plan = compile_file(pipeline, env={"CH_PASSWORD": "hunter2"})
    assert plan.sinks[0].url == "clickhouse://desk:hunter2@db:9000/o"  # the runtime needs it
    shown = format_plan(plan, fmt)
    assert "hunter2" not in shown
    if fmt != "dot":
        assert "clickhouse://desk:***@db:9000/o" in shown
