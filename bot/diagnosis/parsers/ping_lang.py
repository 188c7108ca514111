"""Localized `ping` wording: one table of phrases per language, compiled once into regexes.

Windows prints every ping line in the system language (German, French, Spanish, Portuguese,
Italian here); Linux (iputils) translates only the reply, unreachable and statistics lines.
Phrases are plain text: a space matches any run of blanks, an apostrophe any quote mark
(' ’ ‘ ` ´ "), and an accented letter also its bare letter or one or two mangled characters
(a console code page read as another), so `Zeitüberschreitung` matches `ZeitÃ¼berschreitung`.
Windows wraps the statistics differently per language (German puts `(100% Verlust),` on its
own line, Italian `Persi = 4 (100% persi),`, Portuguese splits `(100% de` / `perda),`), so the
counters are read field by field, not as one line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Error codes in the order the English parser tries them (first match wins there too:
# `PING: transmit failed. General failure.` reads as general-failure).
ERROR_ORDER = ("unknown-host", "general-failure", "transmit-failed", "ttl-expired")


@dataclass(frozen=True, slots=True)
class PingLang:
    """One language's ping phrases; each a plain phrase, not a regex."""

    code: str
    head: tuple[str, ...]  # before the target: `Ping wird ausgeführt für`
    size: str  # between the target and the byte count: `mit`
    reply: str  # `Antwort von`
    time: str  # `Zeit` in `Zeit=12ms`
    timeout: str
    unreachable: tuple[str, ...]
    packets: str  # `Pakete` in `Pakete: Gesendet = 4, ...`
    sent: str
    received: str
    lost: str
    other: tuple[str, ...]  # statistics and round-trip lines that carry no fact we keep
    # (phrase, code, Windows-only wording: sets the OS like `Ping request ...` does in English)
    errors: tuple[tuple[str, str, bool], ...]
    unix_errors: str  # `+2 Fehler` in Linux's localized statistics line


