"""Compare OCR engines on rendered screenshots of real-format zerotier-cli and ping output.

Renders a seeded set of terminal screenshots (tests/fakes/screenshots.py: info, peers,
listpeers, listnetworks, CLI errors, ping; five monospace fonts, sizes, dark and light themes,
scaling, JPEG), reads each with every engine, and prints per engine: the share of facts read
right (addresses, network ids, roles, link states, node and network statuses, error kinds, ping
targets and loss), wrong facts, how often the diagnosis equals the one made from the true text,
and seconds per image. Install sizes are measured from the installed files.

Run: `.venv/bin/python bench/ocr_compare.py [--n 60] [--engines tesseract,tesseract-raw,rapidocr]`
(needs `pip install -e '.[ocr]'`, `apt-get install tesseract-ocr`, fonts-dejavu, fonts-liberation,
fonts-noto-mono, fonts-jetbrains-mono, fonts-inconsolata; `pip install rapidocr-onnxruntime` for
the comparison).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import REPO
from bot.diagnosis import parse_message
from bot.diagnosis.findings import diagnose
from bot.diagnosis.ocr_fix import fix_ocr_text
from bot.knowledge import load_knowledge
from tests.fakes.screenshots import (
    KINDS,
    THEMES,
    Style,
    available_fonts,
    facts,
    render,
    sample,
)

# The main set: what chat screenshots usually are (13-18 px text at 1x, or a HiDPI 2x capture,
# PNG or a light JPEG). The hard set: small text, shrunk, heavy JPEG, reported apart.
TIERS = {
    "main": ((13, 14, 15, 16, 18), (1.0, 1.0, 1.25, 1.5, 2.0), (None, None, 90, 80)),
    "hard": ((11, 12, 13), (0.8, 0.9, 1.0), (70, 60)),
}

Engine = Callable[[bytes], str]


def build_set(n: int, seed: int, tier: str = "main") -> list[tuple[str, str, Style]]:
    """`n` (kind, true text, style) triples, every kind and font used in turn."""
    rnd = random.Random(seed)
    sizes, scales, jpegs = TIERS[tier]
    fonts = sorted(available_fonts())
    themes = sorted(THEMES)
    out = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        style = Style(
            font=fonts[(i // len(KINDS)) % len(fonts)],
            size=rnd.choice(sizes),
            theme=themes[(i // len(KINDS) // len(fonts) + i) % len(themes)],
            scale=rnd.choice(scales),
            jpeg=rnd.choice(jpegs),
        )
        out.append((kind, sample(kind, rnd), style))
    return out


# --- engines ---------------------------------------------------------------------------------


def tesseract_raw(data: bytes) -> str:
    """Tesseract on the prepared image, text as read."""
    import pytesseract  # noqa: PLC0415  (each engine is optional)
    from PIL import Image  # noqa: PLC0415

    from bot.runtime.images import TESSERACT_CONFIG, prepare  # noqa: PLC0415

    image = Image.open(io.BytesIO(data))
    text: str = pytesseract.image_to_string(prepare(image), lang="eng", config=TESSERACT_CONFIG)
    return text


def tesseract(data: bytes) -> str:
    """Tesseract, then the format-aware repair (what ztbot ships)."""
    return fix_ocr_text(tesseract_raw(data)).text


_RAPID: list[object] = []


def rapidocr_raw(data: bytes) -> str:
    """RapidOCR (ONNX Runtime); its boxes are put back into lines by their vertical centre."""
    if not _RAPID:
        from rapidocr_onnxruntime import RapidOCR  # noqa: PLC0415

        _RAPID.append(RapidOCR())
    engine = _RAPID[0]
    result, _ = engine(data)  # type: ignore[operator]
    boxes = []
    for box, text, _conf in result or []:
        ys = [p[1] for p in box]
        boxes.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), box[0][0], text))
    boxes.sort()
    lines: list[list[tuple[float, str]]] = []
    centre = -1e9
    for mid, height, x, text in boxes:
        if not lines or abs(mid - centre) > height / 2:
            lines.append([])
            centre = mid
        lines[-1].append((x, text))
    return "\n".join(" ".join(t for _, t in sorted(line)) for line in lines)


def rapidocr(data: bytes) -> str:
    """RapidOCR, then the same format-aware repair."""
    return fix_ocr_text(rapidocr_raw(data)).text


ENGINES: dict[str, Engine] = {
    "tesseract": tesseract,
    "tesseract-raw": tesseract_raw,
    "rapidocr": rapidocr,
    "rapidocr-raw": rapidocr_raw,
}


# --- install size ----------------------------------------------------------------------------


def _du(paths: list[Path]) -> int:
    return sum(f.stat().st_size for p in paths if p.exists() for f in p.rglob("*") if f.is_file())


def install_sizes() -> dict[str, float]:
    """MB on disk: the Python packages each engine needs, plus Tesseract's Debian packages."""
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    rapid = ["rapidocr_onnxruntime", "onnxruntime", "cv2", "numpy", "numpy.libs", "shapely",
             "shapely.libs", "pyclipper", "opencv_python.libs"]  # fmt: skip
    tess = ["pytesseract", "PIL", "pillow.libs"]
    sizes = {
        "rapidocr": _du([site / p for p in rapid]) / 1e6,
        "tesseract": _du([site / p for p in tess]) / 1e6,
    }
    debs = ["tesseract-ocr", "tesseract-ocr-eng", "tesseract-ocr-osd", "libtesseract5", "liblept5"]
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Installed-Size}\\n", *debs],
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        sizes["tesseract"] += sum(int(x) for x in out.split() if x.isdigit()) / 1e3
    except OSError:
        pass
    return sizes


