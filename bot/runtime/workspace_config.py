"""Per-workspace settings: what a Slack workspace's or Discord server's admins may set for
their own workspace, how a typed value is read, and the defaults from the environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from bot.base.settings import Settings

# name: (what it is, the environment default's field per platform, or None)
NAMES: Final[dict[str, str]] = {
    "support_channels": "channels where every message is answered, without a mention",
    "escalation_channel": "the channel hand-overs to people are posted in",
    "escalation_group": "the user group (Slack) or role (Discord) hand-overs alert",
    "admin_group": "the user group (Slack) or role (Discord) that may use admin commands",
    "solved_tag": "the forum tag applied to solved posts (Discord)",
    "rate_limit": "messages a user may send per rate window (1-1000)",
}
_DEFAULTS: Final[dict[str, dict[str, str]]] = {
    "slack": {
        "support_channels": "slack_support_channels",
        "escalation_channel": "slack_escalation_channel",
        "escalation_group": "slack_escalation_group",
        "admin_group": "slack_admin_group",
        "rate_limit": "rate_limit",
    },
    "discord": {
        "support_channels": "discord_support_channels",
        "escalation_channel": "discord_escalation_channel",
        "escalation_group": "discord_escalation_role",
        "admin_group": "discord_admin_role",
        "solved_tag": "discord_solved_tag",
        "rate_limit": "rate_limit",
    },
}
# Mentions as each platform writes them: a channel, a Slack user group, a Discord role.
_MENTION: Final = re.compile(r"<(?:#|!subteam\^|@&)([A-Za-z0-9]+)(?:\|[^>]*)?>")
_ID: Final = re.compile(r"^[A-Za-z0-9]{1,40}$")


class ConfigValueError(ValueError):
    """A value an admin typed that the setting cannot take (the message says why)."""


def parse_value(name: str, raw: str) -> str:
    """The stored form of a typed value: ids out of mentions, lists comma-separated."""
    text = _MENTION.sub(lambda m: m.group(1), raw.strip())
    if name == "rate_limit":
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            raise ConfigValueError("rate_limit takes a whole number from 1 to 1000")
        return str(int(text))
    if name == "solved_tag":
        if not text or len(text) > 20:
            raise ConfigValueError("solved_tag takes a forum tag name of 1 to 20 characters")
        return text
    ids = [p.lstrip("#") for p in re.split(r"[\s,]+", text) if p]
    if not ids or any(not _ID.match(i) for i in ids):
        raise ConfigValueError(f"{name} takes ids or mentions (#channel, @group)")
    if name != "support_channels" and len(ids) > 1:
        raise ConfigValueError(f"{name} takes one id")
    return ",".join(dict.fromkeys(ids))


@dataclass(frozen=True, slots=True)
class WorkspaceConfig:
    """One workspace's settings: its admins' values over the environment's defaults."""

    platform: str
    workspace: str
    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str, settings: Settings) -> str | None:
        """The value in force: the workspace's own, else the environment's default."""
        if name in self.values:
            return self.values[name]
        default = getattr(settings, _DEFAULTS.get(self.platform, {}).get(name, ""), None)
        if isinstance(default, (tuple, list, frozenset)):
            return ",".join(str(d) for d in default) or None
        return str(default) if default not in (None, "") else None

    def ids(self, name: str, settings: Settings) -> frozenset[str]:
        """A list setting (support channels) as a set of ids."""
        value = self.get(name, settings)
        return frozenset(v for v in (value or "").split(",") if v)

    def names(self) -> list[str]:
        """The settings this platform has."""
        return [n for n in NAMES if n in _DEFAULTS.get(self.platform, {})]

    def show(self, settings: Settings) -> str:
        """Every setting with its value and where it comes from (Markdown)."""
        lines = [f"**Settings of this {self._place()}** (`config set <name> <value>` to change)"]
        for name in self.names():
            value = self.get(name, settings)
            source = "set here" if name in self.values else "default"
            lines.append(f"• `{name}`: {f'`{value}`' if value else 'not set'} ({source})")
        return "\n".join(lines)

    def _place(self) -> str:
        return "server" if self.platform == "discord" else "workspace"
