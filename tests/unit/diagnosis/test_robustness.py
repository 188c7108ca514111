"""Property tests: no input makes parse_message raise, and what it returns is well-typed."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.diagnosis import parse_message
from bot.diagnosis.model import (
    CliError,
    Moon,
    Network,
    NodeInfo,
    ParsedOutput,
    Peer,
    PingResult,
)
from tests.unit.diagnosis.corpus import corpus_stems, read_paste

ITEM_TYPES: dict[str, type] = {
    "peers": Peer,
    "listpeers": Peer,
    "json-peers": Peer,
    "info": NodeInfo,
    "json-info": NodeInfo,
    "listnetworks": Network,
    "json-listnetworks": Network,
    "listmoons": Moon,
    "error": CliError,
    "ping": PingResult,
}
STEMS = corpus_stems()
PASTES = {stem: read_paste(stem) for stem in STEMS}
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_well_formed(outputs: object) -> None:
    """Outputs are ParsedOutputs whose items fit their command and serialise to JSON."""
    assert isinstance(outputs, list)
    for out in outputs:
        assert isinstance(out, ParsedOutput)
        wanted = ITEM_TYPES[out.command]
        assert all(isinstance(item, wanted) for item in out.items)
        assert all(isinstance(n, int) and n >= 1 for n in out.lines)
        assert all(isinstance(w, str) for w in out.warnings)
        json.dumps(out.to_dict())


@FAST
@given(st.text(max_size=3000))
def test_random_text_never_raises(text: str) -> None:
    """Arbitrary unicode text parses without an exception."""
    assert_well_formed(parse_message(text))


@FAST
@given(st.binary(max_size=4000), st.sampled_from(["utf-8", "latin-1", "utf-16-le"]))
def test_binary_junk_never_raises(data: bytes, encoding: str) -> None:
    """Bytes decoded any which way (as an adapter might) parse without an exception."""
    assert_well_formed(parse_message(data.decode(encoding, errors="replace")))


_FRAGMENTS = st.sampled_from(
    [
        "200 peers\n",
        "200 listpeers ",
        "200 listnetworks ",
        "200 info ",
        "<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n",
        "```",
        "~~~",
        "**",
        "`",
        "{",
        "[",
        '"',
        "\r\n",
        "\t",
        "&lt;",
        "PLANET ",
        " RELAY",
        " DIRECT   ",
        "-1 ",
        "/9993;",
        "$ sudo zerotier-cli peers\n",
        "C:\\Program Files (x86)\\ZeroTier\\One>zerotier-cli ",
        "Error connecting to the ZeroTier service: ",
        "Reply from ",
        "Request timed out.\n",
        "    AUTH OK, expires in: ",
        "\x00",
        "\u201c",
        "xx.xx.xx.xxx/9993",
        "...",
    ]
)


@st.composite
def mutated_paste(draw: st.DrawFn) -> str:
    """A corpus paste with a few random cuts, insertions and duplications."""
    text = PASTES[draw(st.sampled_from(STEMS))]
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if not text:
            break
        i = draw(st.integers(min_value=0, max_value=len(text)))
        j = draw(st.integers(min_value=i, max_value=min(len(text), i + 40)))
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "junk"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(_FRAGMENTS) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i] + draw(st.text(max_size=20)) + text[j:]
    return text


@FAST
@given(mutated_paste())
def test_mutated_real_pastes_never_raise(text: str) -> None:
    """Real pastes damaged at random places still parse without an exception."""
    assert_well_formed(parse_message(text))


@FAST
@given(st.sampled_from(STEMS), st.data())
def test_paste_cut_anywhere_never_raises(stem: str, data: st.DataObject) -> None:
    """A paste cut at any character (a chat client's length limit) parses cleanly."""
    text = PASTES[stem]
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    assert_well_formed(parse_message(text[:cut]))


def test_every_paste_cut_at_every_line() -> None:
    """Each corpus paste cut after each of its lines parses cleanly."""
    for stem in STEMS:
        lines = PASTES[stem].splitlines(keepends=True)
        for n in range(len(lines) + 1):
            assert_well_formed(parse_message("".join(lines[:n])))


def test_each_paste_line_alone() -> None:
    """Every single line of the corpus, on its own, parses cleanly."""
    for stem in STEMS:
        for line in PASTES[stem].splitlines():
            assert_well_formed(parse_message(line))


def test_deep_nesting_does_not_recurse_out() -> None:
    """Pathological JSON (deep nesting, cut or not) does not blow the stack."""
    for text in ("[" * 100_000, "[" * 50_000 + "]" * 50_000, '{"a":' * 30_000):
        assert_well_formed(parse_message(text, max_chars=len(text)))


def test_non_string_input_is_tolerated() -> None:
    """A caller passing None or bytes by mistake gets an empty result, not a crash."""
    assert parse_message(None) == []  # type: ignore[arg-type]
    assert parse_message(b"200 info 1a2b3c4d5e 1.14.1 ONLINE") == []  # type: ignore[arg-type]
