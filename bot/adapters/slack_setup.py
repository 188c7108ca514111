"""What ztbot lacks in a Slack workspace, and how to fix each: pure checks over the scopes
Slack granted (auth.test's `x-oauth-scopes` header) and conversations.info answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bot.runtime.frontdesk import SetupProblem

# The bot scopes in deploy/slack-manifest.yaml (a test keeps the two the same).
REQUIRED_SCOPES: Final = frozenset(
    {
        "app_mentions:read",
        "channels:history",
        "channels:read",
        "groups:history",
        "im:history",
        "mpim:history",
        "chat:write",
        "commands",
        "reactions:write",
        "files:read",
        "usergroups:read",
        "im:write",
        "files:write",
    }
)
REINSTALL: Final = (
    "Update the app from deploy/slack-manifest.yaml (App Manifest) and reinstall it to the "
    "workspace (Install App)."
)


def scope_problems(granted: str | None) -> list[SetupProblem]:
    """The scopes the app needs that the token was not granted (None: Slack did not say)."""
    if granted is None:
        return []
    have = {s.strip() for s in granted.split(",") if s.strip()}
    return [
        SetupProblem("this workspace", f"the `{scope}` scope", REINSTALL)
        for scope in sorted(REQUIRED_SCOPES - have)
    ]


def channel_problem(
    channel: str, info: Mapping[str, Any] | None, error: str | None
) -> SetupProblem | None:
    """What is wrong with a configured channel, from conversations.info (or its error)."""
    where = f"channel {channel}"
    if error is not None or info is None:
        return SetupProblem(
            f"channel {channel}",
            "access to the channel (not found, or private and ztbot is not in it)",
            "Check the id (`/zt admin config show`); in a private channel, `/invite @ztbot`.",
        )
    if info.get("is_archived"):
        return SetupProblem(
            where, "an open channel (it is archived)", "Unarchive it or pick another."
        )
    if not info.get("is_member"):
        return SetupProblem(
            where, "membership (ztbot is not in the channel)", "`/invite @ztbot` there."
        )
    return None
