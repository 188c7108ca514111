"""Find the command outputs inside a chat message.

Three steps, each pure: `normalize_text` undoes chat and terminal mangling; `clean_line` peels
fences, quote markers, bold and stray backticks off one line; `extract_blocks` walks the lines
once, classifies each by its content (header lines, row shapes, JSON openers, error wording) and
groups neighbours of one kind into blocks. Prompts and fences only split blocks and lend a hint
(the command typed, the OS); the format itself is always read from the content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.diagnosis.model import Facts, OsName
from bot.diagnosis.normalize import normalize_text
from bot.diagnosis.oshint import os_from_prompt
from bot.diagnosis.parsers._common import is_hex, is_masked, read_int
from bot.diagnosis.parsers.cli_errors import HTTP_LINE
from bot.diagnosis.parsers.cli_errors import parse_line as parse_error_line
from bot.diagnosis.parsers.listnetworks import ROW_SHAPE as LISTNETWORKS_ROW
from bot.diagnosis.parsers.peers import BULK_ROW, FAST_ROW
from bot.diagnosis.parsers.ping_lang import FIRSTS as PING_FIRSTS
from bot.diagnosis.parsers.ping_lang import PREFIXES as PING_PREFIXES
from bot.diagnosis.parsers.ping_lang import is_ping_line
from bot.diagnosis.parsers.ping_translate import translate as translate_ping

BlockKind = Literal["peers", "listpeers", "info", "listnetworks", "json", "error", "ping"]
_TABLES = ("peers", "listpeers", "listnetworks")
_TABLE_MARKERS: tuple[tuple[str, BlockKind], ...] = (
    ("200 listpeers", "listpeers"),
    ("200 listnetworks", "listnetworks"),
)

_ROLE_WORDS = frozenset({"PLANET", "MOON", "LEAF"})
_MULTI_200 = re.compile(r"200 (?:listpeers|listnetworks|info) ")
_INFO = re.compile(r"\b200 (?:info|status) \S")
_HEX_ID = re.compile(r"[0-9a-f]{10}|[0-9a-f]{16}")
# `**` beside a colon is a masked MAC byte (`a6:**:**:5c:0b:e7`), not bold.
_BOLD = re.compile(r"(?<![*:])\*\*(?![*:])")
_FENCE_LANG = re.compile(r"[A-Za-z][\w+#.-]{0,20}")
_JSON_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_JSON_INLINE = re.compile(r'[\[{]\s*"|\[\s*[\[{\]]')
_JSON_FIRST = frozenset("\"'{}[]-0123456789tfnTFN,/")
_COMMAND = re.compile(r"(?i)zerotier-(?:cli|one)|(?<![\w.-])ping6?(?:\.exe)?(?![\w.-])")
_HOSTISH = re.compile(
    # Bounded: an address or a host name is short, and a search restarts at every position.
    r"(?:\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F]{0,4}:[0-9a-fA-F:]{2,45}|[\w-]{1,63}\.[\w.-]{1,253}"
)
_PROMPT_END = frozenset("$#%>❯»λ")
# Keystrokes echoed by the terminal inside an output (Ctrl-C ends a ping run).
_IGNORED = frozenset({"^C", "^Z", "^D", "^\\"})
_SUBCOMMAND = re.compile(r"/?[a-z][\w/-]{0,40}")


def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    # The lookahead on first letters lets the engine skip most positions cheaply.
    firsts = re.escape("".join(sorted({w[0] for w in words})))
    return re.compile(f"(?=[{firsts}])(?:{'|'.join(re.escape(w) for w in words)})")


_ERROR_HINTS = (
    "rror connecting",
    "Please check that the service",
    "not found or readable",
    "zerotier-one.port",
    "home directory specified",
    "invalid network id",
    "invalid format:",
    "unknown property",
    "unknown network ID",
    "ZeroTier One version",
    "virtual network port",
    "TUN/TAP",
    "cannot bind",
    "Failed to start ZeroTier",
    "zerotier-one.service:",
    "ermission denied",
    "not found",
    "not recognized",
)
_PING_HINTS = (
    "Pinging ",
    "PING ",
    "PING6",
    "Reply from ",
    "bytes from ",
    "Request timed out",
    "Request timeout for",
    "packets transmitted",
    "Packets: Sent",
    "ing statistics",
    "Approximate round trip",
    "Minimum = ",
    "rtt min",
    "round-trip",
    "nreachable",
    "could not find host",
    "General failure",
    "transmit failed",
    "nknown host",
    "cannot resolve",
    "Name or service not known",
    "failure in name resolution",
    "No route to host",
    "Host is down",
    "no answer yet",
    "TTL expired",
)
# A union of everything the checks below look for, to turn prose and junk away in one search;
# the leading lookahead lets the engine skip most positions with one character-class test.
_GATE = re.compile(
    r"(?=[\[{2PMLNA<rinuZzpRbsmfhT])(?:[\[{]\s*[\"\[{\]]|200 |PLANET|MOON|LEAF|NOTE:|AUTH |"
    r"<ztaddr>|<role>|rror connect|Please check|not found|not recognized|invalid |unknown |"
    r"ZeroTier One|[Zz]ero[Tt]ier-|[Pp]ing|PING|Reply|bytes|Request|packets|Packets|statistics|"
    r"TUN/TAP|network port|bind|[Pp]ermission|"
    r"round|rtt |Minimum|reachable|failure|failed|host|resolve|Name or|No route|no answer|TTL|"
    r"PRIVATE|PUBLIC)"
)
# Lines that start like JSON, an HTTP error (`0 join ...`, `401 status {}`) or a ping summary.
_GATE_FIRST = frozenset("[{0123456789")
_ERROR_HINT = _any_of(_ERROR_HINTS)
_PING_HINT = _any_of(_PING_HINTS)
_PING_START = re.compile(  # runs bounded: a search restarts at every position
    r"Pinging |PING6? |Reply from |\d{1,20} bytes from |Request time|From \S{1,255} icmp_seq|"
    r"ping: |PING: |Ping request|\d{1,20} packets transmitted|--- \S{1,255} ping statistics|"
    r"Packets: Sent"
)


@dataclass(frozen=True, slots=True)
class Block:
    """Consecutive lines holding one command's output, with what the paste said about it."""

    kind: BlockKind
    lines: tuple[str, ...]
    numbers: tuple[int, ...]
    typed: str | None = None
    hint: str | None = None
    os_hint: OsName | None = None
    # Rows already matched as well-formed `peers` rows, by their index in `lines`: the parser
    # takes them as they are instead of matching each row a second time.
    fast: dict[int, re.Match[str]] = field(default_factory=dict, compare=False, hash=False)
    # Runs of rows read in bulk (`BULK_ROW`), by the index in `lines` where each starts.
    bulk: dict[int, list[Facts]] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Prompt:
    """A command line seen in the paste (with or without a shell prompt)."""

    typed: str
    hint: str | None
    os: OsName | None


