"""Pure helpers that compose reply text: diagnoses, FAQ steps and requests for command output."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from bot.base.oses import OsName
from bot.base.text import phrase_words, words
from bot.core.matching import phrase_in
from bot.diagnosis.findings import Diagnosis, Finding
from bot.diagnosis.normalize import normalize_text
from bot.diagnosis.words import prose_lines
from bot.knowledge.model import KnowledgeBase, Section, Topic

_MAX_EVIDENCE: Final = 4  # evidence lines shown per finding; the JSON keeps them all
_ICON: Final = {"error": "✖", "warning": "⚠", "info": "ℹ"}
# 'See "Router Configuration Tips" above': a pointer into the rest of the FAQ page.
_SEE_ABOVE: Final = re.compile(
    r"""(\b[Ss]ee (?:"[^"\n]+"|'[^'\n]+'|“[^”\n]+”))\s+(?:above|below)\b"""
)
# Section titles that name two systems at once ("macOS and Windows", "iOS and Android").
_PAIR: Final = re.compile(r"\s+and\s+")
_RANK: Final = {"error": 0, "warning": 1, "info": 2}


def question_part(text: str, diagnosis: Diagnosis) -> str:
    """The prose of a message: its lines minus the command output and typed command lines,
    keeping the words around inline output on the same line."""
    return "\n".join(prose_lines(normalize_text(text), diagnosis.outputs))


def faq_steps(topic: Topic, section: Section | None) -> str:
    """The topic's Markdown, with one section's steps, or the list of sections to pick from."""
    answer = standalone(topic.answer)
    if section is None and topic.sections:
        listing = "\n".join(f"• {s.title}" for s in topic.sections)
        return f"{answer}\n\nThe steps depend on your system:\n{listing}"
    if section is None:
        return answer
    return f"{answer}\n\n**{section.title}**\n\n{standalone(section.answer)}"


def standalone(markdown: str) -> str:
    """FAQ text shown on its own: 'See "X" above' points at nothing, so it asks for X instead.

    The FAQ is one long page; a reply shows one part of it, so nothing is above or below.
    """
    return _SEE_ABOVE.sub(lambda m: f"{m.group(1)} (ask me about it)", markdown)


def join_names(items: Sequence[str], *, split_pairs: bool = False) -> str:
    """'a, b and c'; with `split_pairs`, a section named for two systems ('macOS and
    Windows') counts as two names, so the list never reads 'a and b and c'."""
    names = [part for item in items for part in (_PAIR.split(item) if split_pairs else [item])]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def sentence(text: str) -> str:
    """`text` ending as a sentence: a full stop unless it already ends with ? ! or ."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."


def diagnosis_body(diagnosis: Diagnosis, lead: Finding | None) -> str:
    """Problems with their evidence, then why the lead problem happens."""
    problems = diagnosis.problems
    if not problems:
        return healthy_body(diagnosis)
    parts = []
    if lead is not None:
        # The lead's summary is the reply's heading: here come its evidence and its cause.
        parts.append("\n".join(_evidence_lines(lead, indent="")))
        parts.append(lead.explanation.strip())
    others = [f for f in problems if f is not lead]
    if others:
        lines = ["Also found:" if lead is not None else "Found:"]
        for finding in others:
            lines.append(f"{_ICON.get(finding.severity, '•')} {finding.summary}")
            lines.extend(_evidence_lines(finding, indent="    "))
        parts.append("\n".join(lines))
    return "\n\n".join(p for p in parts if p)


def _evidence_lines(finding: Finding, indent: str) -> list[str]:
    shown = finding.evidence[:_MAX_EVIDENCE]
    lines = [f"{indent}`{e}`" for e in shown]
    if len(finding.evidence) > len(shown):
        lines.append(f"{indent}… and {len(finding.evidence) - len(shown)} more")
    return lines


def healthy_body(diagnosis: Diagnosis) -> str:
    """What a paste with nothing wrong says, plainly (and never over a value it could not read)."""
    commands = sorted({o.command for o in diagnosis.outputs})
    what = ", ".join(f"`{c}`" for c in commands) or "this output"
    unread = sum(len(o.warnings) for o in diagnosis.outputs)
    if unread:
        lines = [
            f"Nothing I could read in {what} looks wrong, but {unread} value(s) could not be "
            "read (masked, cut off or damaged), so this is not a clean bill of health."
        ]
    else:
        lines = [f"Nothing looks wrong in {what}."]
    for info in diagnosis.findings:
        lines.append(f"ℹ {info.summary}")
    return "\n".join(lines)


def warnings_note(diagnosis: Diagnosis) -> str | None:
    """A short note on values that could not be read (masked, cut off, damaged)."""
    count = sum(len(o.warnings) for o in diagnosis.outputs)
    if not count:
        return None
    return f"{count} value(s) in the paste could not be read (masked or cut off) and were skipped."


def commands_wanted(
    kb: KnowledgeBase, topic: str | None, text: str, pasted: Iterable[str] = ()
) -> tuple[str, ...]:
    """Commands whose output would settle this question, minus what was already pasted."""
    qwords = words(text)
    done = {c.removeprefix("json-") for c in pasted}
    wanted: list[str] = []
    for rule in kb.ask_for:
        hit = (topic is not None and topic in rule.topics) or any(
            phrase_in(phrase_words(w), qwords) for w in rule.when
        )
        if hit:
            wanted.extend(c for c in rule.commands if c not in done and c not in wanted)
    return tuple(wanted)


def ask_for_output(commands: Sequence[str], os_name: OsName | None) -> str | None:
    """One sentence asking for exactly these commands, written for the user's system."""
    if not commands:
        return None
    cli = [c for c in commands if c != "ping"]
    runs = " and ".join(f"`{_prefix(os_name)}zerotier-cli {c}`" for c in cli)
    if os_name == "windows":
        where = ' in PowerShell or Command Prompt opened with "Run as administrator"'
    elif os_name in ("macos", "linux"):
        where = " in a terminal"
    elif os_name in ("ios", "android"):
        where = " on a computer on the same network (the mobile apps have no CLI)"
    else:
        where = " (with `sudo` on Linux and macOS, or in an Administrator prompt on Windows)"
    ask = f"To pin this down, paste the output of {runs}{where}" if cli else ""
    if "ping" in commands:
        ping = "a `ping` of the other device's ZeroTier IP"
        ask = f"{ask}, and {ping}" if ask else f"To pin this down, paste {ping}"
    return ask + "."


