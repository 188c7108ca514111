"""The Slack App Home tab: the front desk's `Home` as a Block Kit view (pure, no I/O)."""

from __future__ import annotations

from typing import Any, Final

from bot.adapters.slack_blocks import header, section, to_mrkdwn, topic_menu
from bot.runtime.frontdesk import Home, Recent

MAX_HOME_BLOCKS: Final = 100  # Slack's limit for a home view
_STATUS: Final = {
    "open": ":speech_balloon: open",
    "with people": ":raised_hand: with the support team",
    "resolved": ":white_check_mark: resolved",
}


def _line(recent: Recent) -> str:
    where = f"<#{recent.channel}>" if recent.channel and recent.channel[:1] in "CG" else "here"
    epoch = int(recent.last_seen.timestamp())
    when = f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{recent.last_seen:%Y-%m-%d %H:%M} UTC>"
    return f"{where} · last message {when} · {_STATUS[recent.status]}"


def home_view(home: Home) -> dict[str, Any]:
    """The home tab: what ztbot does, a menu of its topics, the user's newest conversations."""
    blocks: list[dict[str, Any]] = [header("ztbot: ZeroTier help"), section(to_mrkdwn(home.intro))]
    menu = topic_menu((c.topic, c.title) for c in home.topics)
    blocks.extend(menu.blocks)
    blocks.append(header("Your recent conversations"))
    if home.recent:
        blocks.extend(section(_line(r)) for r in home.recent)
    else:
        blocks.append(section("None yet. Ask me anything about ZeroTier."))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