LANGS: tuple[PingLang, ...] = (
    PingLang(
        code="de",
        head=("Ping wird ausgeführt für",),
        size="mit",
        reply="Antwort von",
        time="Zeit",
        timeout="Zeitüberschreitung der Anforderung",
        unreachable=(
            "Zielhost nicht erreichbar",
            "Zielnetz nicht erreichbar",
            "Zielport nicht erreichbar",
            "Zielprotokoll nicht erreichbar",
        ),
        packets="Pakete",
        sent="Gesendet",
        received="Empfangen",
        lost="Verloren",
        other=("Ping-Statistik für", "Ca. Zeitangaben in Millisek", "Minimum ="),
        errors=(
            ("Ping-Anforderung konnte Host", "unknown-host", True),
            ("Der Name oder der Dienst ist nicht bekannt", "unknown-host", False),
            ("Temporärer Fehler bei der Namensauflösung", "unknown-host", False),
            ("Allgemeiner Fehler", "general-failure", False),
            ("Übertragung fehlgeschlagen", "transmit-failed", False),
            ("Fehler bei der Übertragung", "transmit-failed", False),
            ("TTL beim Transit abgelaufen", "ttl-expired", False),
        ),
        unix_errors="Fehler",
    ),
    PingLang(
        code="fr",
        # `'Ping'  10.0.0.1` for an address, `'ping' sur host [10.0.0.1]` for a name.
        head=("Envoi d'une requête 'Ping' sur", "Envoi d'une requête 'Ping'"),
        size="avec",
        reply="Réponse de",
        time="temps",
        timeout="Délai d'attente de la demande dépassé",
        unreachable=(
            "Impossible de joindre l'hôte de destination",
            "Impossible de joindre le réseau de destination",
            "Impossible de joindre le port de destination",
        ),
        packets="Paquets",
        sent="envoyés",
        received="reçus",
        lost="perdus",
        other=("Statistiques Ping pour", "Durée approximative des boucles", "Minimum ="),
        errors=(
            ("La requête Ping n'a pas pu trouver l'hôte", "unknown-host", True),
            ("Nom ou service inconnu", "unknown-host", False),
            ("Défaillance générale", "general-failure", False),
            ("échec de la transmission", "transmit-failed", False),
            ("TTL expiré lors du transit", "ttl-expired", False),
        ),
        unix_errors="erreurs",
    ),
    PingLang(
        code="es",
        head=("Haciendo ping a",),
        size="con",
        reply="Respuesta desde",
        time="tiempo",  # Spanish Windows truncates the unit: `tiempo<1m`
        timeout="Tiempo de espera agotado para esta solicitud",
        unreachable=(
            "Host de destino inaccesible",
            "Red de destino inaccesible",
            "Puerto de destino inaccesible",
        ),
        packets="Paquetes",
        sent="enviados",
        received="recibidos",
        lost="perdidos",
        other=("Estadísticas de ping para", "Tiempos aproximados de ida y vuelta", "Mínimo ="),
        errors=(
            ("La solicitud de ping no pudo encontrar el host", "unknown-host", True),
            ("Nombre o servicio desconocido", "unknown-host", False),
            ("Error general", "general-failure", False),
            ("error en la transmisión", "transmit-failed", False),
            ("TTL expirado en tránsito", "ttl-expired", False),
        ),
        unix_errors="errores",
    ),
    PingLang(
        code="pt-BR",
        head=("Disparando",),
        size="com",
        reply="Resposta de",
        time="tempo",
        timeout="Esgotado o tempo limite do pedido",
        unreachable=(
            "Host de destino inacessível",
            "Rede de destino inacessível",
            "Porta de destino inacessível",
        ),
        packets="Pacotes",
        sent="Enviados",
        received="Recebidos",
        lost="Perdidos",
        other=("Estatísticas do Ping para", "Aproximar um número redondo de vezes", "Mínimo ="),
        errors=(
            ("A solicitação ping não pôde encontrar o host", "unknown-host", True),
            ("Nome ou serviço desconhecido", "unknown-host", False),
            ("Falha geral", "general-failure", False),
            ("falha na transmissão", "transmit-failed", False),
            ("TTL expirou em trânsito", "ttl-expired", False),
        ),
        unix_errors="erros",
    ),
    PingLang(
        code="it",
        head=("Esecuzione di Ping",),
        size="con",
        reply="Risposta da",
        time="durata",
        timeout="Richiesta scaduta",
        unreachable=(
            "Host di destinazione non raggiungibile",
            "Rete di destinazione non raggiungibile",
            "Porta di destinazione non raggiungibile",
        ),
        packets="Pacchetti",
        sent="Trasmessi",
        received="Ricevuti",
        lost="Persi",
        other=("Statistiche Ping per", "Tempo approssimativo percorsi", "Minimo ="),
        errors=(
            ("Richiesta ping: impossibile trovare l'host", "unknown-host", True),
            ("Nome o servizio sconosciuto", "unknown-host", False),
            ("Errore generale", "general-failure", False),
            ("trasmissione non riuscita", "transmit-failed", False),
            ("TTL scaduto durante il transito", "ttl-expired", False),
        ),
        unix_errors="errori",
    ),
)

# A mangled `’` is up to three characters (`â€™`).
_QUOTES = "(?:['\u2019\u2018`\u00b4\"]|[^\\x00-\\x7f]{1,3})"


def phrase_rx(phrase: str) -> str:
    """Turn a plain phrase into a regex tolerant of blanks, quote marks and lost accents."""
    out: list[str] = []
    for c in phrase:
        if c == " ":
            out.append(r"\s+")
        elif c == "'":
            out.append(_QUOTES)
        elif ord(c) > 127:
            base = unicodedata.normalize("NFD", c)[0]
            # Mangled by a code page mix-up: one or two other non-ASCII characters, or `?`.
            out.append(f"(?:[{c}{base}]|[^\\x00-\\x7f]{{1,2}}|\\?)")
        else:
            out.append(re.escape(c))
    return "".join(out)