def clean_line(raw: str) -> tuple[str, bool, bool]:
    """Strip quote markers, fences, bold and backticks; returns (text, fence before, after)."""
    s = raw.strip()
    while s.startswith(">") and (len(s) == 1 or s[1] in " >"):
        # Discord/Slack quote markers (`> `, `>>> `), never a Windows prompt at line start.
        s = s.lstrip(">").lstrip()
    fence_before = fence_after = False
    if s.startswith(("```", "~~~")):
        fence_before = True
        s = s.lstrip("`~").strip()
        # ```bash / ```console: a language tag, not output.
        if _FENCE_LANG.fullmatch(s):
            s = ""
    if s.endswith(("```", "~~~")) and s:
        fence_after = True
        s = s.rstrip("`~").rstrip()
    if "`" in s:
        s = s.replace("`", " ").strip()
    if "**" in s:
        s = _BOLD.sub("", s).strip()
    if len(s) > 2 and s[0] == "*" and s[-1] == "*" and s[1] != "*" and s[-2] != "*":
        s = s[1:-1].strip()
    return s, fence_before, fence_after


def find_prompt(s: str) -> Prompt | None:
    """Read a typed zerotier-cli or ping command (and the prompt before it) from a line."""
    low = s.lower()
    if "zerotier-" not in low and "ping" not in low:
        return None  # the case-insensitive search below is slow; most lines name neither
    m = _COMMAND.search(s)
    if m is None:
        return None
    start = m.start()
    # Walk back over a path glued to the program (`/usr/sbin/`, `C:\...\One>` has no space).
    j = start
    while j > 0 and s[j - 1] not in " >$#%❯»λ":
        j -= 1
    prefix = s[:j].rstrip()
    if prefix.endswith("sudo"):
        prefix = prefix[:-4].rstrip()
    typed = s[j:].strip()
    word = m.group().lower()
    after = s[m.end() : m.end() + 12]
    if word == "zerotier-one" and not after.startswith(("_x64", "_x86", ".exe", " -q")):
        # `zerotier-one` alone is the service or its home directory, not the CLI.
        return None
    prompt_like = not prefix or prefix[-1] in _PROMPT_END or "➜" in prefix
    if word.startswith("ping"):
        args = s[m.end() :]
        # After a real prompt any argument is a host; in bare text insist on an address.
        if not prompt_like or not args.split() or not (prefix or _HOSTISH.search(args)):
            return None
        return Prompt(typed=typed, hint="ping", os=os_from_prompt(prefix) if prefix else None)
    rest = s[m.end() :]
    if rest and not rest[0].isspace():
        # The end of the program's name (`.bat`, `_x64.exe`), not an argument.
        rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
    hint = _hint(rest)
    prose = not prompt_like or (
        not prefix and (typed.endswith((":", "?", "!", ",")) or len(typed.split()) > 6)
    )
    if prose:
        # Named in a sentence ("I ran zerotier-cli peers on my box"): keep only the command.
        sub = next((t for t in rest.split() if not t.startswith("-")), "")
        typed = " ".join([typed.split(None, 1)[0], *([sub] if hint else [])])
    os_name = os_from_prompt(prefix) if prompt_like and prefix else None
    if os_name is None and ("\\" in typed or ".exe" in word or "_x64" in typed):
        os_name = "windows"
    return Prompt(typed=typed, hint=hint, os=os_name)


