"""`ztbot diagnose IMAGE` and `ztbot diagnose URL`: screenshots and paste links in a terminal."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.diagnosis.findings import diagnose
from bot.knowledge import KnowledgeBase
from bot.runtime.images import ocr_missing
from tests.fakes.paste_site import paste_site

KNOWLEDGE = str(Path(__file__).resolve().parents[2] / "knowledge")
MISSING = ocr_missing()
needs_ocr = pytest.mark.skipif(MISSING is not None, reason=f"OCR not available: {MISSING}")


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--knowledge", KNOWLEDGE, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The paste-site stand-in on its own event loop thread; ZTBOT_PASTE_TEST_HOST points at it."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    hosts: list[str] = []

    async def serve() -> None:
        async with paste_site({"private": "https://paste.debian.net/plain/1"}) as host:
            hosts.append(host)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    monkeypatch.setenv("ZTBOT_PASTE_TEST_HOST", hosts[0])
    yield hosts[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def test_a_paste_link_is_fetched_and_diagnosed(
    stand_in: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["diagnose", "--json", f"http://{stand_in}/raw/peers"], capsys)
    data = json.loads(out)
    assert code == 0
    assert [f["code"] for f in data["findings"]][:1] == ["no-root-reachable"]
    assert data["source"]["kind"] == "link"
    assert data["source"]["bytes"] > 0
    code, out, _ = _run(["diagnose", f"http://{stand_in}/raw/peers"], capsys)
    assert out.startswith(f"Read from http://{stand_in}/raw/peers (")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/raw/huge", "the paste is larger than 1,000,000 bytes; paste the relevant part instead"),
        ("/raw/missing", "the paste site answered 404 (not found)"),
    ],
)
def test_a_failed_fetch_is_one_line_and_exit_2(
    stand_in: str, path: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["diagnose", f"http://{stand_in}{path}"], capsys)
    assert code == 2
    assert out == ""
    assert err == f"ztbot: http://{stand_in}{path}: {reason}\n"


def test_a_link_to_an_unknown_site_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["diagnose", "https://example.com/peers.txt"], capsys)
    assert code == 2
    assert err.startswith("ztbot: https://example.com/peers.txt is not a link to a paste site")
    assert err.count("\n") == 1


def test_a_non_image_with_an_image_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "peers.png"
    fake.write_text("200 peers\n")
    code, out, err = _run(["diagnose", str(fake)], capsys)
    assert (code, out) == (2, "")
    assert err == "ztbot: `peers.png` is not a PNG, JPEG or WebP image\n"


@needs_ocr
def test_a_screenshot_is_read_and_diagnosed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kb: KnowledgeBase
) -> None:
    from tests.fakes.screenshots import Style, render, sample

    text = sample("listnetworks", random.Random(2))
    shot = tmp_path / "Screenshot from 2024-05-01.png"
    shot.write_bytes(render(text, Style(font="dejavu", size=15, theme="dark")))
    code, out, _ = _run(["diagnose", "--json", str(shot)], capsys)
    data = json.loads(out)
    expected = [f.code for f in diagnose(text, kb.finding_text).findings]
    assert code == 0
    assert data["source"]["kind"] == "image"
    assert data["source"]["lines"][1].startswith("200 listnetworks")
    assert [f["code"] for f in data["findings"]] == expected
    code, out, _ = _run(["diagnose", str(shot)], capsys)
    assert out.startswith("Read from an image with OCR; check these lines")
