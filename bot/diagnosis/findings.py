"""Findings: observations worded with the knowledge base's `findings:` catalogue."""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.base.secrets import SecretHit, find_secrets
from bot.diagnosis.codes import SEVERITIES, Code, Severity
from bot.diagnosis.ends import NodeView, correlate, remember, view_of
from bot.diagnosis.model import OsName, ParsedOutput
from bot.diagnosis.rules import Observation, observe
from bot.diagnosis.sources import combine
from bot.diagnosis.words import Change, change_words, numbered_prose, symptoms
from bot.knowledge.model import FindingText

_ORDER: Final = {"error": 0, "warning": 1, "info": 2}
_KIND_NAMES: Final = {
    "identity-secret": "identity.secret",
    "authtoken": "authtoken.secret",
    "api-token": "an API token",
}

SECRET_EXPOSED: Final = Code.SECRET_EXPOSED  # the finding for a secret pasted in chat
# Findings read from the words alone: they speak only when the output looks healthy, and alone
# (no output at all) they do not make a message a paste to diagnose.
_MAX_QUESTION: Final = 20_000  # longer text with no output in it is not a question, it is junk
WORD_CODES: Final = frozenset({Code.SYMPTOM_UNREACHABLE, Code.SYMPTOM_OFFLINE})


@dataclass(frozen=True, slots=True)
class Finding:
    """A diagnosis result: what is wrong, the evidence, and the FAQ topics that fix it."""

    code: Code
    severity: Severity
    summary: str
    explanation: str
    topics: tuple[str, ...]
    evidence: tuple[str, ...]
    os: OsName | None = None

    @property
    def is_problem(self) -> bool:
        """Warnings and errors are problems; info findings only explain."""
        return self.severity != "info"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape used by `ztbot diagnose --json` and `ask --json`."""
        return {
            "code": self.code,
            "severity": self.severity,
            "summary": self.summary,
            "explanation": self.explanation.strip(),
            "topics": list(self.topics),
            "evidence": list(self.evidence),
            "os": self.os,
        }


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"  # an admin's typo in a placeholder must not break the reply


def fill(template: str, params: Mapping[str, Any]) -> str:
    """`template` with `{name}` placeholders filled from `params`; unknown names print '?'."""
    try:
        return string.Formatter().vformat(template, (), _Blank(params))
    except (ValueError, IndexError, AttributeError):
        return template  # unbalanced braces: show the admin's text as written


def word(
    observations: Iterable[Observation], catalog: Mapping[str, FindingText]
) -> tuple[Finding, ...]:
    """Turn observations into findings, most severe first."""
    out = []
    for obs in observations:
        text = catalog.get(obs.code) or FindingText(obs.code, "warning", obs.code, "")
        out.append(
            Finding(
                code=obs.code,
                severity=_severity(text.severity),
                summary=fill(text.summary, obs.params),
                explanation=fill(text.explanation, obs.params),
                topics=text.topics,
                evidence=obs.evidence,
                os=obs.os,
            )
        )
    return tuple(sorted(out, key=lambda f: _ORDER.get(f.severity, 1)))


def _severity(text: str) -> Severity:
    # The loader validates severities; an unknown one from a hand-built catalogue warns.
    for known in SEVERITIES:
        if text == known:
            return known
    return "warning"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Everything read from one message (or conversation): outputs, secrets and findings."""

    outputs: tuple[ParsedOutput, ...]
    findings: tuple[Finding, ...]
    secrets: tuple[SecretHit, ...] = ()
    nodes: tuple[NodeView, ...] = ()  # nodes seen so far in the conversation, this one included

    @property
    def problems(self) -> tuple[Finding, ...]:
        """Warnings and errors, most severe first."""
        return tuple(f for f in self.findings if f.is_problem)

    @property
    def understood(self) -> bool:
        """True when the message held any command output or secret."""
        return bool(self.outputs or self.secrets)

    @property
    def informative(self) -> bool:
        """True when there is something to say: parsed items, findings or a secret.

        A bare header quoted in a question ("200 listnetworks <nwid> ... what does NOT_FOUND
        mean?") is output, but it carries no facts; the question should be answered instead.
        """
        return bool(
            self.secrets
            or any(o.items for o in self.outputs)
            or any(f.code not in WORD_CODES for f in self.findings)
        )


