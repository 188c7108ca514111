"""Triage before retrieval: is this message a problem to look up, or chatter?

Thanks, greetings, bumps ("+1", "any update?", "same here on windows 11"), one-word tests and
acknowledgements get small talk or a request for details, never a FAQ section. The check is
over words, not one big regular expression: every message word must be a chatter word (or an
OS name or a version number), so a message that carries a problem *and* thanks is a problem.
All patterns here are linear-time: no nested quantifiers over overlapping classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from bot.base.oses import detect_os, strip_os

Chatter = Literal["thanks", "greeting", "bump", "test", "ack"]

_WORD: Final = re.compile(r"\+1\b|[a-z0-9]+")
_VERSION: Final = re.compile(r"\d[a-z0-9]*")  # "11", "23h2", "1.8.1" (split on the dots)
_MAX_WORDS: Final = 16  # longer messages are never mere chatter
_MAX_CHARS: Final = 1_000  # nor are longer ones (checked first: a pasted megabyte costs nothing)

_THANKS: Final = frozenset(
    """thanks thank thx ty tysm tyvm cheers appreciated appreciate kudos thankyou grateful
    worked works working fixed solved sorted resolved helped helpful great awesome perfect nice
    cool excellent amazing brilliant fantastic wonderful lovely legend rock""".split()
)
_GREETING: Final = frozenset(
    """hi hello hey heya hiya yo sup howdy morning afternoon evening greetings gm hallo hola
    bonjour""".split()
)
_TEST: Final = frozenset("test testing tested tests asdf asd qwerty foo bar ping123".split())
_BUMP: Final = frozenset(
    """+1 bump bumping same here too me also any anyone anybody someone somebody update updates
    news progress solution solutions fix fixes workaround found find did does do is are was
    has have having had looking look this that these it issue issues problem problems thing
    again still happening happens happen for on with yet now please pls plz status eta when
    resolution resolve idea ideas clue luck same""".split()
)
_ACK: Final = frozenset(
    """ok okay k kk lol lmao haha hehe hmm hm yes yeah yep yup no nope nah sure right alright
    understood see got gotcha np noted fine cool wow oh ah well good bye goodbye cya
    later""".split()
)
# Words that glue chatter together without adding a subject.
_FILLER: Final = frozenset(
    """a an the and or but so very much lot lots all everyone everybody guys folks team bot
    ztbot mate man there again you your u i im we my our for to of in at by just really
    quick answer reply response help info information one of from able being been be will would
    can could know let""".split()
)
# "on", "using": with an OS name they answer "which system are you on?".
_ON: Final = frozenset("on with use using run running runs is it its this that what about".split())
_CHATTER_WORDS: Final = _THANKS | _GREETING | _TEST | _BUMP | _ACK | _FILLER


@dataclass(frozen=True, slots=True)
class Triage:
    """What kind of chatter a message is; `None` kind means it is worth looking up."""

    kind: Chatter | None


def triage(folded: str) -> Triage:
    """Classify already folded text: chatter of some kind, or a message to look up."""
    if len(folded) > _MAX_CHARS:
        return Triage(None)
    named_os = bool(detect_os(folded))
    text = strip_os(folded) if named_os else folded
    found = _WORD.findall(text)
    words = [w for w in found if not _VERSION.fullmatch(w)]
    if len(found) > _MAX_WORDS or any(w not in _CHATTER_WORDS for w in words):
        return Triage(None)
    present = set(words)
    if named_os and not present - _FILLER - _ON:
        # "I'm on a mac", "windows 10": an answer to "which system?", for the conversation.
        return Triage(None)
    if not words:
        return Triage("test" if found else None)  # only numbers: "123"
    if present & _THANKS:
        return Triage("thanks")
    if present & _TEST:
        return Triage("test")
    if present & _GREETING:
        return Triage("greeting")
    if present & _BUMP:
        return Triage("bump")
    return Triage("ack" if present & _ACK else "greeting")
