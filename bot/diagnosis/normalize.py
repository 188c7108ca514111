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
# One C-level scan per character is far cheaper than str.translate with a dict on big pastes.
_FIRST_PASS = tuple(_CHARS.items())


def normalize_text(text: str) -> str:
    """Return `text` with CRLF, HTML entities, smart quotes, odd spaces and escapes undone."""
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
    for char, repl in _FIRST_PASS:
        if char in text:
            text = text.replace(char, repl)
    return text
