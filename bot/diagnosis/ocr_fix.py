"""Repair text read by OCR from a terminal screenshot, using what the CLI formats allow.

OCR confuses look-alike characters (O/0, l/1, I/1, S/5, B/8, Z/2). Where a field's format makes
the answer certain (a ZeroTier address is 10 lowercase hex digits, a network id 16, a latency is
an integer, a role is LEAF, PLANET or MOON), the character is corrected. Where two readings stay
possible (an upper-case B in an address may be `8` or `b`), the likelier one is kept and the
value is named as uncertain so the reply can ask the user to check it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz, process

from bot.diagnosis.model import NETWORK_STATUSES

ROLES: Final = ("LEAF", "PLANET", "MOON")
LINKS: Final = ("DIRECT", "RELAY")
NODE_STATES: Final = ("ONLINE", "OFFLINE", "TUNNELED")
NET_TYPES: Final = ("PRIVATE", "PUBLIC")
NET_STATUSES: Final = tuple(sorted(NETWORK_STATUSES))
HTTP_CODES: Final = frozenset({"400", "401", "403", "404", "405", "500", "503"})
COMMANDS: Final = ("info", "peers", "listpeers", "listnetworks", "listmoons")

# In a lowercase-hex field every character below can only have been one thing.
_HEX_ONE: Final = {
    "O": "0", "o": "0", "Q": "0", "I": "1", "l": "1", "i": "1", "|": "1", "!": "1",
    "L": "1", "S": "5", "s": "5", "Z": "2", "z": "2", "g": "9", "q": "9", "G": "6",
    "A": "a", "C": "c", "E": "e", "F": "f", "@": "0", "®": "0", "©": "0", "/": "7",
    "$": "5", "§": "5", "?": "9",
}  # fmt: skip
# ... and these two ways; the first is the usual OCR slip, so it is kept, but flagged.
_HEX_TWO: Final = {"B": "8b", "D": "0d", "t": "f7", "T": "7f"}
# In a number, every look-alike has one reading.
_DIGIT: Final = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "Q": "0", "@": "0", "®": "0", "©": "0", "I": "1", "l": "1",
     "i": "1", "|": "1", "!": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "g": "9",
     "q": "9"}
)  # fmt: skip
# In an upper-case word (a role, a state), digits were letters.
_LETTER: Final = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})
_PUNCT: Final = str.maketrans(
    {"（": "(", "）": ")", "—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
     "：": ":", "，": ",", "；": ";", "\u00a0": " "}
)  # fmt: skip

_HEXISH: Final = re.compile(r"[0-9a-fA-FOoQIlLiSsZzgqGBDtT|!@®©/$§?]+")
_NOISE: Final = re.compile(r"[€¢£¥`'\"~^*°,]")
_DOUBLED: Final = re.compile(r"[Oo]0|0[Oo]|S5|5S|[lI]1|1[lI]|B8|8B")
_PING_COUNTS: Final = re.compile(r"transmitted|received|Sent =|Received =|Lost =", re.IGNORECASE)
_NUMISH: Final = re.compile(r"-?[0-9OoDQ@®©Ili|!SsBZzgq]+")
_DOTTED: Final = re.compile(r"[0-9OoDQIli|SsBZzgq]{1,3}(?:\.[0-9OoDQIli|SsBZzgq]{1,3}){3}")
_ENDPOINT: Final = re.compile(r"^(.*?)/([0-9OoDQIli|SsBZzgq]{1,5})$")
_STATUS_JOIN: Final = re.compile(
    r"\b(ACCESS|NOT|PORT|CLIENT[ _.-]TOO|REQUESTING|AUTHENTICATION)[ .-]"
    r"(DENIED|FOUND|ERROR|OLD|CONFIGURATION|REQUIRED)\b"
)
_MAC: Final = re.compile(r"[0-9a-zA-Z]{2}(?:[:;.][0-9a-zA-Z]{2}){5}")


@dataclass(frozen=True, slots=True)
class Doubt:
    """A value that may still be misread, on 1-based line `line`."""

    line: int
    value: str
    reason: str

    def describe(self) -> str:
        """'line 3: `62fB65ae71` ...' for the reply."""
        return f"line {self.line}: `{self.value}` {self.reason}"


@dataclass(frozen=True, slots=True)
class OcrFix:
    """The repaired text, its lines, what was changed and what stays uncertain."""

    text: str
    lines: tuple[str, ...]
    changes: tuple[tuple[str, str], ...]
    doubts: tuple[Doubt, ...]


@dataclass(slots=True)
class _Line:
    number: int
    changes: list[tuple[str, str]]
    doubts: list[Doubt]

    def note(self, before: str, after: str) -> str:
        if before != after:
            self.changes.append((before, after))
        return after

    def doubt(self, value: str, reason: str) -> None:
        self.doubts.append(Doubt(self.number, value, reason))


def fix_ocr_text(text: str) -> OcrFix:
    """Repair OCR'd terminal text where the zerotier-cli formats make the reading certain."""
    out: list[str] = []
    changes: list[tuple[str, str]] = []
    doubts: list[Doubt] = []
    for raw in text.translate(_PUNCT).splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue  # OCR engines put blank lines between text lines; tables must stay whole
        ctx = _Line(len(out) + 1, changes, doubts)
        out.append(_fix_line(line, ctx))
    return OcrFix("\n".join(out), tuple(out), tuple(changes), tuple(doubts))