# --- run -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60, help="images (default 60)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--tier", choices=sorted(TIERS), default="main")
    parser.add_argument("--engines", default="tesseract,tesseract-raw,rapidocr")
    parser.add_argument("--save", type=Path, help="write the images and texts here")
    parser.add_argument("--show-misses", action="store_true", help="print the facts missed")
    args = parser.parse_args()

    catalog = load_knowledge(REPO / "knowledge").finding_text
    images = build_set(args.n, args.seed, args.tier)
    rendered = [render(text, style) for _kind, text, style in images]
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for i, ((kind, text, style), data) in enumerate(zip(images, rendered, strict=True)):
            ext = "jpg" if style.jpeg else "png"
            (args.save / f"{i:03d}-{kind}.{ext}").write_bytes(data)
            (args.save / f"{i:03d}-{kind}.txt").write_text(f"{style.label}\n{text}\n")
    truths = [facts(parse_message(text)) for _k, text, _s in images]
    codes = [sorted(f.code for f in diagnose(text, catalog).findings) for _k, text, _s in images]

    names = args.engines.split(",")
    fonts = ", ".join(sorted(available_fonts()))
    print(f"{len(images)} {args.tier} images, kinds {', '.join(KINDS)}; fonts {fonts}")
    print(f"{'engine':<15} {'facts right':>11} {'wrong':>6} {'diagnosis =':>11} "
          f"{'s/image p50':>11} {'p90':>6} {'max':>6}")  # fmt: skip
    by_kind: dict[str, dict[str, list[float]]] = {}
    for name in names:
        engine = ENGINES[name]
        engine(rendered[0])  # load models before timing
        right = total = wrong = same = 0
        seconds: list[float] = []
        kinds: dict[str, list[float]] = {}
        for (kind, _text, style), data, truth, code in zip(
            images, rendered, truths, codes, strict=True
        ):
            start = time.perf_counter()
            read = engine(data)
            seconds.append(time.perf_counter() - start)
            got = facts(parse_message(read))
            hit = sum((truth & got).values())
            right += hit
            total += sum(truth.values())
            wrong += sum((got - truth).values())
            match = sorted(f.code for f in diagnose(read, catalog).findings) == code
            same += match
            if truth:  # some error messages carry no fact to count
                kinds.setdefault(kind, []).append(hit / sum(truth.values()))
            if args.show_misses and (truth - got or not match):
                print(f"  {name} {style.label} {kind}: missed {sorted(truth - got)}")
                print("    " + read.replace("\n", "\n    "))
        by_kind[name] = kinds
        q = statistics.quantiles(seconds, n=10)
        p50 = statistics.median(seconds)
        print(f"{name:<15} {right / total:>11.3f} {wrong:>6} {same / len(images):>11.3f} "
              f"{p50:>11.2f} {q[-1]:>6.2f} {max(seconds):>6.2f}")  # fmt: skip
    print("\nfacts right by kind")
    print(f"{'engine':<15} " + " ".join(f"{k:>12}" for k in KINDS))
    for name, kinds in by_kind.items():
        print(f"{name:<15} " + " ".join(f"{statistics.mean(kinds[k]):>12.3f}" for k in KINDS))
    print("\ninstall size (MB on disk)")
    for name, mb in install_sizes().items():
        print(f"{name:<15} {mb:>8.1f}")


if __name__ == "__main__":
    main()
