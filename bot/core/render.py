"""Platform-neutral renderings of a Reply: Markdown, plain text and the JSON contract."""

from __future__ import annotations

import re
from typing import Any, Final

from bot.core.models import Reply

_FENCE: Final = re.compile(r"^```[\w-]*\s*$")
_BOLD: Final = re.compile(r"\*\*(.+?)\*\*")
_ITALIC: Final = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
_LINK: Final = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def to_markdown(reply: Reply) -> str:
    """The whole reply as chat Markdown: heading, body, then the closing note."""
    parts = []
    if reply.heading:
        parts.append(f"**{reply.heading}**")
    parts.append(reply.body)
    if reply.note:
        parts.append(f"_{reply.note}_")
    return "\n\n".join(parts)


def to_plain(reply: Reply) -> str:
    """The reply as plain text: Markdown markers removed, code indented, links spelled out."""
    return markdown_to_plain(to_markdown(reply))


def markdown_to_plain(markdown: str) -> str:
    """Strip the Markdown we emit down to readable plain text."""
    out: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        # Each pattern runs only on lines that hold its marker (most lines hold none).
        if "```" in line and _FENCE.match(line.strip()):
            in_code = not in_code
            continue
        if in_code:
            out.append("    " + line)
            continue
        if "](" in line:
            line = _LINK.sub(r"\1 (\2)", line)
        if "**" in line:
            line = _BOLD.sub(r"\1", line)
        if "*" in line or "_" in line:
            line = _ITALIC.sub(r"\1", line)
        out.append(line.replace("`", ""))
    return "\n".join(out).strip()


def to_diagnose_json(reply: Reply) -> dict[str, Any]:
    """The `ztbot diagnose --json` object (see the CLI contract in the README)."""
    return {
        "outputs": [o.to_dict() for o in reply.outputs],
        "findings": [f.to_dict() for f in reply.findings],
        "text": to_plain(reply),
        "topic": reply.topic,
        "section": reply.section,
    }


def to_json(reply: Reply, *, knowledge_version: str | None = None) -> dict[str, Any]:
    """The `ztbot ask --json` object (see the CLI contract in the README)."""
    return {
        "topic": reply.topic,
        "section": reply.section,
        "confidence": round(reply.confidence, 4),
        "candidates": [
            {"topic": c.topic, "section": c.section, "score": round(c.score, 4)}
            for c in reply.candidates
        ],
        "findings": [f.to_dict() for f in reply.findings],
        "text": to_plain(reply),
        "kind": reply.kind,
        "heading": reply.heading,
        "choices": [{"topic": c.topic, "title": c.title} for c in reply.choices],
        "uncovered": reply.uncovered,
        "knowledge_version": knowledge_version,
    }
