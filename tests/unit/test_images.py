"""Image intake: what counts as an image, refusals with a one-line reason, and no-OCR replies.

The tests that decode images need the OCR extra (`pip install -e '.[ocr]'` and the tesseract
program); they are skipped, with the reason, only where it is not installed.
"""

from __future__ import annotations

import random
import struct
import zlib

import pytest

from bot.base.settings import Settings
from bot.runtime import images
from bot.runtime.images import ImageText, image_preface, is_image_upload, read_image, sniff_image

MISSING = images.ocr_missing()
needs_ocr = pytest.mark.skipif(MISSING is not None, reason=f"OCR not available: {MISSING}")


def _png(width: int, height: int, rows: bytes | None = None) -> bytes:
    """A valid greyscale PNG; its header may claim more pixels than its data holds."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = (
        rows if rows is not None else b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"GIF89a", None),
        (b"200 peers\n", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"", None),
    ],
)
def test_images_are_told_by_their_first_bytes(data: bytes, kind: str | None) -> None:
    assert sniff_image(data) == kind


@pytest.mark.parametrize(
    ("data", "name", "image"),
    [
        (b"\x89PNG\r\n\x1a\n", "peers.txt", True),
        (b"200 peers", "Screenshot 2024-05-01.PNG", True),
        (b"200 peers", "peers.txt", False),
    ],
)
def test_uploads_are_routed_by_content_or_name(data: bytes, name: str, image: bool) -> None:
    assert is_image_upload(data, name) is image


def test_a_non_image_with_an_image_name_is_refused() -> None:
    result = read_image(b"200 peers\n62f865ae71 - PLANET -1 RELAY\n", "shot.png", Settings())
    assert result.status == "refused"
    assert result.refusal == "`shot.png` is not a PNG, JPEG or WebP image"


def test_without_the_extra_the_user_is_asked_to_paste_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(images, "ocr_missing", lambda: "the OCR extra is not installed")
    result = read_image(_png(4, 4), "shot.png", Settings())
    assert result.status == "unavailable" and not result.ok
    assert result.refusal is not None
    assert "paste the text of the output instead" in result.refusal


def test_a_file_over_the_attachment_limit_is_refused() -> None:
    rnd = random.Random(3)
    noisy = _png(64, 64, rows=b"".join(b"\x00" + rnd.randbytes(64) for _ in range(64)))
    result = read_image(noisy, "big.png", Settings(max_attachment_bytes=1000))
    assert result.status == "refused"
    assert result.refusal is not None and "larger than 1,000 bytes" in result.refusal


@needs_ocr
def test_a_100_megapixel_image_is_refused_before_decoding() -> None:
    # The header claims 10000x10000; the data is tiny. Nothing is decoded.
    bomb = _png(10_000, 10_000, rows=b"\x00")
    result = read_image(bomb, "bomb.png", Settings())
    assert result.status == "refused"
    assert result.refusal == (
        "`bomb.png`: the image is 10000x10000 pixels, over the 40-megapixel limit"
    )


@needs_ocr
def test_a_truncated_png_is_refused() -> None:
    rnd = random.Random(7)
    whole = _png(300, 200, rows=b"".join(b"\x00" + rnd.randbytes(300) for _ in range(200)))
    result = read_image(whole[: len(whole) // 2], "cut.png", Settings())
    assert result.status == "refused"
    assert result.refusal is not None
    assert result.refusal == "`cut.png`: the image file is cut off"


@needs_ocr
def test_garbage_after_a_png_signature_is_refused() -> None:
    result = read_image(b"\x89PNG\r\n\x1a\n" + b"nonsense" * 10, "x.png", Settings())
    assert result.status == "refused"
    assert result.refusal is not None
    assert result.refusal.startswith("`x.png`: the image file is damaged")


def test_the_preface_says_it_was_read_from_an_image_and_shows_the_lines() -> None:
    result = ImageText(
        "read",
        text="200 info 62f865ae71 1.14.1 ONLINE",
        lines=("$ zerotier-cli info", "200 info 62f865ae71 1.14.1 ONLINE"),
        uncertain=("line 2: `62f865ae71` (ZeroTier address): `B` read as `8` (or `b`)",),
    )
    text = image_preface(result)
    assert text.startswith("I read this output from your image with OCR")
    assert "```\n$ zerotier-cli info\n200 info 62f865ae71 1.14.1 ONLINE\n```" in text
    assert text.endswith(
        "Please check: line 2: `62f865ae71` (ZeroTier address): `B` read as `8` (or `b`)."
    )


def test_the_file_name_in_a_refusal_stays_one_short_line() -> None:
    result = read_image(b"not an image", "a`b\nc" + "x" * 200 + ".png", Settings())
    assert result.refusal is not None
    assert "\n" not in result.refusal and "`b" not in result.refusal
    assert len(result.refusal) < 140


def test_the_preface_masks_secrets_it_repeats() -> None:
    token = "abcdefghijklmnopqrstuvwx"
    lines = ("$ cat /var/lib/zerotier-one/authtoken.secret", token)
    text = image_preface(ImageText("read", text="\n".join(lines), lines=lines))
    assert token not in text
