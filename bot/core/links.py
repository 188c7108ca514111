"""Links into the published FAQ, the same on every platform."""

from __future__ import annotations

import re
from typing import Final

from bot.core.models import FaqLink
from bot.knowledge.model import KnowledgeBase

_SLUG_DROP: Final = re.compile(r"[^\w\s-]")


def slug(title: str) -> str:
    """A heading's anchor as documentation sites build it: 'High Latency & Relaying' ->
    'high-latency--relaying'."""
    return _SLUG_DROP.sub("", title.strip().lower()).replace(" ", "-")


def faq_link(
    kb: KnowledgeBase, topic_id: str | None, section_id: str | None, base_url: str | None
) -> FaqLink | None:
    """The published FAQ heading for a topic (and section), or None without a base URL."""
    if not base_url or topic_id is None or topic_id not in kb.by_id:
        return None
    topic = kb.by_id[topic_id]
    part = topic.section(section_id)
    title = topic.title if part is None else f"{topic.title} › {part.title}"
    anchor = slug(topic.title if part is None else part.title)
    return FaqLink(title=title, url=f"{base_url.split('#')[0]}#{anchor}")
