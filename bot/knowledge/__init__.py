"""The knowledge base: schema, loading with file:line errors, and the loaded model.

`load_knowledge` loads on first use (PEP 562): the model alone does not import YAML or
pydantic, so a command that finds the knowledge in its cache starts faster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.knowledge.model import KnowledgeBase, Section, Topic

if TYPE_CHECKING:
    from bot.knowledge.loader import load_knowledge

__all__ = ["KnowledgeBase", "Section", "Topic", "load_knowledge"]


def __getattr__(name: str) -> Any:
    if name != "load_knowledge":
        raise AttributeError(f"module 'bot.knowledge' has no attribute {name!r}")
    from bot.knowledge.loader import load_knowledge  # noqa: PLC0415

    globals()[name] = load_knowledge
    return load_knowledge
