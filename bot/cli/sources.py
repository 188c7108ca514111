"""`ztbot diagnose IMAGE` and `ztbot diagnose URL`: text from a screenshot or a paste link."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.base.settings import Settings
from bot.runtime.images import is_image_upload, read_image


@dataclass(frozen=True, slots=True)
class Source:
    """Text to diagnose and where it came from, or a one-line reason it could not be read."""

    kind: str  # "image" or "link"
    text: str = ""
    note: str = ""  # printed before the diagnosis
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # added to the --json object


def is_link(name: str) -> bool:
    """True when the argument is a web address rather than a file name."""
    return name.lower().startswith(("http://", "https://"))


def read_source(name: str, settings: Settings) -> Source | None:
    """Read an image file or a paste link; None for any other argument (a text file, stdin)."""
    if is_link(name):
        return _link(name, settings)
    path = Path(name)
    if name == "-" or not path.is_file():
        return None
    with path.open("rb") as handle:
        head = handle.read(16)
    if not is_image_upload(head, path.name):
        return None
    with path.open("rb") as handle:  # one byte past the limit is enough to refuse it
        data = handle.read(settings.max_attachment_bytes + 1)
    return _image(data, path.name, settings)


def _image(data: bytes, name: str, settings: Settings) -> Source:
    result = read_image(data, name, settings)
    if not result.ok:
        return Source("image", error=result.refusal)
    note = [
        "Read from an image with OCR; check these lines (paste the text if a value is misread):",
        *(f"    {line}" for line in result.lines),
    ]
    note += [f"  check {doubt}" for doubt in result.uncertain]
    extra = {"lines": list(result.lines), "uncertain": list(result.uncertain)}
    return Source(
        "image", result.text, "\n".join(note), extra={"source": {"kind": "image", **extra}}
    )


def _link(url: str, settings: Settings) -> Source:
    # httpx (and, through it, the CLI libraries it finds) only when a link is given.
    from bot.runtime.paste_links import fetch_paste, raw_url  # noqa: PLC0415

    if raw_url(url, settings.paste_test_host) is None:
        return Source(
            "link",
            error=f"{url} is not a link to a paste site I can read (pastebin, GitHub gist, "
            "hastebin, termbin, paste.debian.net, dpaste)",
        )
    result = asyncio.run(fetch_paste(url, settings))
    if result.text is None:
        return Source("link", error=f"{url}: {result.error}")
    extra = {
        "source": {"kind": "link", "url": url, "raw_url": result.raw_url, "bytes": result.size}
    }
    return Source(
        "link", result.text, f"Read from {result.raw_url} ({result.size:,} bytes).", extra=extra
    )
