"""The knowledge base: schema, loading with file:line errors, and the loaded model."""

from __future__ import annotations

from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import KnowledgeBase, Section, Topic

__all__ = ["KnowledgeBase", "Section", "Topic", "load_knowledge"]