def _fix_line(line: str, ctx: _Line) -> str:
    tokens = line.split()
    head = _status_head(tokens, ctx)
    if head is not None:
        code, command = head
        rest = tokens[2:]
        if code == "200" and command == "info":
            return " ".join([code, command, *_info(rest, ctx)])
        if code == "200" and command == "listpeers" and not _is_header(rest):
            return " ".join([code, command, *_listpeers(rest, ctx)])
        if code == "200" and command == "listnetworks" and not _is_header(rest):
            return " ".join([code, command, *_listnetworks(rest, ctx)])
        return " ".join([code, command, *rest])
    if _is_header(tokens):
        return line
    row = _peers_row(tokens, ctx)
    return row if row is not None else _fix_numbers_in_prose(line, ctx)


def _is_header(tokens: Sequence[str]) -> bool:
    return bool(tokens) and tokens[0].startswith("<")


def _status_head(tokens: Sequence[str], ctx: _Line) -> tuple[str, str] | None:
    """'2OO Iistpeers' -> ('200', 'listpeers'); None when the line is not a reply line."""
    if len(tokens) < 2 or len(tokens[0]) not in (3, 4):
        return None
    code = tokens[0].translate(_DIGIT)
    if not code.isdigit() or code[0] not in "2345":
        return None
    word = tokens[1].lower().replace("1", "l").replace("|", "l")
    command = word if word in COMMANDS else None
    if command is None and code[0] == "2":
        best = process.extractOne(word, COMMANDS, scorer=fuzz.ratio, score_cutoff=75)
        command = best[0] if best is not None else None
    if command is not None and (len(tokens) > 3 or command == "peers") and code[0] == "2":
        # A listing is only ever printed after 200 (an error's body is `{}` or empty).
        code = "200"
    if command is None:
        if code[0] == "2" or len(code) != 3:
            return None
        # An HTTP error echoes the command as typed; the service answers few codes, and an
        # 8 in place of a 0 is the usual slip (`481` is `401`).
        if code not in HTTP_CODES and code.replace("8", "0") in HTTP_CODES:
            ctx.doubt(code.replace("8", "0"), f"(HTTP status) was read as `{tokens[0]}`")
            code = code.replace("8", "0")
        return ctx.note(tokens[0], code), tokens[1]
    ctx.note(tokens[0], code)
    return code, ctx.note(tokens[1], command)


def _trim(token: str, width: int) -> tuple[str, bool]:
    """Drop what OCR adds to a hex value: specks that are never digits, a doubled look-alike."""
    if len(token) <= width:
        return token, False
    doubled = False
    cleaned = _NOISE.sub("", token)
    if len(cleaned) > width:
        cleaned = cleaned.rstrip("?.,:;")
    if len(cleaned) == width + 1:
        pair = _DOUBLED.search(cleaned)
        if pair is not None:  # `cafeO04eba9`: one character read twice, as a letter and a digit
            digit = pair.group(0)[1] if pair.group(0)[1].isdigit() else pair.group(0)[0]
            cleaned = cleaned[: pair.start()] + digit + cleaned[pair.end() :]
            doubled = True
    return (cleaned, doubled) if len(cleaned) == width else (token, False)