def _alt(phrases: list[str] | tuple[str, ...]) -> str:
    # Longest first, so `'Ping' sur` wins over `'Ping'` without relying on backtracking.
    return "(?:" + "|".join(phrase_rx(p) for p in sorted(set(phrases), key=len, reverse=True)) + ")"


def _all(attr: str) -> tuple[str, ...]:
    values: list[str] = []
    for lang in LANGS:
        value = getattr(lang, attr)
        values.extend(value if isinstance(value, tuple) else (value,))
    return tuple(values)


_I = re.IGNORECASE
_ADDR = r"[0-9a-fA-F.:%]+"
_NUM = r"(\d+(?:[.,]\d+)?)"
_WORD = r"[^\W\d_]{1,40}"
HEAD = re.compile(
    rf"{_alt(_all('head'))}\s+(\S+?)(?:\s+\[([^\]]+)\])?\s+{_alt(_all('size'))}\s+\d+\s", _I
)
# Windows: `Antwort von 10.0.0.1: ...`, `Réponse de 10.0.0.1 : ...` (French puts a blank
# before the colon); an IPv6 address carries colons of its own, hence the lazy address.
REPLY = re.compile(rf"{_alt(_all('reply'))}\s+({_ADDR}?)\s?:(?:\s|$)", _I)
TIME = re.compile(rf"(?<![^\W\d_]){_alt(_all('time'))}\s?([=<])\s?{_NUM}\s?m", _I)
# The whole line: `Richiesta scaduta? Boh.` in an Italian chat is not a lost probe.
TIMEOUT = re.compile(rf"{_alt(_all('timeout'))}\.?\s*$", _I)
UNREACHABLE = re.compile(_alt(_all("unreachable")), _I)
# One pass for the three counters: group 1, 2 or 3 names the field, group 4 its value.
COUNTER = re.compile(
    rf"(?<![^\W\d_])(?:({_alt(_all('sent'))[3:-1]})|({_alt(_all('received'))[3:-1]})|"
    rf"({_alt(_all('lost'))[3:-1]}))\s*=\s*(\d+)",
    _I,
)
# `(100% Verlust)`, `(perte 100%)`, `(100% de` (the rest wrapped onto the next line).
LOSS = re.compile(rf"\(\s*(?:{_WORD}\s+)?{_NUM}\s?%")
# iputils, translated: `4 Pakete übertragen, 4 empfangen, +1 Fehler, 0% Paketverlust, ...`.
UNIX_STATS = re.compile(
    rf"(\d{{1,9}}) {_WORD}(?: {_WORD})?, (\d{{1,9}}) {_WORD}((?:, ?\+\d{{1,9}} {_WORD})*), "
    rf"{_NUM}\s?% {_WORD}"
)
UNIX_ERRORS = re.compile(rf"\+(\d+) {_alt(_all('unix_errors'))}", _I)
# `64 Bytes von 10.0.0.1: icmp_seq=1 ttl=64 Zeit=1.2 ms` (a name adds ` (10.0.0.1)`).
# See ping.ADDRESS: one way to match an address, so no backtracking over its colons.
_ADDRESS = r"[^\s:]{1,255}(?::[0-9a-fA-F]{0,4}){0,8}"
UNIX_REPLY = re.compile(rf"\d{{1,9}} {_WORD} {_WORD} ({_ADDRESS})(?: \([^)]{{0,255}}\))?\s?:")
# `Von 10.0.0.1 icmp_seq=1 Zielhost nicht erreichbar`.
UNIX_FROM = re.compile(rf"{_WORD} ({_ADDRESS}):? icmp_seq=\d{{1,9}} ")
ERRORS: tuple[tuple[re.Pattern[str], str, bool], ...] = tuple(
    (re.compile(phrase_rx(phrase), _I), code, windows)
    for order in ERROR_ORDER
    for lang in LANGS
    for phrase, code, windows in lang.errors
    if code == order
)
# Any error phrase at all: one search before trying them one by one in priority order. They
# open the line or follow `PING: `, `ping: host: ` or a reply's address; testing only those
# places keeps a long line of junk cheap.
ANY_ERROR = re.compile(
    r"(?:^|(?<=[:.])\s+)(?:" + "|".join(rx.pattern for rx, _, _ in ERRORS) + ")", _I
)
OTHER = re.compile(_alt(_all("other")), _I)

