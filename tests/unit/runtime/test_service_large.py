"""A megabyte through SupportService: the question is understood from its prose, while
secrets are looked for in every character (timings are in bench/fuzz.py, not here)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.runtime.service import SupportService
from bot.store.privacy import stored_text

PRIVATE = "9c8b7a6f5e4d3c2b" * 8
IDENTITY = f"8a3f19c2d7:0:{'3f' * 64}:{PRIVATE}"
QUESTION = "how do I update zerotier on ubuntu"


@pytest.fixture
def service(engine: Engine, tmp_path: Path) -> SupportService:
    return SupportService(engine, Settings(data_dir=tmp_path, database_url=None), salt="s")


def _junk(size: int) -> str:
    return random.Random(5).randbytes(size).decode("latin-1").replace("`", "'")


def test_a_question_before_a_pasted_megabyte_is_answered_from_its_words(
    service: SupportService,
) -> None:
    """The FAQ answer a bare question gets, it also gets with a megabyte of junk pasted after."""
    alone = service.handle(Incoming(QUESTION, conversation="c1"))
    assert alone is not None
    assert alone.kind == "answer"
    pasted = service.handle(
        Incoming(f"{QUESTION}\n```\n{_junk(1_000_000)}\n```", conversation="c2")
    )
    assert pasted is not None
    assert (pasted.kind, pasted.topic) == (alone.kind, alone.topic)


def test_a_secret_at_the_end_of_a_megabyte_is_found_and_masked(service: SupportService) -> None:
    """Reading the question from the start does not shorten the secret scan."""
    text = f"{QUESTION}\n{'lorem ipsum dolor ' * 55_000}\n{IDENTITY}\n"
    assert len(text) > 990_000
    reply = service.handle(Incoming(text, conversation="c3"))
    assert reply is not None
    assert "secret-exposed" in {f.code for f in reply.findings}
    for mode in ("full", "redacted"):
        assert PRIVATE not in (stored_text(text, mode) or "")
