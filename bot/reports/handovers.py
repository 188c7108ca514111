"""The support workflow in the usage report: hand-overs, and how soon people took them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Conversation
from bot.store.repository import as_utc

MAX_ROWS: Final = 5000  # hand-overs read per report; the newest win


@dataclass(frozen=True, slots=True)
class Handovers:
    """Conversations handed over to people in the window; median waits in seconds."""

    escalated: int
    claimed: int
    resolved: int
    to_first_human_s: float | None  # hand-over -> first claim (a person took it)
    to_resolution_s: float | None  # hand-over -> resolved

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "escalated": self.escalated,
            "claimed": self.claimed,
            "resolved": self.resolved,
            "median_to_first_human_s": self.to_first_human_s,
            "median_to_resolution_s": self.to_resolution_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Handovers:
        """Inverse of `to_dict`."""
        return cls(
            escalated=data["escalated"],
            claimed=data["claimed"],
            resolved=data["resolved"],
            to_first_human_s=data["median_to_first_human_s"],
            to_resolution_s=data["median_to_resolution_s"],
        )


def handover_stats(session: Session, since: datetime, until: datetime) -> Handovers:
    """Hand-overs made in [since, until), with the median time to a claim and to resolution."""
    rows = session.execute(
        select(Conversation.escalated_at, Conversation.claimed_at, Conversation.resolved_at)
        .where(Conversation.escalated_at >= since, Conversation.escalated_at < until)
        .order_by(Conversation.escalated_at.desc())
        .limit(MAX_ROWS)
    ).all()
    claims = _waits([(e, c) for e, c, _r in rows])
    resolutions = _waits([(e, r) for e, _c, r in rows])
    return Handovers(
        escalated=len(rows),
        claimed=len(claims),
        resolved=len(resolutions),
        to_first_human_s=median(claims) if claims else None,
        to_resolution_s=median(resolutions) if resolutions else None,
    )


def _waits(pairs: Sequence[tuple[datetime | None, datetime | None]]) -> list[float]:
    return [
        max(0.0, (as_utc(end) - as_utc(start)).total_seconds())
        for start, end in pairs
        if start is not None and end is not None
    ]


def duration(seconds: float | None) -> str:
    """A wait as people say it: 45 s, 12 min, 3.5 h, 2.0 d; a dash when unknown."""
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def render_handovers(stats: Handovers) -> list[str]:
    """The report's lines about hand-overs."""
    return [
        f"Hand-overs to people  {stats.escalated}"
        f"  ({stats.claimed} claimed, {stats.resolved} resolved)",
        f"  median time to first human answer  {duration(stats.to_first_human_s)}",
        f"  median time to resolution          {duration(stats.to_resolution_s)}",
    ]
