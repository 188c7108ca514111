"""Screenshots and paste links end to end, on every chat platform: an image uploaded with no
words is read with OCR and diagnosed, a link to a paste site is fetched (from a loopback
stand-in) and diagnosed, and what could not be read is said in one line."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.runtime.images import ocr_missing
from tests.fakes.paste_site import paste_site
from tests.scenario.test_front_desk_table import _driver

MISSING = ocr_missing()
PLATFORMS = ["slack-http", "slack-socket", "discord"]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.skipif(MISSING is not None, reason=f"OCR not available: {MISSING}")
async def test_a_screenshot_with_no_words_is_read_and_diagnosed(
    platform: str, engine: Engine, tmp_path: Path
) -> None:
    """The reply says the output was read from an image, shows the lines, and diagnoses it."""
    from tests.fakes.screenshots import Style, available_fonts, render, sample

    if "dejavu" not in available_fonts():
        pytest.skip("fonts-dejavu is not installed")
    text = sample("info", random.Random(7))
    image = render(text, Style(font="dejavu", size=14, theme="dark"))
    async for driver in _driver(platform, engine, tmp_path, {}):
        await driver.upload("terminal.png", image)
        said = "\n".join(driver.said())
        assert "I read this output from your image with OCR" in said
        assert text.splitlines()[-1].split()[2] in said  # the node address, read back


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_picture_that_is_not_an_image_is_refused_in_one_line(
    platform: str, engine: Engine, tmp_path: Path
) -> None:
    """A text file named .png is not OCR'd or crashed on: the user hears why, in one line."""
    async for driver in _driver(platform, engine, tmp_path, {}):
        await driver.upload("shot.png", b"this is not a picture at all")
        said = "\n".join(driver.said())
        assert "I couldn't read shot.png:" in said


@pytest.mark.parametrize("platform", [*PLATFORMS, "console"])
async def test_a_paste_link_is_fetched_and_diagnosed(
    platform: str, engine: Engine, tmp_path: Path
) -> None:
    """A link to a paste site is read through its raw form and diagnosed like a paste."""
    async with paste_site() as host:
        extra = {"paste_test_host": host}
        async for driver in _driver(platform, engine, tmp_path, extra):
            await driver.say(f"my peers look odd, see http://{host}/raw/peers")
            said = "\n".join(driver.said())
            assert f"I read the paste at http://{host}/raw/peers" in said
            assert "RELAY" in said or "relay" in said


@pytest.mark.parametrize("platform", [*PLATFORMS, "console"])
async def test_a_paste_link_that_fails_says_why(
    platform: str, engine: Engine, tmp_path: Path
) -> None:
    """A link whose page is gone gets one line saying so, and the question is still answered."""
    async with paste_site() as host:
        async for driver in _driver(platform, engine, tmp_path, {"paste_test_host": host}):
            await driver.say(f"ping doesn't work on windows, log: http://{host}/raw/missing")
            said = "\n".join(driver.said())
            assert f"I couldn't read http://{host}/raw/missing:" in said
            assert "Windows" in said
