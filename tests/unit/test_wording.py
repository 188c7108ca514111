"""Reply wording: lists of names, sentence ends, pointers into the FAQ page, relayed counts."""

from __future__ import annotations

import pytest

from bot.core.compose import join_names, sentence, standalone
from bot.core.engine import Engine
from bot.core.models import Incoming


@pytest.mark.parametrize(
    ("items", "split", "expected"),
    [
        ([], False, ""),
        (["macOS"], False, "macOS"),
        (["macOS", "Linux"], False, "macOS and Linux"),
        (["macOS and Windows", "iOS and Android"], True, "macOS, Windows, iOS and Android"),
        (
            ["High Latency & Relaying", "Router Tips"],
            False,
            "High Latency & Relaying and Router Tips",
        ),
        (["macOS and Windows", "Linux"], False, "macOS and Windows and Linux"),
    ],
)
def test_join_names(items: list[str], split: bool, expected: str) -> None:
    assert join_names(items, split_pairs=split) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Also available: Linux", "Also available: Linux."),
        ("Also available: Still doesn't work?", "Also available: Still doesn't work?"),
        ("Done.", "Done."),
        ("Wow!", "Wow!"),
    ],
)
def test_sentence_never_doubles_the_stop(text: str, expected: str) -> None:
    assert sentence(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'See "Router Configuration Tips" above for how to resolve this.',
            'See "Router Configuration Tips" (ask me about it) for how to resolve this.',
        ),
        ("see 'Ports' below.", "see 'Ports' (ask me about it)."),
        ("available in 1.4.x and above", "available in 1.4.x and above"),
    ],
)
def test_faq_text_points_at_nothing_above(text: str, expected: str) -> None:
    assert standalone(text) == expected


def _ask(engine: Engine, text: str) -> str:
    reply = engine.respond(Incoming(text=text, platform="console", user="u", conversation="c"))
    return f"{reply.heading}\n{reply.body}\n{reply.note}"


def test_update_sections_are_listed_one_name_each(engine: Engine) -> None:
    shown = _ask(engine, "how do I update zerotier on linux")
    assert "Also available: macOS, Windows, iOS and Android. Just ask." in shown


def test_no_question_mark_followed_by_a_full_stop(engine: Engine) -> None:
    shown = _ask(engine, "cannot connect to zerotier service on linux")
    assert "?." not in shown
    assert "Still doesn't work? Just ask." in shown


def test_high_latency_answer_sends_nobody_above(engine: Engine) -> None:
    shown = _ask(engine, "high latency, my peer is relayed")
    assert "Router Configuration Tips" in shown
    assert '" above' not in shown


PEERS = """\
200 peers
<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>
62f865ae71 -      PLANET    53 DIRECT   2473     2440     50.7.252.138/9993
778cde7190 -      PLANET   101 DIRECT   2473     2360     103.195.103.66/9993
cafe04eba9 -      PLANET   190 DIRECT   2473     2291     84.17.53.155/9993
cafe9efeb9 -      PLANET   118 DIRECT   2473     2356     104.194.8.134/9993
1a2b3c4d5e 1.14.2 LEAF      -1 RELAY
6f7e8d9c0b 1.14.2 LEAF     12 DIRECT   4021     4021     192.168.1.20/9993
"""


def test_relayed_count_says_the_roots_were_left_out(engine: Engine) -> None:
    reply = engine.diagnose(PEERS)
    relayed = next(f for f in reply.findings if f.code == "peer-relayed")
    assert relayed.summary.startswith("1 of 2 peers are relayed (the 4 roots not counted)")
