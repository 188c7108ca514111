"""Undo what terminals and chat clients do to pasted text, keeping the line count."""

from __future__ import annotations

import html
import re

# Colours and cursor moves from a terminal that was copied with its escapes.
_ANSI = re.compile(r"\x1b\[[0-9;?]{0,32}[ -/]{0,4}[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Slack's raw text wraps auto-linked text as <http://x|x> or <http://x>.
_SLACK_LINK = re.compile(
    r"<(?:https?|mailto|tel):[^|>\s]{0,500}\|([^>\n]{0,500})>|<((?:https?|mailto):[^|>\s]{1,500})>"
)
# Discord's markdown escapes: \_ \* \` \~ \| \< \>.
_MD_ESCAPE = re.compile(r"\\([*_`~|<>])")
_CHARS: dict[str, str] = {
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00a0": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u3000": " ",
    "\t": " ",
    "\x0b": " ",
    "\x0c": " ",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    "\u00ad": "",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2028": "\n",
    "\u2029": "\n",
    "\x85": "\n",
}
# Which of them a text holds, found in one scan; then one C-level replace for each of those
# (str.translate with a dict is far slower on big pastes).
_SPECIAL = re.compile("[" + re.escape("".join(_CHARS)) + "]")
# Every character of ASCII text that one of the steps below acts on (`<` only with a link):
# looked for one by one, as a single-character search is a memchr, far faster than a class.
_ASCII_WORK = (*"\r\t\x0b\x0c&\\\x7f", *map(chr, range(0x09)), *map(chr, range(0x0E, 0x20)))
_LINK = re.compile(r"<(?:https?|mailto|tel):")


def normalize_text(text: str) -> str:
    """Return `text` with CRLF, HTML entities, smart quotes, odd spaces and escapes undone."""
    if text.isascii() and not any(c in text for c in _ASCII_WORK) and not _LINK.search(text):
        return text  # the common paste: nothing to undo, and a few quick scans to know it
    # Windows pastes end lines with CRLF; a few strings embed a bare LF even there.
    out = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x1b" in out:
        out = _ANSI.sub("", out)
    out = _replace_chars(out)
    out = _CONTROL.sub("", out)
    if "&" in out:
        # Slack sends `&lt;ztaddr&gt;` and `&amp;`; some clients double-escape.
        out = html.unescape(html.unescape(out)) if "&amp;" in out else html.unescape(out)
        out = _replace_chars(out)
    if "<" in out and ":" in out:
        out = _SLACK_LINK.sub(lambda m: m.group(1) or m.group(2), out)
    if "\\" in out:
        out = _MD_ESCAPE.sub(r"\1", out)
    return out


def _replace_chars(text: str) -> str:
    if text.isascii():
        return text.replace("\t", " ").replace("\x0b", " ").replace("\x0c", " ")
    for char in set(_SPECIAL.findall(text)):
        text = text.replace(char, _CHARS[char])
    return text
