"""The pipeline's account: the top-level `account:` name (default "default") under which the
account monitor sums every instance's PnL and exposure, and whose control file
(`orderloom kill --account NAME`) every deployment of that account obeys."""

from __future__ import annotations

from typing import Any

from orderloom.dsl.nodes import Mapping, Scalar

DEFAULT_ACCOUNT = "default"

ACCOUNT_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    "description": "trading account the pipeline belongs to (letters, digits, _ . -); the "
    "account monitor and `orderloom kill --account NAME` act on every deployment of it "
    "(default: default)",
}


def account_name(doc: Mapping) -> str:
    """The document's account (already schema-checked), or the default."""
    node = doc.get("account")
    if isinstance(node, Scalar) and isinstance(node.value, str) and node.value:
        return node.value
    return DEFAULT_ACCOUNT
