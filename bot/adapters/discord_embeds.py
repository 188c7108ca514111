"""A `Reply` as Discord messages: embeds within Discord's limits, plus the buttons to show.

Pure: returns the REST JSON of the embeds and plain `Button` specs; the client turns the specs
into `discord.ui` items. Discord's Markdown is CommonMark-like (bold, code, fences, lists, masked
links), so reply bodies pass through; only the sizes need care.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from bot.core.models import Escalation, Reply
from bot.runtime.frontdesk import solvable

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_MAX: Final = 256
DESCRIPTION_MAX: Final = 4096
FIELDS_MAX: Final = 25
FIELD_NAME_MAX: Final = 256
FIELD_VALUE_MAX: Final = 1024
FOOTER_MAX: Final = 2048
FOOTER_BUDGET: Final = 1024  # our footers are short notes; this keeps title + 4096 + footer < 6000
EMBED_TOTAL_MAX: Final = 6000  # all embeds of one message together
EMBEDS_PER_MESSAGE: Final = 10
CONTENT_MAX: Final = 2000
CUSTOM_ID_MAX: Final = 100  # a component custom_id
LABEL_MAX: Final = 80  # button label
BUTTONS_PER_ROW: Final = 5

COLOURS: Final = {
    "answer": 0x5865F2,
    "diagnosis": 0xFEE75C,
    "clarify": 0x99AAB5,
    "abstain": 0x99AAB5,
    "smalltalk": 0x57F287,
    "help": 0x57F287,
    "escalate": 0xE67E22,
}
ERROR_COLOUR: Final = 0xED4245
_ICON: Final = {"error": "🔴", "warning": "🟡", "info": "🔵"}
_FENCE_LINE: Final = re.compile(r"^\s*```")
_MORE: Final = "…"
_FENCE_ROOM: Final = 40  # room kept in a piece to reopen and close a cut code fence

# Custom ids of the persistent buttons; the client parses them back with these templates.
SOLVED_TEMPLATE: Final = r"ztbot:solved:(?P<turn>[0-9a-f]{1,64})"
UNHELPFUL_TEMPLATE: Final = r"ztbot:unhelpful:(?P<turn>[0-9a-f]{1,64})"
PICK_TEMPLATE: Final = r"ztbot:pick:(?P<turn>[0-9a-f]{1,64}):(?P<n>[0-9]{1,2})"
SHARE_TEMPLATE: Final = r"ztbot:share:(?P<turn>[0-9a-f]{1,64})"
HANDOVER_TEMPLATE: Final = r"ztbot:(?P<step>claim|resolve):(?P<key>[\w:.@-]{1,80})"
_CLAIM_LINE: Final = re.compile(r"\n(?:✋ Claimed|✅ Resolved) by <@\d+> <t:\d+:f>$")

ButtonStyle = Literal["primary", "secondary", "success", "danger"]


@dataclass(frozen=True, slots=True)
class Button:
    """A button to attach to a message; `custom_id` carries the turn (and choice) it acts on."""

    custom_id: str
    label: str
    style: ButtonStyle = "secondary"
    emoji: str | None = None
    row: int = 0


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Discord message: optional text content, embeds (REST JSON) and buttons."""

    content: str | None = None
    embeds: tuple[dict[str, Any], ...] = ()
    buttons: tuple[Button, ...] = ()


def solved_id(turn_id: str) -> str:
    """Custom id of the "Solved" button for a turn."""
    return f"ztbot:solved:{turn_id}"


def unhelpful_id(turn_id: str) -> str:
    """Custom id of the "Not helpful" button for a turn."""
    return f"ztbot:unhelpful:{turn_id}"


def pick_id(turn_id: str, n: int) -> str:
    """Custom id of the button picking choice `n` (1-based) offered in a turn."""
    return f"ztbot:pick:{turn_id}:{n}"


def share_id(turn_id: str) -> str:
    """Custom id of the "Share in channel" button under a private answer."""
    return f"ztbot:share:{turn_id}"


def is_secret_leak(reply: Reply) -> bool:
    """True when the user's message contained a secret (the diagnosis flags it)."""
    return reply.secret_finding() is not None


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - len(_MORE)].rstrip() + _MORE


