"""Parser for `zerotier-cli listmoons` (1.2.0+), which always prints a JSON array.

Each moon has an `id` (16 hex), `roots` (`identity` = `<addr>:0:<public key>`, plus
`stableEndpoints`), a `timestamp` and `waiting`. `[]` means no moon is loaded (also right after
`orbit`, before the moon's definition was fetched).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.diagnosis.model import Moon, MoonRoot, ParsedOutput
from bot.diagnosis.parsers._common import read_address
from bot.diagnosis.parsers._json import load_lenient


def parse(lines: Sequence[str], numbers: Sequence[int] | None = None) -> ParsedOutput:
    """Parse a `listmoons` JSON array into moons."""
    nums = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    first = nums[0] if nums else None
    loaded = load_lenient("\n".join(lines))
    if loaded is None:
        return ParsedOutput(
            command="listmoons",
            lines=tuple(nums),
            warnings=(f"line {first}: listmoons output is not readable JSON",),
        )
    value, repaired = loaded
    moons = moons_from_json(value, first)
    warnings = [f"line {first}: JSON cut off; kept what parsed"] if repaired else []
    warnings.extend(f"line {m.line}: {m.id}: {', '.join(m.flags)}" for m in moons if m.flags)
    return ParsedOutput(
        command="listmoons", items=tuple(moons), lines=tuple(nums), warnings=tuple(warnings)
    )


def moons_from_json(value: Any, line: int | None = None) -> list[Moon]:
    """Build moons from the parsed `listmoons` array (or a single moon object)."""
    elements = value if isinstance(value, list) else [value]
    moons: list[Moon] = []
    for d in elements:
        if not isinstance(d, dict):
            continue
        raw_id = d.get("id")
        moon_id, flags = read_address(raw_id if isinstance(raw_id, str) else "", 16)
        roots: list[MoonRoot] = []
        raw_roots = d.get("roots")
        for r in raw_roots if isinstance(raw_roots, list) else []:
            if not isinstance(r, dict):
                continue
            identity = r.get("identity")
            addr = identity.split(":", 1)[0] if isinstance(identity, str) else ""
            endpoints = r.get("stableEndpoints")
            roots.append(
                MoonRoot(
                    address=read_address(addr)[0],
                    stable_endpoints=tuple(e for e in endpoints if isinstance(e, str))
                    if isinstance(endpoints, list)
                    else (),
                )
            )
        timestamp = d.get("timestamp")
        waiting = d.get("waiting")
        moons.append(
            Moon(
                id=moon_id,
                roots=tuple(roots),
                timestamp=timestamp if isinstance(timestamp, int) else None,
                waiting=waiting if isinstance(waiting, bool) else None,
                line=line,
                flags=flags + (() if raw_roots is not None else ("truncated",)),
            )
        )
    return moons
