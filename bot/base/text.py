"""Chat-text normalisation for matching: folding, tokens, light stemming, slang and typos."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources
from typing import Final

_FOLD: Final = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_FOLD_PAIRS: Final = tuple((chr(old), new) for old, new in _FOLD.items())
_TOKEN: Final = re.compile(r"\d+(?:\.\d+)+|\d+|[a-z][a-z0-9]*")
_APOSTROPHE: Final = re.compile(r"(?<=[a-z])'(?=[a-z])")
_ENTITY: Final = re.compile(r"&(lt|gt|amp|quot|#39);")
_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "#39": "'"}
QUESTION_CHARS: Final = 4_000  # characters of a message read as the question (question_text)

# Words that carry no topic signal. Negations are kept (they are folded to "not" below),
# because "can't ping" and "ping" mean different things.
STOPWORDS: Final[frozenset[str]] = frozenset(
    """
    a about above after again against all also am an and any anyone anybody anything are as at
    be because been before being below between both but by could couldve did do does doing done
    down during each else even ever every few for from further get gets getting got had has have
    having he her here hers herself him himself his how i id if ill im in into is it its itself ive
    just let lets me more most much my myself now of off on once only or other our ours ourselves
    out over own same she should so some such than that thats the their theirs them themselves then
    there theres these they this those through to too under until up upon us very via was we were
    what whats when where which while who whom why will with would you youd youll youre your yours
    yourself yourselves hi hello hey heya hiya thanks thank thx ty pls please plz guys guy folks
    everyone anyone someone somebody ok okay yes yeah yep well really actually basically maybe
    like still already tried try trying also again sure quick question help helps need needs want
    wants know think thought seems seem seemed something thing things stuff way lot lots bit kind
    sort one two three first second u ur im iam idk btw tbh imo lol haha
    zerotier network networks use using used work works working worked can make made going go
    """.split()
)

# Folded spellings: negations, slang and brand variants map to one canonical token.
CANONICAL: Final[dict[str, str]] = {
    "cant": "not",
    "cannot": "not",
    "unable": "not",
    "couldnt": "not",
    "doesnt": "not",
    "dont": "not",
    "didnt": "not",
    "isnt": "not",
    "arent": "not",
    "wont": "not",
    "wasnt": "not",
    "werent": "not",
    "aint": "not",
    "no": "not",
    "never": "not",
    "nope": "not",
    "cudnt": "not",
    "cnt": "not",
    "dosnt": "not",
    "doesent": "not",
    "dosent": "not",
    "havent": "not",
    "zt": "zerotier",
    "zt1": "zerotier",
    "zerotierone": "zerotier",
    "zerotier1": "zerotier",
    "ztone": "zerotier",
    "zerotiers": "zerotier",
    "win": "windows",
    "win7": "windows",
    "win8": "windows",
    "win10": "windows",
    "win11": "windows",
    "w10": "windows",
    "w11": "windows",
    "windoze": "windows",
    "osx": "macos",
    "mac": "macos",
    "macbook": "macos",
    "imac": "macos",
    "pc": "computer",
    "pcs": "computer",
    "laptop": "computer",
    "desktop": "computer",
    "box": "computer",
    "machine": "computer",
    "rig": "computer",
    "ms": "millisecond",
    "msec": "millisecond",
    "milliseconds": "millisecond",
    "laggy": "lag",
    "lagging": "lag",
    "lags": "lag",
    "lagg": "lag",
    "fw": "firewall",
    "av": "antivirus",
    "antivir": "antivirus",
    "upgrade": "update",
    "upgrading": "update",
    "upgraded": "update",
    "upgrades": "update",
    "addr": "address",
    "ip": "ip",
    "ips": "ip",
    "ipv4": "ip",
    "pinging": "ping",
    "pinged": "ping",
    "pings": "ping",
    "relayed": "relay",
    "relaying": "relay",
    "relays": "relay",
    "cli": "cli",
    "pw": "password",
}

_VOWELS: Final = frozenset("aeiouy")


def fold(text: str) -> str:
    """Lower-case, NFKC-normalise and fold quotes, dashes and chat-app HTML escapes."""
    # Each step only where it can change something (cheap `str` checks first): a megabyte of
    # text costs a few scans, not a regex pass and a normalisation per step.
    if "&" in text:
        text = _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)
    if text.isascii():  # NFKC leaves ASCII alone; the fold table's only ASCII key is "`"
        text = text.replace("`", "'").lower()
    else:
        text = unicodedata.normalize("NFKC", text)
        # A dozen C-speed scans: `str.translate` with a dict looks every character up.
        for old, new in _FOLD_PAIRS:
            if old in text:
                text = text.replace(old, new)
        text = text.lower()
    return _APOSTROPHE.sub("", text) if "'" in text else text


def question_text(text: str, limit: int = QUESTION_CHARS) -> str:
    """The part of a message read to understand what is asked (matching, chatter, the system
    named): all of a message up to `limit` characters; of a longer one, its prose outside code
    blocks (if it has any), up to `limit` characters, cut between words.

    A question is said in a few lines; pasted output is read in full by diagnosis, and secrets
    are looked for in the whole text. Reading a megabyte of paste as a question would cost
    seconds and say nothing more.
    """
    if len(text) <= limit:
        return text
    if "```" in text:
        # Outside the fences: every other part (an unclosed fence runs to the end).
        prose = "\n".join(text.split("```")[::2])
        if prose and not prose.isspace():
            text = prose.strip()
            if len(text) <= limit:
                return text
    cut = text[:limit]
    if not text[limit].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        if space > limit // 2:  # a word longer than half the limit is cut where it is
            cut = cut[:space]
    return cut.rstrip()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Strip common English suffixes so 'relayed', 'relaying' and 'relays' meet (no dictionary)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        # "-eed" is part of the word ("speed", "need", "exceed"), not a past tense.
        if suffix == "ed" and w.endswith("eed"):
            break
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: -len(suffix)]
            if not any(c in _VOWELS for c in base):
                break
            if len(base) >= 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            w = base
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


@cache
def english_ranks() -> dict[str, int]:
    """General-English words -> frequency rank (0 = most frequent), from the shipped word list."""
    data = resources.files("bot.base").joinpath("data/english-words.txt").read_text("utf-8")
    ranked = (line for line in data.splitlines() if line and not line.startswith("#"))
    return {word: rank for rank, word in enumerate(ranked)}


@cache
def _english_terms() -> frozenset[str]:
    return frozenset(english_ranks()) | frozenset(canonical(w) for w in english_ranks())


def is_english(word: str) -> bool:
    """True for a common English word or its stem: a real word, never a typo to correct."""
    return word in _english_terms()


@lru_cache(maxsize=65536)
def canonical(token: str) -> str:
    """Map a raw token to its canonical, stemmed form."""
    token = CANONICAL.get(token, token)
    return CANONICAL.get(stem(token), stem(token))


def tokens(text: str) -> list[str]:
    """Return the raw lower-case tokens of already folded text."""
    return _TOKEN.findall(text)


_CLAUSE: Final = re.compile(r"[.,;:!?()\n]+(?:\s|$)|\s[-|]\s|\n")


def clauses(text: str) -> list[list[str]]:
    """`terms` per clause: word pairs are only meaningful inside one clause."""
    return [t for part in _CLAUSE.split(text) if (t := terms(part))]


def words(text: str) -> list[str]:
    """Fold, tokenise and canonicalise `text`, keeping stopwords (for exact phrase checks)."""
    return [canonical(tok) for tok in tokens(fold(text))]


@lru_cache(maxsize=8192)
def phrase_words(phrase: str) -> tuple[str, ...]:
    """`words` of a knowledge phrase (section match words, ask-for rules), computed once."""
    return tuple(words(phrase))


def terms(text: str) -> list[str]:
    """Fold, tokenise and canonicalise `text`, dropping stopwords (negations kept as 'not')."""
    out: list[str] = []
    for tok in tokens(fold(text)):
        if tok in STOPWORDS:
            continue
        term = canonical(tok)
        if term not in STOPWORDS:
            out.append(term)
    return out