def secret_observation(hits: Sequence[SecretHit]) -> Observation | None:
    """One observation naming every kind of secret found, with their lines."""
    if not hits:
        return None
    kinds = sorted({_KIND_NAMES[h.kind] for h in hits})
    evidence = tuple(f"{_KIND_NAMES[h.kind]} on line {h.line} (masked)" for h in hits)
    return Observation(SECRET_EXPOSED, {"kinds": ", ".join(kinds)}, evidence)


def diagnose_outputs(
    outputs: Sequence[ParsedOutput],
    catalog: Mapping[str, FindingText],
    secrets: Sequence[SecretHit] = (),
    known_nodes: Sequence[NodeView] = (),
    change: Change | None = None,
) -> Diagnosis:
    """Run the rules over parsed outputs (and nodes seen earlier) and word the findings;
    `change`: the user's words marking a later output as the state after a change."""
    observations = observe(outputs)
    if change is not None:
        observations = _with_change(observations, outputs, change, catalog)
    leak = secret_observation(secrets)
    if leak is not None:
        observations.insert(0, leak)
    view = view_of(outputs)
    nodes = remember(known_nodes, view)
    if view is not None:
        observations.extend(
            o for o in correlate(nodes) if view.address in (o.params["a"], o.params["b"])
        )
    return Diagnosis(tuple(outputs), word(observations, catalog), tuple(secrets), nodes)


def _with_change(
    observations: list[Observation],
    outputs: Sequence[ParsedOutput],
    change: Change,
    catalog: Mapping[str, FindingText],
) -> list[Observation]:
    """Say the change the user describes: the rules' own before/after findings get the user's
    words; else the problems the earlier outputs showed and the latest state no longer has."""
    if not any(o.code is Code.STATE_CHANGED for o in observations):
        now = {o.code for o in observations}
        before = [
            o
            for o in observe(outputs[: change.later])
            if o.code not in now and _problem(o.code, catalog) and o.code not in WORD_CODES
        ]
        if not before:
            return observations
        gone = word(before[:1], catalog)[0].summary.rstrip(".")
        what = f"the later output no longer shows “{gone}”"
        evidence = tuple(f"before: {e}" for o in before for e in o.evidence[:2])
        params = {"what": what, "count": len(before)}
        observations = [*observations, Observation(Code.STATE_CHANGED, params, evidence)]
    said = f"you wrote: “{change.words}”"
    return [
        dataclasses.replace(
            o,
            params={**o.params, "what": f"{o.params.get('what', '')} ({said})"},
            evidence=(*o.evidence, f"{said} (line {change.line})"),
        )
        if o.code is Code.STATE_CHANGED
        else o
        for o in observations
    ]


def _problem(code: Code, catalog: Mapping[str, FindingText]) -> bool:
    text = catalog.get(code)
    return text is None or text.severity != "info"


def diagnose(
    text: str,
    catalog: Mapping[str, FindingText],
    known_nodes: Sequence[NodeView] = (),
    files: Sequence[tuple[str, str]] = (),
) -> Diagnosis:
    """Find, parse and diagnose every command output in a chat message and its attached
    `files` (name, text); evidence counts lines in the paste or file they are in. Never raises."""
    sources = combine(text, files)
    result = _diagnose(sources.text, catalog, known_nodes)
    findings = tuple(
        dataclasses.replace(f, evidence=tuple(sources.relabel(e) for e in f.evidence))
        for f in result.findings
    )
    return dataclasses.replace(result, findings=findings)


def _diagnose(
    text: str, catalog: Mapping[str, FindingText], known_nodes: Sequence[NodeView]
) -> Diagnosis:
    from bot.diagnosis import read_message  # noqa: PLC0415  (the package imports this module)

    outputs, rows = read_message(text)
    change = change_words(text, outputs)
    # Rows read in bulk hold no secret: the scan for one skips them.
    secrets = find_secrets(text, skip=rows)
    result = diagnose_outputs(outputs, catalog, secrets, known_nodes, change)
    if result.problems or (not outputs and len(text) > _MAX_QUESTION):
        return result
    prose = numbered_prose(text, outputs)
    # Words before a change the user describes speak of the state before it.
    said = symptoms(s for n, s in prose if change is None or n >= change.line)
    if not said:
        return result
    return dataclasses.replace(result, findings=word(said, catalog) + result.findings)
