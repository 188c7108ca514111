"""OCR repair: look-alike characters fixed where the format makes them certain, doubts named."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diagnosis import parse_message
from bot.diagnosis.ocr_fix import fix_ocr_text
from tests.fakes.screenshots import KINDS, facts, sample


@pytest.mark.parametrize(
    ("read", "fixed"),
    [
        # addresses: O/o -> 0, l/I/i -> 1, S/s -> 5, Z -> 2, upper-case hex letters -> lower
        ("2OO info 6f2Of876ff l.l4.2 0FFLINE", "200 info 6f20f876ff 1.14.2 OFFLINE"),
        ("200 info 1a2b3c4d5E 1.14.1 ONLlNE", "200 info 1a2b3c4d5e 1.14.1 ONLINE"),
        (
            "200 Iistpeers cafeO4eba9 84.17.53.l55/9993;7582;86O3 276 - PLANFT",
            "200 listpeers cafe04eba9 84.17.53.155/9993;7582;8603 276 - PLANET",
        ),
        # a path split at `;` or `.` by the OCR is put back together
        (
            "200 listpeers 778cde7190 103.195. 103.66/9993 ;3738;629 178 - PLANET",
            "200 listpeers 778cde7190 103.195.103.66/9993;3738;629 178 - PLANET",
        ),
        ("e8ebd9ddid 1.12.2 LEAF 52 DIRECT 3826 1215 192.168.8.2O5/9993",
         "e8ebd9dd1d 1.12.2 LEAF 52 DIRECT 3826 1215 192.168.8.205/9993"),
        # the `-` of an unknown version lost, a role misread
        ("62f865ae71 PLANEI 213 DIRECT 3905 3872 50.7.252.138/9993",
         "62f865ae71 - PLANET 213 DIRECT 3905 3872 50.7.252.138/9993"),
        ("9876543210 1.12.2 LEAF -l RELAV", "9876543210 1.12.2 LEAF -1 RELAY"),
        # listnetworks: id, status words split by OCR, type
        (
            "200 listnetworks 3357840fc1878dlf a0:14:13:12:f1:2f ACCESS DENIED PRlVATE ztabc -",
            "200 listnetworks 3357840fc1878d1f a0:14:13:12:f1:2f ACCESS_DENIED PRIVATE ztabc -",
        ),
        (
            "200 listnetworks 0123456789abcdef My Home Net 2a:11:22:33:44:55 OK PRIVATE "
            "ztabcdef12 1O.147.17.5/24, fd00::1/88",
            "200 listnetworks 0123456789abcdef My Home Net 2a:11:22:33:44:55 OK PRIVATE "
            "ztabcdef12 10.147.17.5/24,fd00::1/88",
        ),
        # a value read twice (letter and digit) or with a speck
        ("200 listpeers cafeO04eba9 - -1 - PLANET", "200 listpeers cafe04eba9 - -1 - PLANET"),
        ("200 listpeers 795e€e99126 - -1 1.10.6 LEAF", "200 listpeers 795ee99126 - -1 1.10.6 LEAF"),
        # ping summaries and addresses
        (
            "4 packets transmitted, @ received, 1OO% packet loss, time 3004ms",
            "4 packets transmitted, 0 received, 100% packet loss, time 3004ms",
        ),
        ("Reply from 1O.147.l7.5: bytes=32 time=3ms TTL=64",
         "Reply from 10.147.17.5: bytes=32 time=3ms TTL=64"),
        ("2080 peers", "200 peers"),
        ("4 packets transmitted, © received, 100% packet loss, time 3004ms",
         "4 packets transmitted, 0 received, 100% packet loss, time 3004ms"),
        ("2OO lnfo 1a2b3c4d5e 1.14.1 TUNNELLED", "200 info 1a2b3c4d5e 1.14.1 TUNNELED"),
        ("200 ms later", "200 ms later"),
        # prose is left alone
        ("So I received nothing, is 0 OK?", "So I received nothing, is 0 OK?"),
        ("Sent from my phone", "Sent from my phone"),
    ],
)  # fmt: skip
def test_lookalikes_are_fixed_where_the_format_is_certain(read: str, fixed: str) -> None:
    assert fix_ocr_text(read).text == fixed


@pytest.mark.parametrize(
    ("read", "value", "words"),
    [
        # B is 8 or b, D is 0 or d: the likelier reading is kept, and named as uncertain
        ("200 info 62fB65ae71 1.14.1 ONLINE", "62f865ae71", "`B` read as `8` (or `b`)"),
        ("200 info 1a2D3c4d5e 1.14.1 ONLINE", "1a203c4d5e", "`D` read as `0` (or `d`)"),
        # a value of the wrong length cannot be repaired
        ("200 info 1a2b3c4d5 1.14.1 ONLINE", "1a2b3c4d5", "is not a 10-digit ZeroTier address"),
        ("200 listpeers cafeO04eba9 - -1 - PLANET", "cafe04eba9", "read as `cafeO04eba9`"),
        ("481 status {}", "401", "(HTTP status) was read as `481`"),
        ("200 info 1a2b3c4d5e 1.14.1 0NL", "0NL", "is not a known node state"),
    ],
)
def test_uncertain_values_are_named(read: str, value: str, words: str) -> None:
    result = fix_ocr_text(read)
    assert [d.value for d in result.doubts] == [value]
    assert words in result.doubts[0].describe()
    assert result.doubts[0].describe().startswith("line 1: ")


def test_blank_lines_between_table_rows_are_dropped() -> None:
    read = "200 peers\n\n<ztaddr> <ver> <role> <lat> <link>\n\n62f865ae71 - PLANET -1 RELAY\n\n"
    result = fix_ocr_text(read)
    assert result.lines == (
        "200 peers",
        "<ztaddr> <ver> <role> <lat> <link>",
        "62f865ae71 - PLANET -1 RELAY",
    )
    assert [p.address for o in parse_message(result.text) for p in o.peers] == ["62f865ae71"]


_HEX_ID = re.compile(r"\b(?:[0-9a-f]{10}|[0-9a-f]{16})\b")
_CONFUSE = {"0": "O", "1": "l", "5": "S", "2": "Z", "c": "C", "a": "A"}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(KINDS), st.integers(0, 10_000), st.integers(0, 10_000))
def test_confused_ids_read_like_the_true_text(kind: str, seed: int, noise: int) -> None:
    """Any certain look-alike in any address or network id: the facts come out unchanged."""
    true = sample(kind, random.Random(seed))
    rnd = random.Random(noise)

    def confuse(m: re.Match[str]) -> str:
        return "".join(_CONFUSE.get(c, c) if rnd.random() < 0.3 else c for c in m.group(0))

    read = _HEX_ID.sub(confuse, true)
    assert facts(parse_message(fix_ocr_text(read).text)) == facts(parse_message(true))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(KINDS), st.integers(0, 10_000))
def test_true_text_is_left_as_it_reads(kind: str, seed: int) -> None:
    true = sample(kind, random.Random(seed))
    result = fix_ocr_text(true)
    assert facts(parse_message(result.text)) == facts(parse_message(true))
    assert result.doubts == ()


@given(st.text(max_size=400))
def test_never_raises(text: str) -> None:
    result = fix_ocr_text(text)
    assert len(result.lines) <= len(text.splitlines())
