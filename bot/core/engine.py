"""The pure core: (Incoming, Context, knowledge) -> Reply. No I/O happens here."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from rapidfuzz import fuzz

from bot.base.oses import OS_LABELS, OsName, detect_os, strip_os
from bot.base.text import fold, phrase_words, question_text, words
from bot.core.compose import (
    abstain_body,
    also_asked,
    ask_for_output,
    commands_wanted,
    diagnosis_body,
    diagnosis_heading,
    faq_block,
    faq_steps,
    join_names,
    lead_finding,
    question_part,
    reply_topic,
    sentence,
    smalltalk_body,
    warnings_note,
)
from bot.core.matching import MatchConfig, Matcher, MatchResult, best_section, phrase_in
from bot.core.models import Choice, Context, Incoming, Reply
from bot.core.triage import Chatter, triage
from bot.diagnosis.findings import Diagnosis, diagnose
from bot.knowledge.model import KnowledgeBase, Section, Topic

_MAX_CHOICES: Final = 3
_STILL: Final = re.compile(r"\bstill\b|\bsame (?:problem|issue|error|thing)\b|\bno change\b")
_OS_SCAN: Final = 4000  # characters of a paste searched for an OS the prose did not name
_POINTER_FLOOR: Final = 0.5  # a related section worth pointing to when the FAQ has no answer
# "That didn't help" and friends: the user is telling us the last answer missed.
_NEGATIVE: Final = re.compile(
    r"\b(?:did ?n[o']?t help|not helpful|does ?n[o']?t help|no help|useless|tried that"
    r"|still (?:not|does ?n[o']?t|doesnt|is ?n[o']?t|can ?n?[o']?t|cant|no|the same|broken|fail)"
    r"|no luck|same (?:problem|issue|thing|error)|wrong (?:answer|topic)|not (?:it|that)"
    r"|that'?s not (?:it|what)|nope|no change|nothing changed|something else"
    r"|other (?:ideas|options))\b"
)
# "doesn't work" is feedback only when nothing else is said: "ping doesn't work on windows"
# asked again is the same question, not a verdict on the answer.
_WEAK_NEGATIVE: Final = re.compile(r"\b(?:did ?n[o']?t|does ?n[o']?t|not) work(?:ing|ed)?\b")
_HELP: Final = re.compile(
    r"^/?(?:help|\?|what can you do\??|commands|usage|how do(?:es)? (?:this|it) work\??)$"
)
_PICK: Final = re.compile(r"^\s*(?:#|no\.?\s*|number\s*|option\s*)?([1-9])\s*[.)!]?\s*$")


class Engine:
    """Answers messages from one knowledge base; build a new Engine when the knowledge changes."""

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatchConfig | None = None,
        *,
        matcher: Matcher | None = None,
    ) -> None:
        """Args:
        matcher: an index already built for `kb` (from a cache), instead of building one.
        """
        self.kb = kb
        self.matcher = matcher if matcher is not None else Matcher(kb, config)

    def respond(self, incoming: Incoming, context: Context | None = None) -> Reply:
        """Return the reply to `incoming`, given what was said before in this conversation."""
        ctx = context or Context()
        text = incoming.text.strip()
        # The question is read from the prose (at most QUESTION_CHARS); diagnosis reads it all.
        question = question_text(text)
        folded = fold(question)
        # An upload with no comment is a paste to read, not an empty message.
        if (not folded and not incoming.attachments) or _HELP.match(folded):
            return self._help(ctx)
        if ctx.choices and _PICK.match(folded):
            picked = self._picked_choice(folded, ctx)
            if picked is None:
                return self._out_of_range(ctx)
        files = tuple((a.name, a.text) for a in incoming.attachments)
        diagnosis = diagnose(incoming.text, self.kb.finding_text, ctx.nodes, files)
        if diagnosis.informative:  # output or a pasted secret outranks chatter
            return self._diagnosis(text, diagnosis, ctx)
        text = question
        chatter = triage(folded).kind
        if chatter is not None and not (ctx.choices and _PICK.match(folded)):
            return self._smalltalk(chatter, ctx)
        picked = self._picked_choice(folded, ctx)
        if picked is not None:
            topic = self.kb.topic(picked.topic)
            os_names = detect_os(text) or ((ctx.os,) if ctx.os else ())
            section = topic.section(picked.section) or best_section(topic, os_names, folded)
            return self._answer(topic, section, os_names, 1.0, self._ranked(ctx), ctx, text)
        result = self.matcher.match(text)
        follow_up = self._follow_up(text, folded, result, ctx)
        if follow_up is not None:
            return follow_up
        if ctx.topic is None and detect_os(text) and self._only_names_os(text):
            return self._which_problem(detect_os(text), ctx)
        # Output quoted without facts (a bare header) still counts as pasted: never ask for it.
        pasted = tuple(o.command for o in diagnosis.outputs)
        return self._from_match(result, ctx, text, pasted)

    def choose(self, choice: Choice, context: Context, text: str = "") -> Reply:
        """The answer for a choice the user picked from an offer (a button, a number)."""
        topic = self.kb.by_id.get(choice.topic)
        if topic is None:  # the knowledge changed since the offer was made
            return self.respond(Incoming(choice.title), context)
        os_names = detect_os(text) or ((context.os,) if context.os else ())
        section = topic.section(choice.section) or best_section(topic, os_names, fold(text))
        return self._answer(topic, section, os_names, 1.0, self._ranked(context), context, text)

    def answer_topic(
        self, topic_id: str, section_id: str | None = None, *, os_name: OsName | None = None
    ) -> Reply:
        """The answer the bot gives for a topic (and section, or the section for `os_name`),
        as if a user had asked for it; KeyError for an unknown topic or section."""
        topic = self.kb.topic(topic_id)
        os_names: tuple[OsName, ...] = (os_name,) if os_name else ()
        if section_id is not None:
            section = topic.section(section_id)
            if section is None:
                raise KeyError(section_id)
        else:
            section = best_section(topic, os_names, "") if os_names else None
        return self._answer(topic, section, os_names, 1.0, (), Context())

    def next_best(self, context: Context) -> Reply:
        """What to offer after "not helpful" on the last answer: other sections or topics."""
        if context.topic is not None and context.topic in self.kb.by_id:
            return self._next_best(self.kb.topic(context.topic), "", (), context)
        others = [c for c in self._ranked(context) if c.topic not in context.shown]
        if not others:
            return Reply(kind="abstain", body="I have nothing closer in my FAQ.", context=context)
        return _offer(tuple(others[:_MAX_CHOICES]), context, "Could it be one of these instead?")

    def _ranked(self, ctx: Context) -> tuple[Choice, ...]:
        return tuple(
            Choice(t, None, self.kb.topic(t).title) for t in ctx.ranked if t in self.kb.by_id
        )

    # --- follow-ups -------------------------------------------------------------------------

    def _picked_choice(self, folded: str, ctx: Context) -> Choice | None:
        """A reply like "2" or a choice's title, right after we offered choices."""
        if not ctx.choices:
            return None
        m = _PICK.match(folded)
        if m:
            index = int(m.group(1)) - 1
            return ctx.choices[index] if index < len(ctx.choices) else None
        best = max(ctx.choices, key=lambda c: fuzz.ratio(folded, fold(c.title)))
        return best if fuzz.ratio(folded, fold(best.title)) >= 85 else None

    def _follow_up(self, text: str, folded: str, result: MatchResult, ctx: Context) -> Reply | None:
        """Interpret a short message in the light of the topic being discussed, if it is one."""
        if ctx.topic is None or ctx.topic not in self.kb.by_id:
            return None
        topic = self.kb.topic(ctx.topic)
        same_or_none = result.topic in (None, topic.id)
        short = len(self.matcher.query_terms(text)) <= 6
        os_names = detect_os(text)
        if self._is_negative(folded) and (short or same_or_none):
            return self._next_best(topic, folded, os_names, ctx)
        if os_names and topic.sections and (same_or_none or self._only_names_os(text)):
            section = best_section(topic, os_names, folded)
            if section is not None:
                return self._answer(topic, section, os_names, 1.0, self._ranked(ctx), ctx)
        return None

    def _is_negative(self, folded: str) -> bool:
        """Feedback that the last answer missed ("that didn't help", "still no luck")."""
        if _NEGATIVE.search(folded):
            return True
        if not _WEAK_NEGATIVE.search(folded):
            return False
        rest = strip_os(_WEAK_NEGATIVE.sub(" ", folded))
        return not [t for t in self.matcher.query_terms(rest) if t != "not"]

    def _only_names_os(self, text: str) -> bool:
        """True for messages like "I'm on a mac" or "what about linux?": an OS and nothing else."""
        rest = strip_os(text)
        return not [t for t in self.matcher.query_terms(rest) if not t.replace(".", "").isdigit()]

    def _next_best(
        self, topic: Topic, folded: str, os_names: tuple[OsName, ...], ctx: Context
    ) -> Reply:
        """After "that didn't help": a section of the same topic that fits, else other topics."""
        qwords = words(folded)
        for section in topic.sections:
            if (
                section.id != ctx.section
                and not section.os
                and any(phrase_in(phrase_words(w), qwords) for w in section.match)
            ):
                return self._answer(topic, section, os_names, 1.0, self._ranked(ctx), ctx)
        if _STILL.search(folded):
            # "still broken": the topic's own "Still doesn't work?" steps come next, if unseen.
            still = next(
                (
                    sec
                    for sec in topic.sections
                    if sec.id != ctx.section
                    and not sec.os
                    and any(fold(m).startswith("still") for m in (sec.title, *sec.match))
                ),
                None,
            )
            if still is not None:
                return self._answer(topic, still, os_names, 1.0, self._ranked(ctx), ctx)
        # The topic's own "see also" first: the FAQ's authors named them as the next step.
        others = [t for t in topic.see_also if t not in ctx.shown and t in self.kb.by_id]
        others += [
            t for t in ctx.ranked if t not in ctx.shown and t in self.kb.by_id and t not in others
        ]
        choices = tuple(Choice(t, None, self.kb.topic(t).title) for t in others[:_MAX_CHOICES])
        if not choices:
            body = (
                "Sorry that didn't help, and I have nothing closer in my FAQ. If you paste the "
                "output of `zerotier-cli info` and `zerotier-cli peers` (or `listnetworks`), "
                "someone can take a closer look."
            )
            return Reply(kind="abstain", body=body, context=replace(ctx, choices=()))
        return _offer(choices, ctx, "Sorry that didn't help. Could it be one of these instead?")

    # --- pasted output ----------------------------------------------------------------------

    def diagnose(self, text: str, context: Context | None = None) -> Reply:
        """Diagnose pasted output only (no FAQ matching when nothing is found)."""
        ctx = context or Context()
        diagnosis = diagnose(text, self.kb.finding_text, ctx.nodes)
        if diagnosis.understood:
            return self._diagnosis(text, diagnosis, ctx)
        body = (
            "I found no zerotier-cli or ping output in this text. Paste what the command "
            "printed, for example `zerotier-cli info`, `zerotier-cli peers` or "
            "`zerotier-cli listnetworks` (their `-j` forms work too)."
        )
        return Reply(kind="abstain", body=body, context=ctx)

    def _diagnosis(self, text: str, diagnosis: Diagnosis, ctx: Context) -> Reply:
        """Findings first, then the FAQ steps of the topic that fixes the lead problem."""
        question = question_text(question_part(text, diagnosis))
        result = self.matcher.match(question) if self.matcher.query_terms(question) else None
        asked = result.topic if result is not None and not result.ambiguous else None
        problems = diagnosis.problems
        lead = lead_finding(problems, asked)
        topic_id = reply_topic(problems, lead, asked)
        topic = self.kb.by_id.get(topic_id) if topic_id else None
        # The prose first; then the lead finding's OS; then the whole message (an OS named in
        # a line that also carries output, "... parse error. OS is Centos 7"); then the context.
        os_names = (
            detect_os(question)
            or _as_os(lead.os if lead is not None else None)
            or detect_os(text[:_OS_SCAN])
            or _as_os(ctx.os)
        )
        section = best_section(topic, os_names, question) if topic is not None else None
        body = diagnosis_body(diagnosis, lead)
        if topic is not None:
            body += f"\n\n{faq_block(topic, section)}"
        second = self.kb.by_id.get(also_asked(asked, topic_id, problems) or "")
        if second is not None:
            body += f"\n\n{faq_block(second, best_section(second, os_names, question))}"
        heading = diagnosis_heading(diagnosis, lead)
        candidates = tuple(
            Choice(c.topic, c.section, self.kb.topic(c.topic).title, c.score)
            for c in (result.candidates if result is not None else ())
        )
        shown = _with_shown(ctx.shown, topic.id if topic is not None else None)
        return Reply(
            kind="diagnosis",
            body=body,
            topic=topic.id if topic else None,
            section=section.id if section else None,
            confidence=1.0 if lead is not None else (result.confidence if result else 0.0),
            heading=heading,
            note=_notes(
                warnings_note(diagnosis), self._still_missing(diagnosis, topic, question, os_names)
            ),
            candidates=candidates,
            findings=diagnosis.findings,
            outputs=diagnosis.outputs,
            context=replace(
                ctx,
                topic=topic.id if topic else ctx.topic,
                section=section.id if section else None,
                os=_first(os_names, ctx.os),
                shown=shown,
                # The fixes for the findings first, then what the words asked, so that
                # "not helpful" on a diagnosis can offer the next topics.
                ranked=tuple(
                    dict.fromkeys(
                        [*(t for f in problems for t in f.topics), *(c.topic for c in candidates)]
                    )
                ),
                choices=(),
                nodes=diagnosis.nodes,
            ),
        )

    def _still_missing(
        self,
        diagnosis: Diagnosis,
        topic: Topic | None,
        question: str,
        os_names: tuple[OsName, ...],
    ) -> str | None:
        """When the paste looks healthy, ask for the output that could still explain it."""
        if diagnosis.problems or not question.strip():
            return None
        pasted = [o.command for o in diagnosis.outputs]
        wanted = commands_wanted(self.kb, topic.id if topic else None, question, pasted)
        return ask_for_output(wanted, os_names[0] if os_names else None)

    # --- fresh questions --------------------------------------------------------------------

    def _from_match(
        self, result: MatchResult, ctx: Context, text: str, pasted: tuple[str, ...] = ()
    ) -> Reply:
        candidates = tuple(
            Choice(c.topic, c.section, self.kb.topic(c.topic).title, c.score)
            for c in result.candidates
        )
        ranked = tuple(c.topic for c in candidates)
        floor = self.matcher.config.suggest_floor
        if result.ambiguous:
            choices = tuple(c for c in candidates if c.score >= floor)[:_MAX_CHOICES]
            lines = "\n".join(f"{n}. {c.title}" for n, c in enumerate(choices, 1))
            return Reply(
                kind="clarify",
                body=f"I'm not sure which of these you mean:\n\n{lines}",
                note=_notes(
                    ask_for_output(
                        commands_wanted(self.kb, None, text, pasted), _first(result.os, ctx.os)
                    ),
                    "Reply with a number, or rephrase your question.",
                ),
                topic=result.topic,
                section=result.section,
                confidence=result.confidence,
                choices=choices,
                candidates=candidates,
                context=replace(ctx, ranked=ranked, choices=choices, os=_first(result.os, ctx.os)),
            )
        if result.topic is None:
            return self._abstain(result, candidates, ctx, text, pasted)
        topic = self.kb.topic(result.topic)
        new_ctx = replace(ctx, ranked=ranked)
        section = topic.section(result.section)
        os_names = result.os or ((ctx.os,) if ctx.os else ())
        if section is None and topic.sections and ctx.os:
            section = best_section(topic, os_names, "")
        return self._answer(
            topic, section, os_names, result.confidence, candidates, new_ctx, text, pasted
        )

    def _answer(
        self,
        topic: Topic,
        section: Section | None,
        os_names: tuple[OsName, ...],
        confidence: float,
        candidates: tuple[Choice, ...],
        ctx: Context,
        question: str = "",
        pasted: tuple[str, ...] = (),
    ) -> Reply:
        heading = topic.title if section is None else f"{topic.title} › {section.title}"
        note: str | None
        if section is not None:
            body = faq_steps(topic, section)
            others = [s.title for s in topic.sections if s.id != section.id]
            listed = join_names(others, split_pairs=True)
            note = f"{sentence('Also available: ' + listed)} Just ask." if others else None
        elif topic.sections:
            body = faq_steps(topic, None)
            note = 'Tell me which one you use (for example "I\'m on Windows") for its steps.'
        else:
            body = faq_steps(topic, None)
            note = None
        related = [self.kb.by_id[t].title for t in topic.see_also if t in self.kb.by_id]
        wanted = commands_wanted(self.kb, topic.id, question, pasted)
        ask = ask_for_output(wanted, _first(os_names, ctx.os))
        note = _notes(note, ask, sentence(f"See also: {join_names(related)}") if related else None)
        shown = _with_shown(ctx.shown, topic.id)
        return Reply(
            kind="answer",
            body=body,
            topic=topic.id,
            section=section.id if section else None,
            confidence=confidence,
            heading=heading,
            note=note,
            candidates=candidates,
            context=replace(
                ctx,
                topic=topic.id,
                section=section.id if section else None,
                os=_first(os_names, ctx.os),
                shown=shown,
                choices=(),
            ),
        )

    def _abstain(
        self,
        result: MatchResult,
        candidates: tuple[Choice, ...],
        ctx: Context,
        text: str,
        pasted: tuple[str, ...] = (),
    ) -> Reply:
        subject = next((u for u in self.kb.uncovered if u.id == result.uncovered), None)
        pointer = candidates[0] if candidates and candidates[0].score >= _POINTER_FLOOR else None
        body = abstain_body(subject.title if subject else None, pointer.title if pointer else None)
        # The related section comes first in `candidates`: a pointer, not an answer.
        return Reply(
            kind="abstain",
            body=body,
            note=ask_for_output(
                commands_wanted(self.kb, None, text, pasted), _first(result.os, ctx.os)
            ),
            confidence=result.confidence,
            candidates=candidates,
            uncovered=result.uncovered,
            choices=(pointer,) if pointer else (),
            context=replace(
                ctx,
                ranked=tuple(c.topic for c in candidates),
                choices=(pointer,) if pointer else (),
            ),
        )

    def _smalltalk(self, chatter: Chatter, ctx: Context) -> Reply:
        return Reply(kind="smalltalk", body=smalltalk_body(chatter), context=ctx)

    def _which_problem(self, os_names: tuple[OsName, ...], ctx: Context) -> Reply:
        """ "I'm on a mac" with nothing discussed yet: remember the system, ask for the problem."""
        body = (
            f"Got it, {OS_LABELS[os_names[0]]}. What is the problem? Describe what you see, or "
            "paste the output of `zerotier-cli info` and I'll look at it."
        )
        return Reply(kind="abstain", body=body, context=replace(ctx, os=os_names[0]))

    def _out_of_range(self, ctx: Context) -> Reply:
        """A pick like "5" after three choices: say which numbers are valid, offer them again."""
        n = len(ctx.choices)
        valid = "1" if n == 1 else f"a number from 1 to {n}"
        lines = "\n".join(f"{i}. {c.title}" for i, c in enumerate(ctx.choices, 1))
        return Reply(
            kind="clarify",
            body=f"Please reply with {valid}:\n\n{lines}",
            choices=ctx.choices,
            context=ctx,
        )

    def _help(self, ctx: Context) -> Reply:
        topics = "\n".join(f"• {t.title}" for t in self.kb.topics)
        body = (
            "I answer questions from the ZeroTier Troubleshooting & FAQ. Ask in your own words, "
            "and mention your system (Windows, macOS, Linux, iOS, Android) for its steps.\n\n"
            f"Topics I know:\n{topics}"
        )
        return Reply(kind="help", body=body, context=ctx)


def _offer(choices: tuple[Choice, ...], ctx: Context, lead: str) -> Reply:
    """Other topics to pick from by number, after the answer given missed."""
    lines = "\n".join(f"{n}. {c.title}" for n, c in enumerate(choices, 1))
    return Reply(
        kind="clarify",
        body=f"{lead}\n\n{lines}",
        note="Reply with a number, or describe the problem in other words.",
        choices=choices,
        context=replace(ctx, choices=choices),
    )


def _with_shown(shown: tuple[str, ...], topic_id: str | None) -> tuple[str, ...]:
    return shown if topic_id is None or topic_id in shown else (*shown, topic_id)


def _notes(*notes: str | None) -> str | None:
    joined = " ".join(n for n in notes if n)
    return joined or None


def _as_os(name: str | None) -> tuple[OsName, ...]:
    """`name` as a one-system tuple when it is a system the FAQ has steps for, else ()
    (diagnosis also knows systems the FAQ has no steps for, such as BSD)."""
    return (name,) if name is not None and name in OS_LABELS else ()


def _first(os_names: tuple[OsName, ...], fallback: OsName | None) -> OsName | None:
    return os_names[0] if os_names else fallback
