"""Hand-over to people: what a conversation asked, found and showed, kept for an escalation."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from bot.base.secrets import mask_secrets
from bot.core.models import Context, Escalation, Incoming, Reply
from bot.knowledge.model import KnowledgeBase

_KEEP_ASKED: Final = 4
_KEEP_FOUND: Final = 8
_ASKED_CHARS: Final = 300
_WINDOW: Final = 4000  # characters of a message looked at (pastes can be a megabyte)
_FENCE: Final = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_QUESTION_KINDS: Final = frozenset({"answer", "diagnosis", "clarify", "abstain"})


def to_asked(text: str, reply: Reply) -> str:
    """The user's message as a summary line: secrets masked, pasted output named, not quoted."""
    # Only the start can end up in the line; the window is wide enough that a secret reaching
    # into the first _ASKED_CHARS lies wholly inside it and is masked whole.
    text = text[:_WINDOW]
    words = " ".join(_FENCE.sub(" ", text).split()) if reply.outputs else " ".join(text.split())
    if reply.outputs:
        commands = ", ".join(dict.fromkeys(o.command for o in reply.outputs))
        words = words if len(words) <= 120 else ""  # a paste outside code fences: name it only
        words = f"{words} [pasted output: {commands}]".strip()
    words = mask_secrets(words)
    return words if len(words) <= _ASKED_CHARS else words[: _ASKED_CHARS - 1] + "…"


def with_case(ctx: Context, text: str, reply: Reply) -> Context:
    """`ctx` with this turn's question, problem findings and shown section added."""
    asked = ctx.asked
    if reply.kind in _QUESTION_KINDS and text.strip():
        # The first problem stated stays: it is what the person taking over must read first.
        both = (*ctx.asked, to_asked(text, reply))
        asked = both if len(both) <= _KEEP_ASKED else (both[0], *both[-(_KEEP_ASKED - 1) :])
    found = ctx.found
    for finding in reply.findings:
        if finding.severity != "info":
            line = mask_secrets(f"{finding.code}: {finding.summary}")
            found = (*(f for f in found if f != line), line)[-_KEEP_FOUND:]
    sections = ctx.sections
    if reply.topic is not None and reply.kind in {"answer", "diagnosis"}:
        shown = reply.topic if reply.section is None else f"{reply.topic}/{reply.section}"
        if shown not in sections:
            sections = (*sections, shown)
    return replace(reply.context, asked=asked, found=found, sections=sections)


def to_escalation(kb: KnowledgeBase, ctx: Context, incoming: Incoming) -> Escalation:
    """The summary a person needs to start where the bot stopped."""
    return Escalation(
        asked=ctx.asked,
        found=ctx.found,
        shown=tuple(_title(kb, s) for s in ctx.sections),
        platform=incoming.platform,
        user=incoming.user,
        conversation=incoming.conversation or "",
    )


def quoted(text: str) -> str:
    """The user's words as inert Markdown: a code span, so no link, mention or emphasis in them
    comes alive when the summary is posted (and nothing can pass for the summary's own link)."""
    flat = " ".join(text.replace("`", "'").split())
    return f"`{flat}`" if flat else ""


def escalation_markdown(esc: Escalation, *, who: str, link: str | None = None) -> str:
    """The hand-over message (Markdown); `who` is the platform's mention of the user."""
    lines = [f"**Support needed** for {who}" + (f": {link}" if link else "")]
    lines += ["", "**They asked**"]
    lines += [f"• {quoted(a)}" for a in esc.asked] or ["• (nothing recorded)"]
    if esc.found:
        lines += ["", "**Diagnosis found**"]
        lines += [f"• {quoted(f)}" for f in esc.found]
    lines += ["", "**FAQ sections already shown**"]
    lines += [f"• {s}" for s in esc.shown] or ["• none"]
    return "\n".join(lines)


def _title(kb: KnowledgeBase, shown: str) -> str:
    topic_id, _, section_id = shown.partition("/")
    topic = kb.by_id.get(topic_id)
    if topic is None:
        return shown
    section = topic.section(section_id) if section_id else None
    return topic.title if section is None else f"{topic.title} › {section.title}"
