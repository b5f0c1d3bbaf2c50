"""Per-instance budgets: each declared check goes to the strategy instances its scope matches,
and an additive limit (a params type with `scaled(share)`) is split among them, by explicit
shares or equally, so every pre-trade check runs locally in its own engine step.

A template's share is split equally among its instances; an instance named in `shares`
takes its own. `per_instance: true` gives each instance the whole limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orderloom.dsl import codes
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.plan import InstanceRisk, Instrument, RiskCheck, Strategy
from orderloom.dsl.risk_scopes import Declared

_SUM_TOLERANCE = 1e-9


def resolve(
    declared: Sequence[Declared],
    strategies: Sequence[Strategy],
    instruments: dict[str, Instrument],
    declared_strategies: set[str],
    diags: Diagnostics,
    reach: Mapping[str, Sequence[str]] | None = None,
) -> tuple[InstanceRisk, ...]:
    """Every compiled instance's checks, in declaration order. `declared_strategies` holds
    the instances written in the pipeline, compiled or not: a scope that matches only ones
    that failed to compile is not reported again. `reach` gives the venues a routed
    instance's orders may reach (routing.reachable_venues): a venue scope takes in every
    instance that may send there, and splits its budget among them."""
    checks: dict[str, list[RiskCheck]] = {s.name: [] for s in strategies}
    some_failed = bool(declared_strategies - set(checks))
    for d in declared:
        covered = _covered(d, strategies, instruments, reach or {})
        if not covered:
            if d.scope_span is not None and not some_failed:
                diags.error(
                    codes.BAD_VALUE,
                    f"{d.kind} applies to no strategy instance: none matches "
                    f"scope {d.scope.label()}",
                    d.scope_span,
                    "check the names, or that the strategy reads the instrument and routes "
                    "to the venue",
                )
            continue
        if not _currency_ok(d, covered, instruments, diags):
            continue
        shares = _shares(d, [s for s, _ in covered], diags)
        if shares is None:
            continue
        budget = hasattr(d.params, "scaled") and not d.per_instance
        resolved: list[tuple[str, RiskCheck]] = []
        for strategy, slots in covered:
            share = shares[strategy.name] if budget else 1.0
            params = d.params
            if budget and share != 1.0:
                try:
                    params = d.params.scaled(share)
                except ValueError as error:
                    diags.error(
                        codes.BAD_VALUE,
                        f"{d.kind}: the {_percent(share)} share of '{strategy.name}' {error}",
                        d.shares_span or d.span,
                        "raise the limit, give the instance a larger share, or narrow the scope",
                    )
                    break  # one message per declaration
            resolved.append(
                (strategy.name, RiskCheck(d.kind, params, slots, d.scope, share, d.span))
            )
        else:
            for name, check in resolved:
                checks[name].append(check)
    return tuple(InstanceRisk(s.name, tuple(checks[s.name])) for s in strategies)


def _covered(
    d: Declared,
    strategies: Sequence[Strategy],
    instruments: dict[str, Instrument],
    reach: Mapping[str, Sequence[str]],
) -> list[tuple[Strategy, tuple[str, ...]]]:
    """Matched instances with the instruments the check covers (() = all of them)."""
    applies = getattr(d.params, "applies_to", None)
    out: list[tuple[Strategy, tuple[str, ...]]] = []
    for strategy in strategies:
        if not d.scope.matches(strategy, reach.get(strategy.name)):
            continue
        if not d.scope.instruments and applies is None:
            out.append((strategy, ()))
            continue
        slots = tuple(
            i
            for i in strategy.instruments
            if (not d.scope.instruments or i in d.scope.instruments)
            and (applies is None or (i in instruments and applies(instruments[i])))
        )
        if slots:
            out.append((strategy, slots))
    return out


def _currency_ok(
    d: Declared,
    covered: list[tuple[Strategy, tuple[str, ...]]],
    instruments: dict[str, Instrument],
    diags: Diagnostics,
) -> bool:
    currency = getattr(d.params, "currency", None)
    if currency is None:
        return True
    for strategy, slots in covered:
        for instrument_id in slots or strategy.instruments:
            instrument = instruments.get(instrument_id)
            quote = currency if instrument is None else instrument.quote
            if quote != currency:
                diags.error(
                    codes.BAD_VALUE,
                    f"{d.kind} is in {currency}, but {instrument_id} (traded by "
                    f"'{strategy.name}') is quoted in {quote}",
                    d.span,
                    f"write the limit in {quote}, or scope it to instruments quoted in {currency}",
                )
                return False
    return True


def _shares(d: Declared, matched: list[Strategy], diags: Diagnostics) -> dict[str, float] | None:
    """Each matched instance's fraction of the limit, or None (reported)."""
    if not d.shares:
        return {s.name: 1.0 / len(matched) for s in matched}
    names = {s.name for s in matched}
    templates = {s.template for s in matched}
    ok = True
    by_name: dict[str, float] = {}
    for name, share, span in d.shares:
        if name not in names and name not in templates:
            diags.error(
                codes.BAD_VALUE,
                f"shares name '{name}', which is outside this limit's scope ({d.scope.label()})",
                span,
                f"strategies in scope: {', '.join(sorted(names))}",
            )
            ok = False
        by_name[name] = share
    total = sum(by_name.values())
    if abs(total - 1.0) > _SUM_TOLERANCE:
        assert d.shares_span is not None
        diags.error(
            codes.BAD_VALUE,
            f"shares add up to {_percent(total)}, not 100%",
            d.shares_span,
            "; ".join(f"{name}: {_percent(share)}" for name, share in by_name.items()),
        )
        ok = False
    out: dict[str, float] = {}
    for template in sorted(templates):
        # Instances named on their own take their share; the rest split the template's.
        rest = [s.name for s in matched if s.template == template and s.name not in by_name]
        if rest and template in by_name:
            for name in rest:
                out[name] = by_name[template] / len(rest)
    for s in matched:
        if s.name in by_name:
            out[s.name] = by_name[s.name]
        elif s.name not in out:
            assert d.shares_span is not None
            diags.error(
                codes.BAD_VALUE,
                f"shares leave out strategy instance '{s.name}', which the scope includes",
                d.shares_span,
                f"give '{s.template}' a share, or narrow the scope",
            )
            ok = False
    return out if ok else None


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100, 6):g}%"


def describe_share(check: RiskCheck) -> str:
    """`60% of the limit for strategy mm` style suffix for messages and `orderloom plan`."""
    where = check.scope.label()
    if check.share == 1.0:
        return where
    return f"{where}, {_percent(check.share)} share"
