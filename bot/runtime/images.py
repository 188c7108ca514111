"""Read zerotier-cli output from a screenshot: check the image, OCR it, repair the text.

`read_image(data, filename, settings)` never raises: it returns the text read (repaired where the
CLI formats make a character certain, see bot.diagnosis.ocr_fix), the lines to show the user,
the values that may still be misread, or a one-line reason for not reading the image. OCR is the
optional extra `ztbot[ocr]` (Pillow, pytesseract and the `tesseract-ocr` program, chosen by
measurement: docs/ocr.md). Tesseract runs as a child process that is killed at the time limit;
`read_image_async` keeps the blocking work off the event loop.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import logging
import shutil
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from bot.base.secrets import mask_secrets
from bot.base.settings import Settings
from bot.diagnosis.ocr_fix import fix_ocr_text

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

IMAGE_SUFFIXES: Final = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic")
PASTE_INSTEAD: Final = "please paste the text of the output instead (copy it from the terminal)"
# Tesseract reads best when a line of text is about this tall (measured: docs/ocr.md).
TEXT_HEIGHT: Final = 36
MAX_SIDE: Final = 8000  # pixels; upscaling stops here
# One uniform block of text. (A character whitelist loses the spaces between columns.)
TESSERACT_CONFIG: Final = "--psm 6"
Status = Literal["read", "unavailable", "refused", "failed"]


@dataclass(frozen=True, slots=True)
class ImageText:
    """What was read from one image, or why it was not read (`refusal`, one line)."""

    status: Status
    text: str = ""
    lines: tuple[str, ...] = ()
    uncertain: tuple[str, ...] = ()
    refusal: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when text was read and can be diagnosed."""
        return self.status == "read"