def _hint(args: str) -> str | None:
    tokens = args.split()
    json_flag = "-j" in tokens
    sub = next((t for t in tokens if not t.startswith("-")), None)
    if sub is None:
        return None
    sub = sub.lower()
    if not _SUBCOMMAND.fullmatch(sub):
        return None
    if sub.startswith("/"):
        return {"/status": "json-info", "/peer": "json-peers", "/network": "json-listnetworks"}.get(
            sub.rstrip("/")
        )
    if sub == "status":
        sub = "info"
    if sub == "listmoons":
        return "listmoons"
    if json_flag and sub in ("info", "peers", "listpeers", "listnetworks"):
        return "json-peers" if sub in ("peers", "listpeers") else f"json-{sub}"
    return sub


class Ids:
    """The addresses seen in a table: a set for rows read one by one, and the set of each run
    read in bulk kept as it is (merging 10,000 addresses into one set costs a copy)."""

    __slots__ = ("_one", "_runs")

    def __init__(self) -> None:
        self._one: set[str] = set()
        self._runs: list[set[str]] = []

    def __contains__(self, key: object) -> bool:
        return key in self._one or any(key in run for run in self._runs)

    def add(self, key: str) -> None:
        """Add one address."""
        self._one.add(key)

    def add_run(self, run: set[str]) -> None:
        """Add the addresses of a run read in bulk (the set is kept, not copied)."""
        self._runs.append(run)

    def isdisjoint(self, other: set[str]) -> bool:
        """True when no address of `other` was seen."""
        return other.isdisjoint(self._one) and all(other.isdisjoint(r) for r in self._runs)


@dataclass(slots=True)
class _Open:
    kind: BlockKind
    lines: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    prompt: Prompt | None = None
    rows: int = 0
    ids: Ids = field(default_factory=Ids)
    depth: int = 0
    fast: dict[int, re.Match[str]] = field(default_factory=dict)
    bulk: dict[int, list[Facts]] = field(default_factory=dict)


