"""Folding, stemming and OS detection on chat text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.base.oses import detect_os, strip_os
from bot.base.text import (
    _APOSTROPHE,
    _ENTITIES,
    _ENTITY,
    _FOLD,
    QUESTION_CHARS,
    clauses,
    fold,
    question_text,
    stem,
    terms,
)


def test_fold_undoes_chat_escapes_and_smart_quotes() -> None:
    """Slack's &lt; escapes, curly quotes and apostrophes fold to plain ASCII words."""
    assert fold("Can\u2019t reach &lt;ztaddr&gt;") == "cant reach <ztaddr>"


def test_terms_keep_negation_and_map_slang() -> None:
    """Negations survive as 'not'; slang maps to one canonical word; stopwords go."""
    assert terms("I can't ping my other PC over ZT") == ["not", "ping", "computer"]
    assert terms("relayed, relaying, relays") == ["relay", "relay", "relay"]
    assert terms("500ms lag on win11") == ["500", "millisecond", "lag", "window"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("updating", "updat"),
        ("updates", "updat"),
        ("lagging", "lag"),
        ("ping", "ping"),
        ("is", "is"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    """Common suffixes are stripped without a dictionary; short words are left alone."""
    assert stem(word) == expected


def test_clauses_split_on_punctuation() -> None:
    """Word pairs never span a sentence boundary."""
    assert clauses("say hello, no question today") == [["say"], ["not", "today"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ping fails on win11", ("windows",)),
        ("PS C:\\Users\\me> zerotier-cli info", ("windows",)),
        ("my macbook and my ubuntu box", ("macos", "linux")),
        ("raspberry pi 4 running openwrt", ("linux",)),
        ("the steam deck can't connect", ("linux",)),
        ("my iphone and android phone", ("ios", "android")),
        ("the MAC address changed", ()),
        ("I bash my head against the wall", ()),
    ],
)
def test_detect_os(text: str, expected: tuple[str, ...]) -> None:
    """OS names, slang, devices, prompts and tools imply an OS; look-alikes do not."""
    assert detect_os(text) == expected


def test_strip_os_leaves_the_rest() -> None:
    """Removing OS hints shows whether a message says anything else."""
    assert detect_os(strip_os("I'm on a mac, ubuntu too")) == ()


@given(st.text(max_size=300))
def test_text_helpers_never_raise(text: str) -> None:
    """Any unicode goes through folding, terms and OS detection."""
    terms(text)
    clauses(text)
    detect_os(text)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("speed", "speed"), ("exceeded", "exceed"), ("needed", "need"), ("agreed", "agreed")],
)
def test_stem_keeps_eed_words_whole(word: str, expected: str) -> None:
    """'-eed' belongs to the word: "speed" must not become "spe"."""
    assert stem(word) == expected


def _fold_everywhere(text: str) -> str:
    """fold() without its shortcuts: every step on every text."""
    text = _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).lower()
    return _APOSTROPHE.sub("", text)


_FOLDED_CHARS = "aZ `'&;ltgqu#39\u2019\u00a0\ufb01\u2013é0 \n"


@given(st.text(alphabet=st.sampled_from(_FOLDED_CHARS), max_size=60))
def test_fold_shortcuts_change_nothing(text: str) -> None:
    """The ASCII and no-ampersand shortcuts give what the full folding gives."""
    assert fold(text) == _fold_everywhere(text)


def test_question_text_keeps_short_messages_whole() -> None:
    """A message within the limit is read as it is."""
    text = "my laptop can't reach the NAS over zerotier " * 90
    assert question_text(text) == text


def test_question_text_cuts_a_long_message_between_words() -> None:
    """A pasted megabyte is read as a question up to the limit, never mid-word."""
    text = "why is ping slow on windows " * 40_000
    question = question_text(text)
    assert len(question) <= QUESTION_CHARS
    assert len(question) > QUESTION_CHARS - 40
    assert text.startswith(question)
    assert text[len(question)].isspace()
    assert question_text("x" * 10_000) == "x" * QUESTION_CHARS  # one endless word: cut anyway


def test_question_text_of_a_long_message_is_its_prose() -> None:
    """Around a pasted code block, the words outside it are the question."""
    paste = "200 listpeers 62f865ae71 50.7.252.138/9993;14111;3895 213 - PLANET\n" * 2_000
    text = f"peers show RELAY on windows, why?\n```\n{paste}```\nthanks!"
    assert question_text(text) == "peers show RELAY on windows, why?\n\n\nthanks!"
    unclosed = f"on windows: ```\n{paste}"
    assert question_text(unclosed) == "on windows:"
    only_code = f"```\n{paste}```"
    assert question_text(only_code).startswith("```\n200 listpeers")
