"""Replies as Slack Block Kit messages: pure functions, no I/O.

Slack's limits (https://api.slack.com/reference/block-kit/blocks) are enforced here so a long
FAQ answer or a big diagnosis can never make `chat.postMessage` fail with `invalid_blocks`:
at most 50 blocks, 3000 characters per section text, 150 per header, 75 per button label,
10 elements per context block, and a short fallback `text` for notifications.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bot.core.handover import escalation_markdown
from bot.core.models import Escalation, Reply
from bot.core.render import markdown_to_plain, to_markdown
from bot.diagnosis.findings import SECRET_EXPOSED
from bot.runtime.frontdesk import solvable

MAX_BLOCKS: Final = 50
MAX_SECTION: Final = 3000
MAX_HEADER: Final = 150
MAX_BUTTON: Final = 75
MAX_CONTEXT_ELEMENTS: Final = 10
MAX_CONTEXT_TEXT: Final = 2000
MAX_FALLBACK: Final = 3000  # Slack cuts message text at 40,000; notifications need far less
MAX_CHOICES: Final = 5

ACTION_SOLVED: Final = "zt_solved"
ACTION_NOT_HELPFUL: Final = "zt_not_helpful"
ACTION_CHOICE_PREFIX: Final = "zt_choice_"
ACTION_SHARE: Final = "zt_share"
ACTION_CLAIM: Final = "zt_claim"
ACTION_RESOLVE: Final = "zt_resolve"
HANDOVER_BLOCK: Final = "zt_handover"
ACTION_TOPIC: Final = "zt_topic"
MAX_OPTIONS: Final = 100  # a static select's options
MAX_OPTION_TEXT: Final = 75
SHARE_BLOCK: Final = "zt_share"
FEEDBACK_BLOCK: Final = "zt_feedback"
CHOICES_BLOCK: Final = "zt_choices"

_SEVERITY_ICON: Final = {
    "error": ":red_circle:",
    "warning": ":warning:",
    "info": ":information_source:",
}
_FENCE: Final = re.compile(r"^\s*```[\w+-]*\s*$")
_HEADING: Final = re.compile(r"^#{1,6}\s+(.*)$")
_BULLET: Final = re.compile(r"^(\s*)[-*+]\s+")
_INLINE_CODE: Final = re.compile(r"(`[^`\n]+`)")
_LINK: Final = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD: Final = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC: Final = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """Arguments for chat.postMessage: Block Kit blocks plus the fallback text."""

    text: str
    blocks: tuple[dict[str, Any], ...]

    def kwargs(self) -> dict[str, Any]:
        """As keyword arguments for the Web API client."""
        return {"text": self.text, "blocks": list(self.blocks)}


# --- Markdown -> mrkdwn -----------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup (also defuses <!channel> in echoes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """CommonMark-ish Markdown as Slack mrkdwn: *bold*, _italic_, <url|text>, • lists."""
    out: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
            out.append("```")  # Slack ignores language tags and would print them
            continue
        if in_code:
            out.append(escape(line))
            continue
        heading = _HEADING.match(line)
        if heading:
            line = f"**{heading.group(1).strip()}**"
        line = _BULLET.sub(r"\1• ", line)
        out.append(_inline(line))
    if in_code:
        out.append("```")
    return "\n".join(out)


def _inline(line: str) -> str:
    """Convert emphasis and links outside `code` spans."""
    parts = _INLINE_CODE.split(line)
    return "".join(escape(p) if i % 2 else _prose(p) for i, p in enumerate(parts))


def _prose(text: str) -> str:
    """Emphasis and links in text outside code spans (links kept aside while escaping)."""
    links: list[str] = []

    def _keep(m: re.Match[str]) -> str:
        links.append(f"<{escape(m.group(2))}|{escape(m.group(1))}>")
        return f"\x00{len(links) - 1}\x00"

    text = escape(_LINK.sub(_keep, text))
    text = _BOLD.sub("\x01\\1\x01", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = text.replace("\x01", "*")
    return re.sub("\x00(\\d+)\x00", lambda m: links[int(m.group(1))], text)


def split_text(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Split mrkdwn into chunks of at most `limit` characters at paragraph or line breaks,
    closing and reopening a ``` block cut in two so each chunk renders on its own."""
    chunks: list[str] = []
    current = ""
    in_code = False
    for line in text.split("\n"):
        fence = line.strip() == "```"
        while True:
            closing = "\n```" if in_code else ""
            base = "```" if in_code else ""
            # Room to close the block this line opens (or leaves open), should a cut follow.
            room_after = 4 if in_code != fence else 0
            candidate = f"{current}\n{line}" if current else line
            if len(candidate) + room_after <= limit:
                current = candidate
                break
            if current and current != base:
                chunks.append(current + closing)
                current = base
                continue
            # A single line longer than a chunk: hard-cut it.
            prefix = f"{current}\n" if current else ""
            room = limit - len(prefix) - len(closing) - 1
            chunks.append(prefix + line[:room] + "…" + closing)
            line = line[room:]
            current = base
            if not line:
                break
        if fence:
            in_code = not in_code
    if current.strip() and current != "```":
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def plain(text: str, limit: int) -> str:
    """Markdown as plain text of at most `limit` characters (for headers and button labels)."""
    flat = " ".join(markdown_to_plain(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- blocks -----------------------------------------------------------------------------------


def section(text: str) -> dict[str, Any]:
    """A mrkdwn section block (text already within the limit)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": _trim(text, MAX_SECTION)}}


def context(*texts: str) -> dict[str, Any]:
    """A context block: small grey mrkdwn lines."""
    elements = [
        {"type": "mrkdwn", "text": _trim(t, MAX_CONTEXT_TEXT)}
        for t in texts[:MAX_CONTEXT_ELEMENTS]
        if t
    ]
    return {"type": "context", "elements": elements}


def header(text: str) -> dict[str, Any]:
    """A header block (plain text, at most 150 characters)."""
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, MAX_HEADER)}}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A button element."""
    out: dict[str, Any] = {
        "type": "button",
        # Slack refuses an empty label.
        "text": {"type": "plain_text", "text": plain(label, MAX_BUTTON) or "…", "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        out["style"] = style
    return out


def choice_value(turn_id: str | None, number: int, title: str) -> str:
    """A "did you mean" button's value: the turn it answers, its number and its title."""
    return json.dumps({"turn": turn_id, "n": number, "title": title}, separators=(",", ":"))


def parse_choice_value(value: str) -> tuple[str | None, int, str]:
    """(turn id, number, title) from a choice button's value; number 0 when malformed."""
    try:
        data = json.loads(value)
        return data.get("turn"), int(data.get("n", 0)), str(data.get("title") or "")
    except (ValueError, TypeError, AttributeError):
        return None, 0, ""


def render(reply: Reply, *, feedback: bool = False, share: bool = False) -> SlackMessage:
    """A Reply as Block Kit: warning, heading, answer, evidence, FAQ link, choices, the
    Solved / Not helpful buttons when `feedback` (the front desk decides which replies), and
    "Share in channel" on a private answer when `share`."""
    faq = reply.link
    top: list[dict[str, Any]] = []
    secret = reply.secret_finding()
    if secret is not None:
        # First, so it is seen even when the rest of the answer is long.
        top.append(section(f":rotating_light: {to_mrkdwn(secret.summary)} *Rotate it now.*"))
    heading = plain(reply.heading or "", MAX_HEADER)
    if heading and (secret is None or reply.heading != secret.summary):
        top.append(header(heading))

    body = [section(chunk) for chunk in split_text(to_mrkdwn(reply.body))]

    tail: list[dict[str, Any]] = []
    evidence = _evidence(reply)
    if evidence:
        tail.append(context(*evidence))
    links = []
    if faq is not None:
        links.append(f":book: From the FAQ: <{escape(faq.url)}|{escape(faq.title)}>")
    if reply.note and reply.note.strip():
        links.append(f"_{to_mrkdwn(reply.note.strip())}_")
    if links:
        tail.append(context(*links))
    if reply.choices:
        tail.append(
            {
                "type": "actions",
                "block_id": CHOICES_BLOCK,
                "elements": [
                    button(
                        c.title,
                        f"{ACTION_CHOICE_PREFIX}{n}",
                        choice_value(reply.turn_id, n, c.title),
                    )
                    for n, c in enumerate(reply.choices[:MAX_CHOICES], start=1)
                ],
            }
        )
    if feedback and reply.turn_id:
        tail.append(feedback_actions(reply.turn_id, solved=solvable(reply)))
    if share and reply.turn_id:
        tail.append(
            {
                "type": "actions",
                "block_id": SHARE_BLOCK,
                "elements": [
                    button(":mega: Share in channel", ACTION_SHARE, reply.turn_id, "primary")
                ],
            }
        )

    room = MAX_BLOCKS - len(top) - len(tail)
    if len(body) > room:
        # Keep the start of the answer and say where the rest is.
        more = f"<{faq.url}|the FAQ>" if faq is not None else "the FAQ"
        cut = context(f"_The answer is longer than Slack allows; see {more}._")
        body = [*body[: room - 1], cut]
    # The fallback text is what notifications show, and Slack reads markup in it too: a
    # pasted "<!here>" must not ping a channel.
    text = _trim(escape(markdown_to_plain(to_markdown(reply))), MAX_FALLBACK) or "…"
    if secret is not None:
        text = _trim(f"⚠ {escape(secret.summary)} {text}", MAX_FALLBACK)
    return SlackMessage(text=text, blocks=(*top, *body, *tail))


def feedback_actions(turn_id: str, *, solved: bool = True) -> dict[str, Any]:
    """The Solved (when `solved`) and Not helpful buttons; their value is the turn they judge."""
    elements = [button("Not helpful", ACTION_NOT_HELPFUL, turn_id)]
    if solved:
        elements.insert(0, button(":white_check_mark: Solved", ACTION_SOLVED, turn_id, "primary"))
    return {"type": "actions", "block_id": FEEDBACK_BLOCK, "elements": elements}


def _evidence(reply: Reply) -> list[str]:
    """One context line per problem finding: icon, summary and its first evidence lines."""
    lines = []
    for finding in reply.findings:
        if finding.code == SECRET_EXPOSED and finding.severity == "info":
            continue
        icon = _SEVERITY_ICON.get(finding.severity, "•")
        shown = "; ".join(f"`{escape(e)}`" for e in finding.evidence[:3])
        lines.append(f"{icon} {to_mrkdwn(finding.summary)}" + (f" {shown}" if shown else ""))
    return lines[:MAX_CONTEXT_ELEMENTS]


def render_markdown(markdown: str) -> SlackMessage:
    """A short bot message (notes, admin output) as sections."""
    chunks = split_text(to_mrkdwn(markdown))[:MAX_BLOCKS]
    return SlackMessage(
        text=_trim(escape(markdown_to_plain(markdown)), MAX_FALLBACK) or "…",
        blocks=tuple(section(c) for c in chunks),
    )


def render_escalation(
    esc: Escalation, *, user: str, link: str | None, group: str | None, key: str = ""
) -> SlackMessage:
    """The hand-over summary for the support channel, mentioning the support group; with the
    conversation's `key`, Claim and Resolve buttons."""
    md = escalation_markdown(esc, who="\x02who\x02", link="\x02link\x02" if link else None)
    mrkdwn = to_mrkdwn(md).replace("\x02who\x02", f"<@{user}>")
    if link:
        mrkdwn = mrkdwn.replace("\x02link\x02", f"<{link}|open the thread>")
    if group:
        mrkdwn = f"<!subteam^{group}> {mrkdwn}"
    chunks = split_text(mrkdwn)[: MAX_BLOCKS - 1]
    fallback = f"Support needed for <@{user}>" + (f": {link}" if link else "")
    blocks = [section(c) for c in chunks]
    if key:
        blocks.append(handover_actions(key, claimable=True))
    return SlackMessage(text=fallback, blocks=tuple(blocks))


def topic_menu(choices: Iterable[tuple[str, str]]) -> SlackMessage:
    """A menu of FAQ topics, (id, title) each: picking one shows its answer."""
    options = [
        {
            "text": {"type": "plain_text", "text": plain(title, MAX_OPTION_TEXT) or "…"},
            "value": topic,
        }
        for topic, title in list(choices)[:MAX_OPTIONS]
    ]
    intro = section("Pick a topic to see its FAQ answer (only you will see it):")
    if not options:
        return SlackMessage(
            text="No topics are loaded.", blocks=(section("No topics are loaded."),)
        )
    menu = {
        "type": "actions",
        "elements": [
            {
                "type": "static_select",
                "action_id": ACTION_TOPIC,
                "placeholder": {"type": "plain_text", "text": "Choose a topic"},
                "options": options,
            }
        ],
    }
    return SlackMessage(text="Pick a FAQ topic", blocks=(intro, menu))


def handover_actions(key: str, *, claimable: bool) -> dict[str, Any]:
    """The hand-over post's buttons; their value is the conversation."""
    elements = [button(":white_check_mark: Resolve", ACTION_RESOLVE, key)]
    if claimable:
        elements.insert(0, button(":raised_hand: Claim", ACTION_CLAIM, key, "primary"))
    return {"type": "actions", "block_id": HANDOVER_BLOCK, "elements": elements}


def claimed_blocks(
    blocks: Iterable[Mapping[str, Any]], key: str, step: str, user: str, at: datetime
) -> list[dict[str, Any]]:
    """A hand-over post after Claim or Resolve: who and when, and Resolve while it is open."""
    out = [dict(b) for b in blocks if b.get("block_id") != HANDOVER_BLOCK]
    out = [b for b in out if not str(b.get("block_id") or "").startswith("zt_claimed")]
    epoch = int(at.timestamp())
    when = f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{at:%Y-%m-%d %H:%M} UTC>"
    icon = ":white_check_mark: Resolved" if step == "resolved" else ":raised_hand: Claimed"
    note = context(f"{icon} by <@{user}> {when}")
    note["block_id"] = "zt_claimed"
    out.append(note)
    if step != "resolved":
        out.append(handover_actions(key, claimable=False))
    return out[-MAX_BLOCKS:]


def resolved_blocks(blocks: Iterable[Mapping[str, Any]], note: str) -> list[dict[str, Any]]:
    """A posted reply's blocks with its buttons replaced by `note` (after Solved/escalation)."""
    out = [dict(b) for b in blocks if b.get("type") != "actions"]
    out.append(context(note))
    return out[:MAX_BLOCKS]
