"""Placeholder substitution over the whole document, and `for_each` expansion of strategies.

    strategies:
      trend:
        kind: signal
        for_each: {instrument: [BTC/USDT@sim, ETH/USDT@sim]}
        instrument: ${each.instrument}

yields the instances `trend[BTC/USDT@sim]` and `trend[ETH/USDT@sim]`. Several variables give
every combination (in the order written), named `trend[v1,v2]`. `${each.NAME}` as a whole
value takes the listed value as written (a number stays a number); inside text it is spliced.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field

from orderloom.dsl import codes
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.interpolate import substitute, substitute_tree
from orderloom.dsl.nodes import Mapping, Node, Scalar, Sequence

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Expanded:
    doc: Mapping
    templates: dict[str, str] = field(default_factory=dict)  # instance name -> YAML key


def expand(doc: Mapping, env: AbcMapping[str, str], diags: Diagnostics) -> Expanded:
    result = Expanded(doc)
    items: list[tuple[Scalar, Node]] = []
    for key, section in doc.items:
        if key.text == "strategies" and isinstance(section, Mapping):
            section = _strategies(section, env, diags, result.templates)
        else:
            section = substitute_tree(section, env, None, diags)
        items.append((key, section))
    result.doc = Mapping(tuple(items), doc.span)
    return result


def _strategies(
    section: Mapping, env: AbcMapping[str, str], diags: Diagnostics, templates: dict[str, str]
) -> Mapping:
    items: list[tuple[Scalar, Node]] = []
    seen: dict[str, Scalar] = {}
    for key, body in section.items:
        if not isinstance(body, Mapping) or "for_each" not in body:
            items.append((key, substitute_tree(body, env, None, diags)))
            templates[key.text] = key.text
            continue
        variables = _variables(body.get("for_each"), env, diags)
        if variables is None:
            continue
        template = body.without("for_each")
        names = list(variables)
        for combo in itertools.product(*variables.values()):
            instance = f"{key.text}[{','.join(v.text for v in combo)}]"
            instance_key = Scalar(instance, instance, key.span)
            if instance in seen:
                diags.error(
                    codes.BAD_FOR_EACH,
                    f"for_each gives the instance '{instance}' twice",
                    combo[0].span,
                    "remove the repeated value",
                )
                continue
            seen[instance] = instance_key
            templates[instance] = key.text
            each = dict(zip(names, combo, strict=True))
            items.append((instance_key, substitute_tree(template, env, each, diags)))
    return Mapping(tuple(items), section.span)


def _variables(
    node: Node | None, env: AbcMapping[str, str], diags: Diagnostics
) -> dict[str, list[Scalar]] | None:
    if not isinstance(node, Mapping) or not node.items:
        span = node.span if node is not None else None
        assert span is not None
        diags.error(
            codes.BAD_FOR_EACH,
            "for_each must map variable names to lists of values",
            span,
            "e.g. for_each: {instrument: [BTC/USDT@sim, ETH/USDT@sim]}",
        )
        return None
    out: dict[str, list[Scalar]] = {}
    ok = True
    for name, values in node.items:
        if not _VARIABLE.fullmatch(name.text):
            diags.error(
                codes.BAD_FOR_EACH,
                f"'{name.text}' is not a for_each variable name",
                name.span,
                "use letters, digits and _",
            )
            ok = False
            continue
        listed = values.items if isinstance(values, Sequence) else (values,)
        scalars: list[Scalar] = []
        for value in listed:
            value = substitute(value, env, None, diags) if isinstance(value, Scalar) else value
            if not isinstance(value, Scalar) or value.value is None:
                diags.error(
                    codes.BAD_FOR_EACH,
                    f"for_each values of '{name.text}' must be single values",
                    value.span,
                )
                ok = False
                continue
            scalars.append(value)
        if not listed:
            diags.error(codes.BAD_FOR_EACH, f"for_each '{name.text}' lists no values", values.span)
            ok = False
        out[name.text] = scalars
    return out if ok else None
