"""Risk check `position_limit`: net and gross position limits per instrument or base asset."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.diagnostics import did_you_mean
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.plan import Instrument
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import check_schema


@dataclass(frozen=True)
class PositionLimitParams:
    instrument: str | None = None  # one instrument ...
    asset: str | None = None  # ... or every instrument with this base asset
    net: float | None = None  # |sum of positions|, base units
    gross: float | None = None  # sum of |positions|, base units

    def applies_to(self, instrument: Instrument) -> bool:
        if self.instrument is not None:
            return instrument.id == self.instrument
        return instrument.base == self.asset

    def scaled(self, share: float) -> PositionLimitParams:
        return PositionLimitParams(
            self.instrument,
            self.asset,
            None if self.net is None else self.net * share,
            None if self.gross is None else self.gross * share,
        )


_LIMIT = {"type": "number", "minimum": 0}

SCHEMA = check_schema(
    "net and gross position limits for one instrument or one base asset, in base units",
    {
        "instrument": {"type": "string", "description": "the instrument id limited"},
        "asset": {
            "type": "string",
            "description": "a base asset (BTC): every instrument trading it counts",
        },
        "net": {**_LIMIT, "description": "largest |sum of positions| (long minus short)"},
        "gross": {**_LIMIT, "description": "largest sum of |positions| (long plus short)"},
    },
    budget=True,
)


def compile_position_limit(node: Mapping, ctx: KindContext) -> PositionLimitParams:
    instrument = ctx.scalar(node, "instrument")
    asset = ctx.scalar(node, "asset")
    if (instrument is None) == (asset is None):
        ctx.report(
            codes.CONFLICTING_KEYS if instrument is not None else codes.MISSING_KEY,
            "position_limit needs exactly one of `instrument` and `asset`",
            asset.span if asset is not None else node.span,
            "e.g. {asset: BTC, net: 10} or {instrument: BTC/USDT@sim, net: 5}",
        )
    if "net" not in node and "gross" not in node:
        ctx.report(
            codes.MISSING_KEY,
            "position_limit needs `net`, `gross` or both",
            node.span,
            "net: largest |long - short|; gross: largest long + short",
        )
    bases = {i.split("/", 1)[0] for i in ctx.names.instruments}
    if asset is not None and str(asset.value) not in bases:
        ctx.report(
            codes.UNKNOWN_REFERENCE,
            f"no instrument trades the asset '{asset.value}'",
            asset.span,
            did_you_mean(str(asset.value), bases) or f"base assets: {', '.join(sorted(bases))}",
        )
    return PositionLimitParams(
        instrument=ctx.instrument_ref(instrument) if instrument is not None else None,
        asset=str(asset.value) if asset is not None else None,
        net=ctx.number(node, "net") if "net" in node else None,
        gross=ctx.number(node, "gross") if "gross" in node else None,
    )


register(
    KindSpec(
        category="risk",
        name="position_limit",
        summary="net and gross position limits per instrument or base asset",
        schema=SCHEMA,
        params_type=PositionLimitParams,
        compile=compile_position_limit,
        runtime="orderloom.runtime.risk.positions:PositionLimit",
        doc=(
            "Pre-trade check: counting every open order as if it filled, an order is refused "
            "when it would take the net position (sum over the instruments of the asset, long "
            "minus short) or the gross position (sum of absolute positions) beyond its limit; "
            "orders that reduce the exposure pass. An account-wide limit is split among the "
            "strategy instances trading the asset (equally, or by `shares`), so each instance "
            "checks its own budget."
        ),
        examples=(
            "risk:\n  position_limit:\n    - {asset: BTC, net: 5, gross: 8}\n"
            "    - {instrument: BTC/USDT@sim, net: 2, scope: {strategy: buy_twap}}\n",
        ),
    )
)