def sniff_image(data: bytes) -> str | None:
    """'png', 'jpeg' or 'webp' from the file's first bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def is_image_upload(data: bytes, filename: str) -> bool:
    """True when an attachment is (or claims to be) an image: route it to read_image."""
    return sniff_image(data) is not None or filename.lower().endswith(IMAGE_SUFFIXES)


def ocr_missing() -> str | None:
    """Why OCR cannot run here (extra or program not installed), or None when it can."""
    for module in ("PIL", "pytesseract"):
        if importlib.util.find_spec(module) is None:
            return f"the OCR extra is not installed (no {module}; pip install 'ztbot[ocr]')"
    if shutil.which("tesseract") is None:
        return "the tesseract program is not installed (apt-get install tesseract-ocr)"
    return None


def read_image(data: bytes, filename: str, settings: Settings) -> ImageText:
    """OCR a screenshot of terminal output and repair the text; blocking, bounded in time."""
    started = time.monotonic()
    kind = sniff_image(data)
    if kind is None:
        return _refuse(f"{_name(filename)} is not a PNG, JPEG or WebP image")
    if len(data) > settings.max_attachment_bytes:
        return _refuse(
            f"{_name(filename)} is larger than {settings.max_attachment_bytes:,} bytes; "
            f"{PASTE_INSTEAD}"
        )
    missing = ocr_missing()
    if missing is not None:
        log.info("image not read: %s", missing)
        return ImageText("unavailable", refusal=f"I can't read images here yet: {PASTE_INSTEAD}")
    try:
        image = _decode(data, kind, settings.ocr_max_pixels)
    except _Refused as exc:
        return _refuse(f"{_name(filename)}: {exc}")
    remaining = settings.ocr_timeout_s - (time.monotonic() - started)
    try:
        raw = _tesseract(image, remaining)
    except _Refused as exc:
        log.warning("OCR failed on a %dx%d image: %s", image.width, image.height, exc)
        return ImageText("failed", refusal=f"{_name(filename)}: {exc}; {PASTE_INSTEAD}")
    fixed = fix_ocr_text(raw)
    seconds = time.monotonic() - started
    log.info(
        "OCR read %d lines from a %dx%d %s in %.2fs", len(fixed.lines), *image.size, kind, seconds
    )
    if not fixed.lines:
        return ImageText(
            "failed",
            refusal=f"I found no text in {_name(filename)}; {PASTE_INSTEAD}",
            seconds=seconds,
        )
    doubts = tuple(d.describe() for d in fixed.doubts)
    return ImageText("read", fixed.text, fixed.lines, doubts, seconds=seconds)


async def read_image_async(data: bytes, filename: str, settings: Settings) -> ImageText:
    """read_image in a worker thread, so a slow OCR never blocks the event loop."""
    return await asyncio.to_thread(read_image, data, filename, settings)


def image_preface(result: ImageText, max_lines: int = 40) -> str:
    """The note a reply starts with: read from an image, the lines read, what to check."""
    shown = list(result.lines[:max_lines])
    if len(result.lines) > max_lines:
        shown.append(f"... ({len(result.lines) - max_lines} more lines)")
    body = mask_secrets("\n".join(shown))  # the lines are repeated in public
    text = (
        "I read this output from your image with OCR, so a character may be misread. "
        f"The lines I read:\n```\n{body}\n```"
    )
    if result.uncertain:
        text += "\nPlease check: " + "; ".join(result.uncertain[:8]) + "."
    return text


class _Refused(Exception):
    """An image that is not read, with the one-line reason."""


def _refuse(reason: str) -> ImageText:
    log.info("image refused: %s", reason)
    return ImageText("refused", refusal=reason)


def _name(filename: str) -> str:
    # The name is the user's: one line, no backticks to break the reply's formatting, short.
    name = " ".join(filename.replace("`", "'").split())
    name = name if len(name) <= 80 else name[:77] + "..."
    return f"`{name}`" if name else "the image"


def _decode(data: bytes, kind: str, max_pixels: int) -> Image.Image:
    """Open and fully decode the image, refusing bombs and damaged files before OCR sees them."""
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415  (the optional extra)

    try:
        with warnings.catch_warnings():
            # Pillow warns above its own pixel limit; the explicit check below refuses instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind.upper()])
        # The header gives the size: refuse a decompression bomb before decoding a pixel.
        width, height = image.size
        if width * height > max_pixels:
            raise _Refused(
                f"the image is {width}x{height} pixels, over the "
                f"{max_pixels / 1e6:g}-megapixel limit"
            )
        image.load()
    except _Refused:
        raise
    except Image.DecompressionBombError:
        raise _Refused("the image is too large to decode") from None
    except UnidentifiedImageError:
        raise _Refused(f"the file is not a readable {kind.upper()} image") from None
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt data
        what = "cut off" if "truncated" in str(exc) else f"damaged ({exc})"
        raise _Refused(f"the image file is {what}") from None
    return image


def prepare(image: Image.Image) -> Image.Image:
    """Grey, dark text on light, and large enough letters: what Tesseract reads best."""
    from PIL import Image, ImageOps, ImageStat  # noqa: PLC0415

    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        background.alpha_composite(image)
        image = background
    gray = ImageOps.grayscale(image)
    # Terminals are often light-on-dark; Tesseract is trained on dark-on-light.
    if ImageStat.Stat(gray).median[0] < 128:
        gray = ImageOps.invert(gray)
    gray = ImageOps.autocontrast(gray)
    factor = TEXT_HEIGHT / _text_height(gray)
    if not 0.8 < factor < 1.25:  # only resize when it makes a difference
        factor = min(factor, 4.0, MAX_SIDE / max(gray.size))
        size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
        gray = gray.resize(size, Image.Resampling.LANCZOS)
    return gray


def _text_height(gray: Image.Image) -> float:
    """The median height in pixels of the image's text lines (dark text, light background)."""
    from PIL import Image  # noqa: PLC0415

    # Row means of the inked pixels: a text line is a run of rows with some ink.
    ink = gray.point(lambda p: 255 if p < 128 else 0).resize((1, gray.height), Image.Resampling.BOX)
    rows = [v > 2 for v in ink.convert("L").tobytes()]
    runs: list[int] = []
    length = 0
    for inked in [*rows, False]:
        if inked:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    runs = [r for r in runs if r >= 3]  # underlines and noise
    return float(sorted(runs)[len(runs) // 2]) if runs else float(TEXT_HEIGHT)


def _tesseract(image: Image.Image, seconds: float) -> str:
    """Run Tesseract on the prepared image; the child process is killed after `seconds`."""
    import pytesseract  # noqa: PLC0415

    if seconds <= 0:
        raise _Refused("reading the image took too long")
    try:
        text: str = pytesseract.image_to_string(
            prepare(image), lang="eng", config=TESSERACT_CONFIG, timeout=seconds
        )
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise _Refused("reading the image took too long") from None
        raise _Refused(f"OCR failed ({exc})") from None
    except (OSError, pytesseract.TesseractError) as exc:
        raise _Refused(f"OCR failed ({exc})") from None
    return text