class _Walker:
    """One pass over the lines; keeps the block being built and the last prompt seen."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.cur: _Open | None = None
        self.prompt: Prompt | None = None
        self.os: OsName | None = None

    def close(self) -> None:
        cur = self.cur
        if cur is None:
            return
        self.cur = None
        if not cur.lines:
            return
        p = cur.prompt
        self.blocks.append(
            Block(
                kind=cur.kind,
                lines=tuple(cur.lines),
                numbers=tuple(cur.numbers),
                typed=p.typed if p else None,
                hint=p.hint if p else None,
                # A block's own prompt speaks for it, even when it names no OS (`❯`).
                os_hint=p.os if p is not None else self.os,
                fast=cur.fast,
                bulk=cur.bulk,
            )
        )

    def open(self, kind: BlockKind) -> _Open:
        self.close()
        # A typed command belongs to the first output after it.
        self.cur = _Open(kind=kind, prompt=self.prompt)
        self.prompt = None
        return self.cur

    def add(self, kind: BlockKind, s: str, num: int) -> _Open:
        cur = self.cur if self.cur is not None and self.cur.kind == kind else self.open(kind)
        cur.lines.append(s)
        cur.numbers.append(num)
        return cur

    def line(self, s: str, num: int) -> None:
        cur = self.cur
        if cur is not None and cur.kind == "json" and cur.depth > 0:
            if s and s[0] in _JSON_FIRST and not s.startswith("200 "):
                cur.lines.append(s)
                cur.numbers.append(num)
                cur.depth += _json_depth(s)
                if cur.depth <= 0:
                    self.close()
                return
            self.close()
            cur = None
        if not s or s in _IGNORED:
            if not s and cur is not None and cur.kind == "json":
                self.close()
            return
        if len(s) > 100 and ("PLANET" in s or "LEAF" in s or "MOON" in s):
            pieces = _flat_peers(s)
            if pieces is not None:
                for piece in pieces:
                    self.line(piece, num)
                return
        if s.count("200 ") > 1 and len(_MULTI_200.findall(s)) > 1:
            # A table flattened onto one line (lost newlines): split at each row marker.
            starts = [m.start() for m in _MULTI_200.finditer(s)]
            for a, b in zip(starts, [*starts[1:], len(s)], strict=True):
                self.line(s[a:b].strip(), num)
            return
        self.classify(s, num)

    def classify(self, s: str, num: int) -> None:
        cur = self.cur
        kind = cur.kind if cur is not None else None
        if kind == "peers":
            fast = FAST_ROW.fullmatch(s)
            if fast is not None or _peer_row(s, lenient=True):
                self.table_row("peers", s, num, fast.group(1) if fast else s.split(None, 1)[0])
                if fast is not None and self.cur is not None:
                    self.cur.fast[len(self.cur.lines) - 1] = fast
                return
        if (
            s[0] not in _GATE_FIRST
            and not s.startswith("---")
            and _GATE.search(s) is None
            and not (s[0] in PING_FIRSTS and s.startswith(PING_PREFIXES))
        ):
            # Nothing any output line could start with: prose (or junk). Cheap exit.
            if kind == "ping" and is_ping_line(s, cont=True):
                # The tail of localized statistics (`(100% Verlust),`) names nothing English.
                self.add("ping", s, num)
            elif cur is not None and cur.kind in _TABLES and _is_leftover(s):
                self.add(cur.kind, s, num)
            else:
                self.close()
            return
        if "200 " in s and self._two_hundred(s, num):
            return
        if s.startswith("NOTE:"):
            self.add("peers", s, num)
            return
        if s.startswith("AUTH ") and kind == "listnetworks":
            self.add("listnetworks", s, num)
            return
        if s.startswith("<") and "<role>" in s and "<lat>" in s:
            if cur is None or kind != "peers" or cur.rows:
                self.open("peers")
            self.add("peers", s, num)
            return
        if _is_error(s):
            self.add("error", s, num)
            return
        if _is_ping(s, cont=kind == "ping"):
            self.add("ping", s, num)
            return
        j = _json_start(s)
        if j >= 0:
            part = s[j:]
            block = self.open("json")
            block.lines.append(part)
            block.numbers.append(num)
            block.depth = _json_depth(part)
            if block.depth <= 0:
                self.close()
            return
        if _peer_row(s, lenient=False):
            self.table_row("peers", s, num, s.split(None, 1)[0])
            return
        if ("PRIVATE" in s or "PUBLIC" in s) and LISTNETWORKS_ROW.fullmatch(s):
            # A listnetworks row that lost its `200 listnetworks` prefix (or all but its tail).
            self.table_row("listnetworks", f"200 listnetworks {s}", num, s.split(None, 1)[0])
            return
        prompt = find_prompt(s)
        if prompt is not None:
            self.close()
            self.prompt = prompt
            if prompt.os is not None:
                self.os = prompt.os
            return
        if cur is not None and cur.kind in _TABLES and _is_leftover(s):
            # `...` for left-out rows, or the tail of a hard-wrapped row: the parser decides.
            self.add(cur.kind, s, num)
            return
        self.close()

    def _two_hundred(self, s: str, num: int) -> bool:
        if ("invalid JSON" in s or "unknown exception" in s) and _is_error(s):
            # `200 listpeers invalid JSON response`: something else answered on the port.
            self.add("error", s, num)
            return True
        if s.startswith("200 peers") and s[9:].strip() == "":
            self.open("peers")
            self.add("peers", s, num)
            return True
        for marker, kind in _TABLE_MARKERS:
            i = s.find(marker)
            if i < 0:
                continue
            row = s[i:]
            rest = row[len(marker) :].strip()
            if rest.startswith(("<ztaddr>", "<nwid>")):
                if self.cur is None or self.cur.kind != kind or self.cur.rows:
                    self.open(kind)
                self.add(kind, row, num)
            else:
                self.table_row(kind, row, num, rest.split(None, 1)[0] if rest else "")
            return True
        m = _INFO.search(s)
        if m is not None:
            self.open("info")
            self.add("info", s[m.start() :], num)
            self.close()
            return True
        if HTTP_LINE.search(s) and _is_error(s):
            self.add("error", s, num)
            return True
        return False

    def table_row(self, kind: BlockKind, s: str, num: int, ident: str) -> None:
        cur = self.cur
        key = ident.lower()
        # A second snapshot without its header repeats the first one's ids.
        if cur is None or cur.kind != kind or (key in cur.ids and _HEX_ID.fullmatch(key)):
            cur = self.open(kind)
        cur.lines.append(s)
        cur.numbers.append(num)
        cur.rows += 1
        cur.ids.add(key)


def extract_blocks(text: str, *, normalized: bool = False) -> list[Block]:
    """Return every command-output block in a message, in order (`normalized`: the text has
    been through `normalize_text` already)."""
    if not normalized:
        text = normalize_text(text)
    return blocks_of(text, text.split("\n"))


def blocks_of(
    text: str, lines: list[str], spans: list[tuple[int, int]] | None = None
) -> list[Block]:
    """`extract_blocks` of normalised `text` already split into its `lines`; adds to `spans`
    the stretches of `text` that hold only rows read in bulk."""
    walker = _Walker()
    i, pos, count = 0, 0, len(lines)
    while i < count:
        raw = lines[i]
        num = i + 1
        cur = walker.cur
        if cur is not None and cur.kind == "peers":
            # The bulk of a big table: a line that is exactly a well-formed row needs no
            # cleaning or classifying (a repeated address starts a new snapshot: slow path).
            m = FAST_ROW.fullmatch(raw)
            if m is not None and m.group(1) not in cur.ids:
                run = read_rows(text, pos, cur.ids) if cur.rows >= BULK_AFTER else []
                if run:
                    # The rest of the table in a few calls instead of a loop over its lines.
                    k = len(run)
                    cur.bulk[len(cur.lines)] = run
                    cur.lines.extend(lines[i : i + k])
                    cur.numbers.extend(range(num, num + k))
                    cur.rows += k
                    start, pos = pos, pos + sum(map(len, lines[i : i + k])) + k
                    if spans is not None:
                        spans.append((start, min(pos, len(text))))
                    i += k
                    continue
                cur.fast[len(cur.lines)] = m
                cur.lines.append(raw)
                cur.numbers.append(num)
                cur.rows += 1
                cur.ids.add(m.group(1))
                pos += len(raw) + 1
                i += 1
                continue
        pos += len(raw) + 1
        i += 1
        s, fence_before, fence_after = clean_line(raw)
        if s and not s.isascii():
            english = translate_ping(s)
            if english is not None:
                s = english
        if fence_before:
            walker.close()
        walker.line(s, num)
        if fence_after:
            walker.close()
    walker.close()
    return walker.blocks


BULK_AFTER = 32  # rows of a table read one by one before the rest is read in bulk
_BULK_CHUNK = 8_192  # characters read by the first bulk call; each next call reads 4x more


def read_rows(text: str, pos: int, ids: Ids) -> list[Facts]:
    """The facts of the well-formed `peers` rows that start at `pos`, up to the first other
    line or repeated address (which starts a new snapshot); adds their addresses to `ids`."""
    out: list[Facts] = []
    size = _BULK_CHUNK
    while pos < len(text):
        end = text.find("\n", pos + size)
        end = len(text) if end < 0 else end + 1
        found: list[Facts] = BULK_ROW.findall(text, pos, end)
        addresses = [f[0] for f in found]
        k = addresses.index("")  # the empty match at `end` at the latest
        whole = k == len(found) - 1
        fresh = set(addresses[:k])
        if len(fresh) < k or not ids.isdisjoint(fresh):
            k, fresh = _until_repeat(addresses, k, ids)
            whole = False
        out.extend(found[:k])
        ids.add_run(fresh)
        if not whole or end >= len(text):
            break
        pos = end
        size *= 4
    return out


def _until_repeat(addresses: list[str], k: int, ids: Ids) -> tuple[int, set[str]]:
    seen: set[str] = set()
    for j, address in enumerate(addresses[:k]):
        if address in seen or address in ids:
            return j, seen
        seen.add(address)
    return k, seen


def _peer_row(s: str, *, lenient: bool) -> bool:
    tokens = s.split(None, 5)
    if len(tokens) < 2:
        return False
    role_i = next((i for i in (2, 1, 3) if i < len(tokens) and tokens[i] in _ROLE_WORDS), -1)
    if role_i < 0:
        return False
    if lenient:
        return True
    first = tokens[0]
    if not (is_hex(first) or is_masked(first) or len(first) == 10):
        return False
    after = tokens[role_i + 1] if role_i + 1 < len(tokens) else ""
    return read_int(after) is not None


def _is_error(s: str) -> bool:
    if "Please check that the service is running" in s:
        return True
    if _ERROR_HINT.search(s) is None and not HTTP_LINE.search(s):
        return False
    return parse_error_line(s) is not None


def _is_ping(s: str, *, cont: bool) -> bool:
    if _PING_HINT.search(s) is None:
        if cont and s.startswith(("---", "rtt ", "round-trip", "Minimum =")):
            return True
        # Localized output (German, French, ... Windows; translated iputils lines).
        return is_ping_line(s, cont=cont)
    return cont or _PING_START.search(s) is not None or is_ping_line(s, cont=False)


def _json_start(s: str) -> int:
    if s[0] in "{[":
        rest = s[1:].lstrip()
        if not rest or rest[0] in '"{[]}' or rest[0].isdigit():
            return 0
        return -1
    m = _JSON_INLINE.search(s) if ("{" in s or "[" in s) else None
    return m.start() if m is not None else -1


def _json_depth(s: str) -> int:
    bare = _JSON_STRING.sub("", s) if '"' in s else s
    return bare.count("{") + bare.count("[") - bare.count("}") - bare.count("]")


# Where a `peers` row starts: address, version, role, latency, link (by shape, not by line).
_PEERS_ROW = re.compile(
    r"(?<![\w*])[0-9a-fA-FxX*]{10} {1,40}(?:-|\d{1,3}\.\d{1,3}\.\d{1,4}) {1,40}"
    r"(?:PLANET|MOON|LEAF) {1,40}-?\d{1,6} {1,40}(?:DIRECT|RELAY)\b"
)


def _flat_peers(s: str) -> list[str] | None:
    """A `peers` table whose line breaks were lost, split back into its lines (or None)."""
    starts = [m.start() for m in _PEERS_ROW.finditer(s)]
    if not starts or (len(starts) == 1 and "<ztaddr>" not in s[: starts[0]]):
        return None
    head = s[: starts[0]].strip()
    pieces: list[str] = []
    if head:
        i = head.find("200 peers")
        j = head.find("<ztaddr>")
        cut = min(k for k in (i, j, len(head)) if k >= 0)
        if head[:cut].strip():
            pieces.append(head[:cut].strip())  # the prose before the table
        if i >= 0:
            pieces.append("200 peers")
        if j >= 0:
            pieces.append(head[j:].strip())
    pieces.extend(s[a:b].strip() for a, b in zip(starts, [*starts[1:], len(s)], strict=True))
    return pieces


def _is_leftover(s: str) -> bool:
    if s.strip(".… ") == "":
        return True
    tokens = s.split()
    return len(tokens) <= 4 and any(c.isdigit() or c in "/:" for c in s) and len(s) <= 200


__all__ = ["Block", "Prompt", "clean_line", "extract_blocks", "find_prompt", "normalize_text"]