def _hex(token: str, width: int, ctx: _Line, what: str) -> str:
    """A `width`-digit lowercase hex value, look-alikes corrected; doubts recorded."""
    read = token
    token, doubled = _trim(token, width)
    if len(token) != width or not _HEXISH.fullmatch(token):
        if token not in ("-", "") and not token.startswith("<"):
            ctx.doubt(token, f"is not a {width}-digit {what}: check it in the image")
        return token
    chars: list[str] = []
    twofold: list[str] = []
    for ch in token:
        if ch in "0123456789abcdef":
            chars.append(ch)
        elif ch in _HEX_ONE:
            chars.append(_HEX_ONE[ch])
        else:
            options = _HEX_TWO[ch]
            chars.append(options[0])
            twofold.append(f"`{ch}` read as `{options[0]}` (or `{options[1]}`)")
    fixed = ctx.note(read, "".join(chars))
    if doubled:
        twofold.append(f"read as `{read}`")
    if twofold:
        ctx.doubt(fixed, f"({what}): {', '.join(twofold)}")
    return fixed


def _number(token: str, ctx: _Line) -> str:
    if token == "-" or not _NUMISH.fullmatch(token):
        return token
    return ctx.note(token, token.translate(_DIGIT))


def _version(token: str, ctx: _Line) -> str:
    parts = token.split(".")
    if token == "-" or len(parts) not in (3, 4) or not all(_NUMISH.fullmatch(p) for p in parts):
        return token
    return ctx.note(token, ".".join(p.translate(_DIGIT) for p in parts))


def _word(token: str, vocab: Sequence[str], ctx: _Line, what: str) -> str:
    """A known upper-case word (role, link, state), look-alikes and small slips corrected."""
    if token in vocab:
        return token
    upper = token.upper().translate(_LETTER)
    if upper in vocab:
        return ctx.note(token, upper)
    best = process.extractOne(upper, vocab, scorer=fuzz.ratio, score_cutoff=70)
    if best is None:
        ctx.doubt(token, f"is not a known {what}")
        return token
    if best[1] < 85:
        ctx.doubt(best[0], f"({what}) was read as `{token}`")
    return ctx.note(token, best[0])


def _is_word(token: str, vocab: Sequence[str]) -> bool:
    upper = token.upper().translate(_LETTER)
    return process.extractOne(upper, vocab, scorer=fuzz.ratio, score_cutoff=75) is not None


def _ip(token: str, ctx: _Line) -> str:
    """`1O.147.l7.5` -> `10.147.17.5`, keeping any punctuation around it."""
    return _DOTTED.sub(lambda m: ctx.note(m.group(0), m.group(0).translate(_DIGIT)), token)


def _endpoint(token: str, ctx: _Line) -> str:
    m = _ENDPOINT.match(token)
    if m is None:
        return _ip(token, ctx)
    return f"{_ip(m.group(1), ctx)}/{ctx.note(m.group(2), m.group(2).translate(_DIGIT))}"


def _info(rest: list[str], ctx: _Line) -> list[str]:
    if len(rest) < 3:
        return rest
    address = _hex(rest[0], 10, ctx, "ZeroTier address")
    if "." in rest[1] or rest[1] == "-":  # 1.2+: version, then state
        return [address, _version(rest[1], ctx), _word(rest[2], NODE_STATES, ctx, "node state")]
    return [address, _word(rest[1], NODE_STATES, ctx, "node state"), _version(rest[2], ctx)]