def _prefix(os_name: OsName | None) -> str:
    return "sudo " if os_name in ("macos", "linux") else ""


def lead_finding(problems: Sequence[Finding], topic: str | None) -> Finding | None:
    """The problem to explain first: the most severe, even when it has no FAQ topic; among the
    most severe, the one the question is about."""
    if not problems:
        return None
    top = min(_RANK.get(f.severity, 1) for f in problems)
    worst = [f for f in problems if _RANK.get(f.severity, 1) == top]
    if topic is not None:
        for finding in worst:
            if topic in finding.topics:
                return finding
    return worst[0]


def reply_topic(problems: Sequence[Finding], lead: Finding | None, asked: str | None) -> str | None:
    """The FAQ topic whose steps follow the findings: the lead's (the question's when the lead
    lists it), else that of the most severe finding that has one; the question's when healthy."""
    if lead is None:
        return None if problems else asked
    if lead.topics:
        return asked if asked in lead.topics else lead.topics[0]
    return next((f.topics[0] for f in problems if f.topics), None)


def also_asked(asked: str | None, topic: str | None, problems: Sequence[Finding]) -> str | None:
    """The question's own topic when the findings lead elsewhere: answer both."""
    if asked is None or asked == topic or any(asked in f.topics for f in problems[:1]):
        return None
    return asked


def faq_block(topic: Topic, section: Section | None) -> str:
    """The "From the FAQ" part of a diagnosis reply."""
    where = topic.title if section is None else f"{topic.title} › {section.title}"
    return f"**From the FAQ: {where}**\n\n{faq_steps(topic, section)}"


def diagnosis_heading(diagnosis: Diagnosis, lead: Finding | None) -> str:
    """The reply's heading: the lead problem, or what the healthy paste says."""
    if lead is not None:
        return lead.summary
    if any(o.warnings for o in diagnosis.outputs):
        return "Diagnosis: nothing wrong in what could be read"
    return "Diagnosis: nothing looks wrong"


_SMALLTALK: Final[dict[str, str]] = {
    "thanks": "You're welcome! Ask me anything else about ZeroTier.",
    "greeting": (
        "Hi! Ask me a ZeroTier question, or paste the output of a `zerotier-cli` command and "
        "I'll look at it."
    ),
    "test": (
        "I'm here. Ask me a ZeroTier question in your own words, or paste the output of a "
        "`zerotier-cli` command and I'll look at it."
    ),
    "bump": (
        "If you still have this problem, tell me what you see: what you tried to reach, on "
        "which systems, and any error text. Pasting the output of `zerotier-cli info` and "
        "`zerotier-cli peers` helps me look at it."
    ),
    "ack": "OK. If anything else comes up, just ask.",
}


def smalltalk_body(chatter: str) -> str:
    """The reply to chatter: small talk, or a request for details after a bump."""
    return _SMALLTALK.get(chatter, _SMALLTALK["greeting"])


def abstain_body(subject: str | None, pointer: str | None) -> str:
    """Say plainly that the FAQ does not answer this; name the subject and a related section."""
    if subject is not None:
        first = (
            f"That sounds like a question about *{subject}*, which my FAQ doesn't cover, so "
            "I'd rather not guess."
        )
    else:
        first = "My ZeroTier FAQ doesn't answer that, so I'd rather not guess."
    if pointer is not None:
        return (
            f"{first} The closest section is *{pointer}*: it is related but does not answer "
            "this exact question. Reply 1 to read it anyway, or ask in other words."
        )
    return f"{first} Type `help` to see the topics I know, or ask in other words."
