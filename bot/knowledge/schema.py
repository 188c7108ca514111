"""Pydantic schema of the knowledge YAML files that admins edit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.base.oses import OsName

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
    # Questions that use this topic's words but ask something its answer does not cover
    # ("how do I change the port"): the bot must not answer them with this topic.
    near_misses: tuple[Text, ...] = ()


class OutOfScopeSpec(_Strict):
    """A subject users ask about that the FAQ does not answer: recognised so the bot abstains."""

    id: Slug
    title: Text
    questions: tuple[Text, ...] = Field(min_length=1)
    keywords: tuple[Text, ...] = Field(min_length=1)


class FindingSpec(_Strict):
    """The words for one diagnosis finding code; `{name}` placeholders take the rule's values."""

    code: Slug
    severity: Literal["info", "warning", "error"]
    summary: Text
    explanation: Text
    topics: tuple[Slug, ...] = ()


CliCommand = Literal["info", "peers", "listnetworks", "listmoons", "ping"]


class AskForSpec(_Strict):
    """When a question implies that a command's output would settle it, ask for that output."""

    commands: tuple[CliCommand, ...] = Field(min_length=1)
    topics: tuple[Slug, ...] = ()
    when: tuple[Text, ...] = ()


class KnowledgeFileSpec(_Strict):
    """The top level of one knowledge YAML file."""

    topics: tuple[TopicSpec, ...] = ()
    out_of_scope: tuple[OutOfScopeSpec, ...] = ()
    findings: tuple[FindingSpec, ...] = ()
    ask_for: tuple[AskForSpec, ...] = ()
