"""Graph checks over the compiled parts: cycles among signals, a route for every strategy,
a feed for every instrument a strategy trades or reads, a declared venue for every
instrument."""

from __future__ import annotations

from collections.abc import Mapping as AbcMapping
from collections.abc import Sequence

from orderloom.dsl import codes
from orderloom.dsl.diagnostics import Diagnostics, did_you_mean
from orderloom.dsl.errors import Span
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.plan import Feed


def find_cycles(edges: AbcMapping[str, set[str]], order: Sequence[str]) -> list[list[str]]:
    """Each cycle once, as a closed path [a, b, ..., a], starting at its member that comes
    first in `order`; members of a cycle are never part of a second reported one."""
    index = {name: i for i, name in enumerate(order)}
    in_cycle: set[str] = set()
    cycles: list[list[str]] = []
    for start in order:
        if start in in_cycle:
            continue
        path = _path_back(start, edges, index)
        if path is not None:
            cycles.append(path)
            in_cycle.update(path)
    return cycles


def _path_back(
    start: str, edges: AbcMapping[str, set[str]], index: dict[str, int]
) -> list[str] | None:
    """The shortest path start -> ... -> start (breadth first, neighbours in file order)."""
    parents: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following: list[str] = []
        for node in frontier:
            for nxt in sorted(edges.get(node, ()), key=lambda n: index.get(n, len(index))):
                if nxt == start:
                    chain = [node]  # node, its parent, ..., start
                    while chain[-1] != start:
                        chain.append(parents[chain[-1]])
                    return [*reversed(chain), start]
                if nxt not in seen and nxt in index:
                    seen.add(nxt)
                    parents[nxt] = node
                    following.append(nxt)
        frontier = following
    return None


def check_instrument_venues(
    instruments: Mapping, venues: AbcMapping[str, Span], diags: Diagnostics
) -> None:
    """Every declared instrument id SYMBOL@venue names a declared venue."""
    for key, _ in instruments.items:
        if "@" not in key.text:
            continue  # not an instrument id at all: reported by the schema check
        venue = key.text.rsplit("@", 1)[1]
        if venue not in venues:
            diags.error(
                codes.VENUE_NOT_DECLARED,
                f"venue '{venue}' of instrument {key.text} is not declared",
                key.span,
                did_you_mean(venue, venues)
                or f"declare it: venues: {{{venue}: {{kind: simulated}}}}",
            )


def check_feeds(
    strategy: str,
    instruments: Sequence[str],
    feeds: Sequence[Feed],
    span: Span,
    diags: Diagnostics,
) -> None:
    fed = {f.instrument for f in feeds}
    for instrument in instruments:
        if instrument not in fed:
            diags.error(
                codes.NO_FEED,
                f"strategy '{strategy}' uses instrument '{instrument}', but no feed provides it",
                span,
                f"add a feed with `instrument: {instrument}`",
            )
