"""Pydantic schema of the knowledge YAML files that admins edit."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.platforms import OsName

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionSpec(_Strict):
    """A part of a topic that applies to one OS or one sub-case."""

    id: Slug
    title: Text
    answer: Text
    os: tuple[OsName, ...] = ()
    match: tuple[Text, ...] = ()


class TopicSpec(_Strict):
    """One FAQ entry: what it answers, how users ask about it, and its per-OS sections."""

    id: Slug
    title: Text
    answer: Text
    questions: tuple[Text, ...] = Field(min_length=1)
    keywords: tuple[Text, ...] = Field(min_length=1)
    sections: tuple[SectionSpec, ...] = ()
    see_also: tuple[Slug, ...] = ()


class OutOfScopeSpec(_Strict):
    """A subject users ask about that the FAQ does not answer: recognised so the bot abstains."""

    id: Slug
    title: Text
    questions: tuple[Text, ...] = Field(min_length=1)
    keywords: tuple[Text, ...] = Field(min_length=1)


class KnowledgeFileSpec(_Strict):
    """The top level of one knowledge YAML file."""

    topics: tuple[TopicSpec, ...] = ()
    out_of_scope: tuple[OutOfScopeSpec, ...] = ()
