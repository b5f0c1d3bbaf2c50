"""Reading a risk action as YAML writes it — `kill`, `flatten`, `cancel_all`, `halt` or
`halt 5m` — for circuit breakers (`then:`) and account limits (`action:`)."""

from __future__ import annotations

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.diagnostics import did_you_mean
from orderloom.dsl.nodes import Mapping, Scalar


def read_action(
    ctx: KindContext,
    then: Scalar,
    key: str,
    actions: tuple[str, ...],
    what: str,
    *,
    positive: bool = False,
) -> tuple[str, int]:
    """(action, halt duration in ns; 0: until resume) from `then`, the scalar under `key`.
    An unknown action is reported and comes back as ""; `what` names it in the message
    ("circuit breaker", "account"). `positive`: a written duration must be more than 0."""
    words = str(then.value).split()
    action = words[0] if words else ""
    if action not in actions:
        ctx.report(
            codes.BAD_VALUE,
            f"unknown {what} action '{then.text}'",
            then.span,
            did_you_mean(action, actions) or f"one of: {', '.join(actions)}",
        )
        return "", 0
    if len(words) > 2 or (len(words) == 2 and action != "halt"):
        ctx.report(
            codes.BAD_VALUE,
            f"'{then.text}': only halt takes a duration",
            then.span,
            f"write e.g. `{key}: halt 5m`, `{key}: flatten` or `{key}: kill`",
        )
        return action, 0
    if len(words) == 2:
        # The duration reader wants a mapping: hold the word in one at the scalar's place.
        holder = Mapping(
            ((Scalar("d", "d", then.span), Scalar(words[1], words[1], then.span)),), then.span
        )
        return action, (ctx.positive_duration_ns if positive else ctx.duration_ns)(holder, "d")
    return action, 0
