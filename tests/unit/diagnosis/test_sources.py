"""Evidence counts lines where the user counts them: in the paste or the file they gave."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.engine import Engine
from bot.core.models import Attachment, Incoming
from bot.diagnosis.sources import combine

LISTNETWORKS = (
    "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"
    "200 listnetworks 8056c2e21c000001  0a:1b:2c:3d:4e:5f NOT_FOUND PRIVATE ztabcdef -\n"
)


@pytest.mark.parametrize(
    ("text", "files", "expected"),
    [
        ("hi\nmy network fails\nsee the file", [("out.log", LISTNETWORKS)], "(out.log line 2)"),
        (f"hi\nmy network fails\n```\n{LISTNETWORKS}```", [], "(line 2 of the paste)"),
        (
            f"before:\n```\n200 info 1 2 ONLINE\n```\nafter:\n```\n{LISTNETWORKS}```",
            [],
            "(line 2 of the paste 2)",
        ),
        (f"my network fails\n{LISTNETWORKS}", [], "(line 3)"),  # no fence: the message's lines
        (f"```\n{LISTNETWORKS}", [], "(line 2 of the paste)"),  # a fence left open
    ],
)
def test_evidence_lines_are_counted_in_their_paste_or_file(
    engine: Engine, text: str, files: list[tuple[str, str]], expected: str
) -> None:
    """The NOT_FOUND row is named by its line in the paste or file, not in the whole message."""
    attachments = tuple(Attachment(name, body) for name, body in files)
    reply = engine.respond(Incoming(text, attachments=attachments))
    evidence = [e for f in reply.findings if f.code == "network-not-found" for e in f.evidence]
    assert evidence and evidence[0].endswith(expected), evidence


@given(
    text=st.text(alphabet="ab`\n ", max_size=60),
    files=st.lists(
        st.tuples(st.text("xyz.", min_size=1, max_size=5), st.text("ab\n", max_size=30))
    ),
)
def test_every_line_of_every_part_is_labelled_within_it(
    text: str, files: list[tuple[str, str]]
) -> None:
    """Each part's lines are numbered from 1, within the part, and parts lie in the text."""
    sources = combine(text, files)
    total = sources.text.count("\n") + 1
    for part in sources.parts:
        assert 1 <= part.first <= part.last + 1 and part.last <= total
        if part.first <= part.last:
            assert "line 1" in sources.label(part.first)
    for name, body in files:
        assert f"```\n{body.rstrip(chr(10))}\n```" in sources.text
        del name