# What may open a ping block in the extractor (mirrors English: a bare `General failure.`
# does not, `Ping request could not find host` does), and what may only continue one.
_START = re.compile(
    "|".join(
        (
            HEAD.pattern,
            rf"{_alt(_all('reply'))}\s+{_ADDR}\s?:\s",
            TIMEOUT.pattern,
            rf"{_alt(_all('packets'))}\s?:\s*{_alt(_all('sent'))}\s*=",
            _alt([p for lang in LANGS for p, code, win in lang.errors if win]),
            rf"\d+ {_WORD} {_WORD} \S+?\s?:\s?icmp_seq=",
        )
    ),
    _I,
)
_CONT = re.compile(
    "|".join(
        (
            OTHER.pattern,
            rf"(?:{COUNTER.pattern})",
            # `(100% Verlust),`: words apart by blanks, so a word is never split two ways.
            # Blanks bounded too: a search restarts at every position of a long blank run.
            rf"\(?\s{{0,20}}(?:{_WORD}\s{{1,20}})?\d{{1,9}}\s?%"
            rf"(?:\s{{0,20}}{_WORD}(?:\s{{1,20}}{_WORD}){{0,5}})?\s{{0,20}}\)?,?$",
            rf"{_WORD}\),?$",  # `perda),`
            UNIX_STATS.pattern,
            UNIX_FROM.pattern,
            ANY_ERROR.pattern,
            r"PING\s?:\s",  # `PING: Übertragung fehlgeschlagen. ...`
        )
    ),
    _I,
)


def _prefixes(phrases: tuple[str, ...]) -> tuple[str, ...]:
    # The ASCII start of each phrase; when an accent comes early (`Réponse`, `Délai`) the first
    # word with and without it, so one letter does not let every line through.
    out: set[str] = set()
    for p in phrases:
        head = re.split(r"[^A-Za-z -]", p, maxsplit=1)[0]
        if len(head) >= 4:
            out.add(head)
            continue
        word = p.split(" ", 1)[0] if len(p.split(" ", 1)[0]) >= 4 else " ".join(p.split(" ")[:2])
        out.add(word)
        out.add("".join(c for c in unicodedata.normalize("NFD", word) if ord(c) < 128))
    return tuple(sorted(out))


# Leading text of every block opener, for a cheap `str.startswith` test before any regex.
PREFIXES: tuple[str, ...] = _prefixes(
    (
        *_all("head"),
        *_all("reply"),
        *_all("timeout"),
        *_all("packets"),
        *(p for lang in LANGS for p, _, win in lang.errors if win),
    )
)
FIRSTS = frozenset(p[0] for p in PREFIXES)


def is_ping_line(s: str, *, cont: bool) -> bool:
    """Whether a (stripped) line is localized ping output that opens or continues a block."""
    if cont:
        return _START.match(s) is not None or _CONT.match(s) is not None
    # Every opener starts with one of the prefixes or (translated iputils) a digit.
    first = s[:1]
    if not (first.isdigit() or (first in FIRSTS and s.startswith(PREFIXES))):
        return False
    return _START.match(s) is not None


__all__ = ["FIRSTS", "LANGS", "PREFIXES", "PingLang", "is_ping_line", "phrase_rx"]
