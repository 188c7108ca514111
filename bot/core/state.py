"""Conversation context <-> JSON, so the engine's follow-ups survive a restart."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.base.oses import OS_NAMES
from bot.core.models import Choice, Context
from bot.diagnosis.ends import NodeView, PeerLink


def context_to_json(ctx: Context) -> dict[str, Any]:
    """A JSON-ready dict of `ctx`."""
    return asdict(ctx)


def context_from_json(data: object) -> Context:
    """Rebuild a Context; anything malformed (an older format, hand edits) gives a fresh one."""
    if not isinstance(data, dict):
        return Context()
    try:
        os_name = data.get("os")
        return Context(
            topic=_opt_str(data.get("topic")),
            section=_opt_str(data.get("section")),
            os=os_name if os_name in OS_NAMES else None,
            shown=tuple(str(t) for t in data.get("shown") or ()),
            ranked=tuple(str(t) for t in data.get("ranked") or ()),
            choices=tuple(
                Choice(
                    str(c["topic"]),
                    _opt_str(c.get("section")),
                    str(c["title"]),
                    float(c.get("score", 0)),
                )
                for c in data.get("choices") or ()
            ),
            nodes=tuple(
                NodeView(
                    address=str(n["address"]),
                    version=_opt_str(n.get("version")),
                    status=_opt_str(n.get("status")),
                    roots_direct=n.get("roots_direct"),
                    links=tuple(
                        PeerLink(
                            str(p["address"]),
                            str(p["link"]),
                            p.get("latency_ms"),
                            _opt_str(p.get("version")),
                        )
                        for p in n.get("links") or ()
                    ),
                )
                for n in data.get("nodes") or ()
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return Context()


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