def split_text(text: str, limit: int = CONTENT_MAX) -> list[str]:
    """Split Markdown into pieces of at most `limit` characters.

    Breaks at line boundaries; a code fence cut in two is closed at the end of one piece and
    opened again at the start of the next, so every piece renders. Lines longer than a piece
    are hard-wrapped.
    """
    if len(text) <= limit:
        return [text]
    width = max(1, limit - _FENCE_ROOM)
    lines = [part for line in text.split("\n") for part in _wrap(line, width)]
    pieces: list[str] = []
    current: list[str] = []
    fence: str | None = None  # the opening line of the fence we are inside, if any
    for line in lines:
        if current and len("\n".join([*current, line])) + 4 > limit:
            pieces.append("\n".join(current) + ("\n```" if fence is not None else ""))
            current = [fence] if fence is not None else []
        current.append(line)
        if _FENCE_LINE.match(line):
            fence = None if fence is not None else line.strip()[: _FENCE_ROOM // 2]
    if any(part.strip() for part in current):
        pieces.append("\n".join(current))
    return [p for p in pieces if p.strip()] or [""]


def _wrap(line: str, width: int) -> list[str]:
    return [line[i : i + width] for i in range(0, len(line), width)] or [""]


def embed_size(embed: dict[str, Any]) -> int:
    """Characters that count towards Discord's 6,000 per message."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    total += len(embed.get("author", {}).get("name", ""))
    for f in embed.get("fields", ()):
        total += len(f["name"]) + len(f["value"])
    return total


def render(reply: Reply, *, feedback: bool = False, share: bool = False) -> list[Outgoing]:
    """The reply as one or more messages; the buttons go on the last one (Solved / Not helpful
    only when `feedback`: the front desk decides which replies can be judged; "Share in
    channel" when `share`, on a private answer)."""
    colour = COLOURS.get(reply.kind, COLOURS["answer"])
    if any(f.severity == "error" for f in reply.findings):
        colour = ERROR_COLOUR
    chunks = split_text(reply.body or "…", DESCRIPTION_MAX)
    embeds: list[dict[str, Any]] = []
    for i, chunk in enumerate(chunks):
        embed: dict[str, Any] = {"type": "rich", "description": chunk, "color": colour}
        if i == 0 and reply.heading:
            embed["title"] = clip(reply.heading, TITLE_MAX)
            if reply.link is not None:
                embed["url"] = reply.link.url  # the title opens the FAQ section
        embeds.append(embed)
    footer = _footer(reply)
    fields = _finding_fields(reply)
    if fields:
        room = EMBED_TOTAL_MAX - embed_size(embeds[-1]) - len(footer or "")
        if sum(len(f["name"]) + len(f["value"]) for f in fields) > room:
            # Too much for the answer's last embed: the findings get an embed of their own.
            embeds.append({"type": "rich", "description": "**Also found**", "color": colour})
        embeds[-1]["fields"] = fields
    if footer:
        embeds[-1]["footer"] = {"text": clip(footer, FOOTER_BUDGET)}
    messages = [Outgoing(embeds=tuple(group)) for group in _pack(embeds)]
    buttons = tuple(buttons_for(reply, feedback=feedback, share=share))
    last = messages[-1]
    messages[-1] = Outgoing(content=last.content, embeds=last.embeds, buttons=buttons)
    return messages


def buttons_for(reply: Reply, *, feedback: bool = True, share: bool = False) -> list[Button]:
    """ "Did you mean" picks, then Solved / Not helpful when `feedback`, then "Share in
    channel" when `share`."""
    if reply.turn_id is None:
        return []
    out: list[Button] = []
    for n, choice in enumerate(reply.choices[: BUTTONS_PER_ROW * 3], start=1):
        out.append(
            Button(
                pick_id(reply.turn_id, n),
                clip(f"{n}. {choice.title}", LABEL_MAX),
                "primary",
                row=(n - 1) // BUTTONS_PER_ROW,
            )
        )
    row = (len(out) + BUTTONS_PER_ROW - 1) // BUTTONS_PER_ROW
    if feedback and solvable(reply):
        out.append(Button(solved_id(reply.turn_id), "Solved", "success", "✅", row))
    if feedback and (solvable(reply) or reply.choices or reply.kind == "abstain"):
        label = "None of these" if reply.choices else "Not helpful"
        out.append(Button(unhelpful_id(reply.turn_id), label, "secondary", "👎", row))
    if share:
        out.append(Button(share_id(reply.turn_id), "Share in channel", "primary", "📣", row))
    return out


def _finding_fields(reply: Reply) -> list[dict[str, Any]]:
    """One field per further finding: severity, summary and the evidence lines from the paste."""
    fields: list[dict[str, Any]] = []
    for finding in reply.findings[:FIELDS_MAX]:
        if finding.summary == reply.heading:
            continue  # the embed's title already says it, and the body shows its evidence
        evidence = "\n".join(f"`{clip(e, FIELD_VALUE_MAX - 8)}`" for e in finding.evidence)
        value = evidence or clip(finding.explanation.strip() or "—", FIELD_VALUE_MAX)
        name = f"{_ICON.get(finding.severity, '•')} {finding.summary}"
        fields.append(
            {
                "name": clip(name, FIELD_NAME_MAX),
                "value": _clip_lines(value, FIELD_VALUE_MAX),
                "inline": False,
            }
        )
    return fields


def _clip_lines(text: str, limit: int) -> str:
    """Whole lines of `text` up to `limit` characters, with a count of what was left out."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        more = f"… and {len(lines) - i} more"
        if len("\n".join([*kept, line])) + len(more) + 1 > limit:
            return "\n".join([*kept, more]) if kept else clip(line, limit)
        kept.append(line)
    return "\n".join(kept)


def _footer(reply: Reply) -> str | None:
    parts = []
    if reply.note:
        parts.append(reply.note)
    if reply.link is not None and not reply.heading:
        parts.append(f"From the FAQ: {reply.link.title} ({reply.link.url})")
    elif reply.topic is not None and solvable(reply):
        parts.append(f"FAQ: {reply.topic}" + (f" › {reply.section}" if reply.section else ""))
    return "\n".join(parts) or None


def _pack(embeds: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group embeds into messages of at most 10 embeds and 6,000 characters each."""
    groups: list[list[dict[str, Any]]] = [[]]
    total = 0
    for embed in embeds:
        _shrink(embed)
        size = embed_size(embed)
        if groups[-1] and (total + size > EMBED_TOTAL_MAX or len(groups[-1]) >= EMBEDS_PER_MESSAGE):
            groups.append([])
            total = 0
        groups[-1].append(embed)
        total += size
    return groups


def _shrink(embed: dict[str, Any]) -> None:
    """Make one embed fit 6,000 characters: drop the last fields, then cut the description."""
    while embed.get("fields") and embed_size(embed) > EMBED_TOTAL_MAX:
        embed["fields"].pop()
    over = embed_size(embed) - EMBED_TOTAL_MAX
    if over > 0:
        embed["description"] = clip(embed["description"], len(embed["description"]) - over)


def text_messages(markdown: str) -> list[str]:
    """Markdown text as message contents of at most 2,000 characters each."""
    return split_text(markdown, CONTENT_MAX)


def escalation_text(esc: Escalation, markdown: str, role_id: str | None) -> list[str]:
    """The hand-over post: the role mention first, then the summary, split to fit."""
    del esc  # the summary is already in `markdown`; kept for symmetry with other renderers
    head = f"<@&{role_id}> " if role_id else ""
    return text_messages(head + markdown)


def handover_buttons(key: str, *, claimable: bool = True) -> list[Button]:
    """Claim and Resolve under a hand-over post (only Resolve once claimed); none when the
    conversation key is too long for a custom id."""
    if len(f"ztbot:resolve:{key}") > CUSTOM_ID_MAX:
        return []
    out = [Button(f"ztbot:resolve:{key}", "Resolve", "success", "✅")]
    if claimable:
        out.insert(0, Button(f"ztbot:claim:{key}", "Claim", "primary", "✋"))
    return out


def claimed_content(content: str, step: str, user_id: str, at: datetime) -> str:
    """A hand-over post's text with one line saying who claimed or resolved it, and when."""
    icon = "✅ Resolved" if step == "resolved" else "✋ Claimed"
    line = f"\n{icon} by <@{user_id}> <t:{int(at.timestamp())}:f>"
    base = _CLAIM_LINE.sub("", content)
    return clip(base, CONTENT_MAX - len(line)) + line


def secret_warning(user_id: str, deleted: bool) -> str:
    """What the user is told when their message contained a secret."""
    done = (
        "I removed your message because it contained a secret"
        if deleted
        else "Your message contains a secret and I can't remove it here; please delete it"
    )
    return (
        f"<@{user_id}> ⚠️ {done}. Treat it as leaked: rotate it now (for `authtoken.secret`, "
        "delete the file and restart ZeroTier; for `identity.secret`, generate a new identity; "
        "for an API token, revoke it and create a new one)."
    )