def _listpeers(rest: list[str], ctx: _Line) -> list[str]:
    # <ztaddr> <path> <latency> <version> <role>; OCR may split the path at `;` or `.`.
    if len(rest) < 5:
        return rest
    address = _hex(rest[0], 10, ctx, "ZeroTier address")
    path = "".join(rest[1:-3])
    if path != "-":
        fields = path.split(";")
        path = ";".join([_endpoint(fields[0], ctx), *(_number(f, ctx) for f in fields[1:])])
    latency = _number(rest[-3], ctx)
    version = _version(rest[-2], ctx)
    role = _word(rest[-1], ROLES, ctx, "role")
    return [address, path, latency, version, role]


def _listnetworks(rest: list[str], ctx: _Line) -> list[str]:
    # <nwid> <name> <mac> <status> <type> <dev> <ips>; the name may hold spaces or be empty.
    if not rest:
        return rest
    nwid = _hex(rest[0], 16, ctx, "network id")
    joined = _STATUS_JOIN.sub(
        lambda m: ctx.note(m.group(0), f"{m.group(1).replace(' ', '_')}_{m.group(2)}"),
        " ".join(rest[1:]).replace("CLIENT TOO", "CLIENT_TOO"),
    )
    tokens = joined.split()
    mac_at = next((i for i, t in enumerate(tokens) if _MAC.fullmatch(t)), None)
    if mac_at is None or len(tokens) < mac_at + 3:
        return [nwid, *tokens]
    name = tokens[:mac_at]
    mac = ctx.note(tokens[mac_at], _fix_mac(tokens[mac_at]))
    status = _word(tokens[mac_at + 1], NET_STATUSES, ctx, "network status")
    tail = tokens[mac_at + 2 :]
    if tail:
        tail[0] = _word(tail[0], NET_TYPES, ctx, "network type")
    if len(tail) >= 3:  # <dev> then the address list, which OCR may split after a comma
        tail = [*tail[:2], ",".join(_endpoint(t, ctx) for t in "".join(tail[2:]).split(","))]
    return [nwid, *name, mac, status, *tail]


def _fix_mac(token: str) -> str:
    pairs = re.split(r"[:;.]", token)
    return ":".join(
        "".join(_HEX_ONE.get(c, _HEX_TWO.get(c, c)[0]) if c not in "0123456789abcdef" else c
                for c in pair)
        for pair in pairs
    )  # fmt: skip


def _peers_row(tokens: list[str], ctx: _Line) -> str | None:
    """A `peers` row: `<ztaddr> <ver> <role> <lat> <link> [<tx> <rx> <path>]`."""
    if len(tokens) < 4 or len(_trim(tokens[0], 10)[0]) != 10:
        return None
    if _is_word(tokens[1], ROLES) and not _is_word(tokens[2], ROLES):
        tokens = [tokens[0], "-", *tokens[1:]]  # the `-` of an unknown version was not seen
    if len(tokens) < 5 or not _is_word(tokens[2], ROLES) or not _is_word(tokens[4], LINKS):
        return None
    out = [
        _hex(tokens[0], 10, ctx, "ZeroTier address"),
        _version(tokens[1], ctx),
        _word(tokens[2], ROLES, ctx, "role"),
        _number(tokens[3], ctx),
        _word(tokens[4], LINKS, ctx, "link"),
    ]
    if len(tokens) >= 8:
        out += [_number(tokens[5], ctx), _number(tokens[6], ctx)]
        out.append(_endpoint("".join(tokens[7:]), ctx))
    elif len(tokens) > 5:
        out += tokens[5:]
    return " ".join(out)


def _fix_numbers_in_prose(line: str, ctx: _Line) -> str:
    """Outside the tables: dotted IPv4 addresses, and the counts of a ping summary."""
    counts = _PING_COUNTS.search(line) is not None
    return " ".join(_count(_ip(t, ctx), ctx) if counts else _ip(t, ctx) for t in line.split(" "))


def _count(token: str, ctx: _Line) -> str:
    """`@` -> `0`, `1O0%,` -> `100%,` in a ping summary, where every short token is a number."""
    start = len(token) - len(token.lstrip("("))
    core = token[start:].rstrip(",%)")
    if not _NUMISH.fullmatch(core) or not (any(c.isdigit() for c in core) or core in "@Oo®©"):
        return token
    end = start + len(core)
    return token[:start] + ctx.note(core, core.translate(_DIGIT)) + token[end:]
