"""Shared fixtures only; each lives in tests/fixtures/ and is registered here."""

pytest_plugins = ["tests.fixtures.clickhouse_server"]
