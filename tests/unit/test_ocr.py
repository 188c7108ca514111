"""Screenshots end to end: rendered terminal output is read, repaired and diagnosed like text.

Needs the OCR extra (`pip install -e '.[ocr]'`, the tesseract program and fonts-dejavu); skipped
with the reason where it is missing. A handful of small images keeps it quick; the full
comparison over fonts, sizes, themes and JPEG is bench/ocr_compare.py.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.base.settings import Settings
from bot.diagnosis import parse_message
from bot.diagnosis.findings import diagnose
from bot.knowledge import KnowledgeBase
from bot.runtime.images import ocr_missing, read_image, read_image_async

MISSING = ocr_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"OCR not available: {MISSING}")

if MISSING is None:
    from tests.fakes.screenshots import KINDS, Style, available_fonts, facts, render, sample
else:  # pragma: no cover - the module is skipped
    KINDS = ()


def _shot(kind: str, seed: int, theme: str) -> tuple[str, bytes]:
    if "dejavu" not in available_fonts():
        pytest.skip("fonts-dejavu is not installed")
    text = sample(kind, random.Random(seed))
    return text, render(text, Style(font="dejavu", size=14, theme=theme))


@pytest.mark.parametrize("kind", KINDS)
def test_a_screenshot_reads_and_diagnoses_like_its_text(kind: str, kb: KnowledgeBase) -> None:
    theme = "dark" if KINDS.index(kind) % 2 else "light"
    text, image = _shot(kind, 19, theme)
    result = read_image(image, f"{kind}.png", Settings())
    assert result.ok, result.refusal
    assert facts(parse_message(result.text)) == facts(parse_message(text))
    expected = [f.code for f in diagnose(text, kb.finding_text).findings]
    assert [f.code for f in diagnose(result.text, kb.finding_text).findings] == expected
    assert result.lines == tuple(result.text.splitlines())


def test_a_jpeg_screenshot_is_read() -> None:
    if "liberation" not in available_fonts():
        pytest.skip("fonts-liberation is not installed")
    text = sample("info", random.Random(4))
    image = render(text, Style(font="liberation", size=16, theme="solarized", jpeg=85))
    result = read_image(image, "info.jpg", Settings())
    assert facts(parse_message(result.text)) == facts(parse_message(text))


def test_ocr_runs_off_the_event_loop() -> None:
    _text, image = _shot("peers", 3, "dark")

    async def run() -> tuple[int, str]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        result = await read_image_async(image, "peers.png", Settings())
        ticker.cancel()
        return ticks, result.status

    ticks, status = asyncio.run(run())
    assert status == "read"
    assert ticks > 5  # the loop kept running while Tesseract worked


def test_ocr_that_takes_too_long_is_stopped() -> None:
    _text, image = _shot("peers", 3, "light")
    result = read_image(image, "peers.png", Settings(ocr_timeout_s=0.05))
    assert result.status == "failed"
    assert result.refusal is not None
    assert "reading the image took too long" in result.refusal
