"""Errors raised by ztbot.

ZtbotError
 ├── KnowledgeError      the knowledge YAML is unreadable or invalid (carries file:line messages)
 └── ConfigError         a setting is missing or wrong

What a chat user should be told (a rate limit, a button that is not theirs) is not an error:
the front desk returns it as a private note in its `Outcome`.
"""

from __future__ import annotations


class ZtbotError(Exception):
    """Base class for every error ztbot raises on purpose."""


class KnowledgeError(ZtbotError):
    """The knowledge base could not be loaded; `problems` holds one `file:line: ...` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if len(problems) == 1 else "\n".join(problems))


class ConfigError(ZtbotError):
    """A setting is missing or has a wrong value."""
