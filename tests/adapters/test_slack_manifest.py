"""The shipped Slack app manifest asks for exactly the scopes and events the app uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "deploy" / "slack-manifest.yaml"
SOURCES = [ROOT / "bot" / "adapters" / n for n in ("slack_app.py", "slack_connection.py")]

# Bot token scope of each Web API method the app calls (None: no scope needed).
METHOD_SCOPES = {
    "auth_test": None,
    "chat_getPermalink": None,
    "chat_postEphemeral": "chat:write",
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "conversations_open": "im:write",
    "files_upload_v2": "files:write",
    "files_info": "files:read",
    "reactions_add": "reactions:write",
    "reactions_remove": "reactions:write",
    "usergroups_users_list": "usergroups:read",
    "views_publish": None,
    "conversations_info": "channels:read",
}
# Scope each subscribed event needs.
EVENT_SCOPES = {
    "app_home_opened": None,
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
}


def test_manifest_scopes_match_the_calls_and_events():
    """Every scope is used by a call, an event or /zt; every call the app makes is covered."""
    manifest = yaml.safe_load(MANIFEST.read_text())
    called = {
        m for source in SOURCES for m in re.findall(r"self\.client\.(\w+)\(", source.read_text())
    }
    assert called <= set(METHOD_SCOPES), f"new Web API call without a known scope: {called}"
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == set(EVENT_SCOPES)
    needed = {METHOD_SCOPES[m] for m in called} | {EVENT_SCOPES[e] for e in events} | {"commands"}
    needed.discard(None)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    # files:read also covers downloading url_private with the bot token.
    assert "files:read" in needed


def test_manifest_defaults_to_socket_mode_with_zt_and_buttons():
    """Socket Mode on, the /zt command and interactivity (buttons) enabled."""
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/zt"]
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_manifest_declares_the_diagnose_shortcut_the_app_listens_to():
    """The message shortcut's callback id is the one the app registers; its name fits Slack."""
    from bot.adapters.slack_incoming import DIAGNOSE_CALLBACK

    manifest = yaml.safe_load(MANIFEST.read_text())
    [shortcut] = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message"
    assert shortcut["callback_id"] == DIAGNOSE_CALLBACK
    assert len(shortcut["name"]) <= 24
    assert len(shortcut["description"]) <= 150


def test_the_status_check_knows_the_manifests_scopes():
    """`/zt admin status` checks the token for exactly the scopes the manifest asks for."""
    from bot.adapters.slack_setup import REQUIRED_SCOPES

    manifest = yaml.safe_load(MANIFEST.read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == REQUIRED_SCOPES
