"""Localized ping output (Windows in five languages, translated Linux) reads like English."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.diagnosis import PingResult, parse_message
from bot.diagnosis.findings import Finding, diagnose
from bot.diagnosis.parsers import ping
from bot.knowledge import KnowledgeBase


@dataclass(frozen=True)
class Wording:
    """How one Windows language prints each kind of ping line ({t}: target; counters)."""

    head: str
    reply: str
    reply_lt1: str
    timeout: str
    unreachable: str
    stats_head: str
    stats: tuple[str, ...]
    rtt: tuple[str, ...]
    not_found: str
    transmit: str


WORDINGS: dict[str, Wording] = {
    "en": Wording(
        head="Pinging {t} with 32 bytes of data:",
        reply="Reply from {t}: bytes=32 time=12ms TTL=64",
        reply_lt1="Reply from {t}: bytes=32 time<1ms TTL=64",
        timeout="Request timed out.",
        unreachable="Reply from 192.168.1.1: Destination host unreachable.",
        stats_head="Ping statistics for {t}:",
        stats=("    Packets: Sent = {s}, Received = {r}, Lost = {l} ({p}% loss),",),
        rtt=(
            "Approximate round trip times in milli-seconds:",
            "    Minimum = 0ms, Maximum = 12ms, Average = 9ms",
        ),
        not_found="Ping request could not find host nas. Please check the name and try again.",
        transmit="PING: transmit failed. General failure.",
    ),
    "de": Wording(
        head="Ping wird ausgeführt für {t} mit 32 Bytes Daten:",
        reply="Antwort von {t}: Bytes=32 Zeit=12ms TTL=64",
        reply_lt1="Antwort von {t}: Bytes=32 Zeit<1ms TTL=64",
        timeout="Zeitüberschreitung der Anforderung.",
        unreachable="Antwort von 192.168.1.1: Zielhost nicht erreichbar.",
        stats_head="Ping-Statistik für {t}:",
        stats=(
            "    Pakete: Gesendet = {s}, Empfangen = {r}, Verloren = {l}",
            "    ({p}% Verlust),",
        ),
        rtt=(
            "Ca. Zeitangaben in Millisek.:",
            "    Minimum = 0ms, Maximum = 12ms, Mittelwert = 9ms",
        ),
        not_found=(
            'Ping-Anforderung konnte Host "nas" nicht finden. Überprüfen Sie den Namen, und'
            " versuchen Sie es erneut."
        ),
        transmit="PING: Übertragung fehlgeschlagen. Allgemeiner Fehler.",
    ),
    "fr": Wording(
        head="Envoi d’une requête 'Ping'  {t} avec 32 octets de données :",
        reply="Réponse de {t} : octets=32 temps=12 ms TTL=64",
        reply_lt1="Réponse de {t} : octets=32 temps<1ms TTL=64",
        timeout="Délai d’attente de la demande dépassé.",
        unreachable="Réponse de 192.168.1.1 : Impossible de joindre l’hôte de destination.",
        stats_head="Statistiques Ping pour {t}:",
        stats=("    Paquets : envoyés = {s}, reçus = {r}, perdus = {l} (perte {p}%),",),
        rtt=(
            "Durée approximative des boucles en millisecondes :",
            "    Minimum = 0ms, Maximum = 12ms, Moyenne = 9ms",
        ),
        not_found="La requête Ping n’a pas pu trouver l’hôte nas. Vérifiez le nom et essayez à "
        "nouveau.",
        transmit="PING : échec de la transmission. Défaillance générale.",
    ),
    "es": Wording(
        head="Haciendo ping a {t} con 32 bytes de datos:",
        reply="Respuesta desde {t}: bytes=32 tiempo=12ms TTL=64",
        reply_lt1="Respuesta desde {t}: bytes=32 tiempo<1m TTL=64",
        timeout="Tiempo de espera agotado para esta solicitud.",
        unreachable="Respuesta desde 192.168.1.1: Host de destino inaccesible.",
        stats_head="Estadísticas de ping para {t}:",
        stats=(
            "    Paquetes: enviados = {s}, recibidos = {r}, perdidos = {l}",
            "    ({p}% perdidos),",
        ),
        rtt=(
            "Tiempos aproximados de ida y vuelta en milisegundos:",
            "    Mínimo = 0ms, Máximo = 12ms, Media = 9ms",
        ),
        not_found="La solicitud de ping no pudo encontrar el host nas. Compruebe el nombre y "
        "vuelva a intentarlo.",
        transmit="PING: error en la transmisión. Error general.",
    ),
    "pt-BR": Wording(
        head="Disparando {t} com 32 bytes de dados:",
        reply="Resposta de {t}: bytes=32 tempo=12ms TTL=64",
        reply_lt1="Resposta de {t}: bytes=32 tempo<1ms TTL=64",
        timeout="Esgotado o tempo limite do pedido.",
        unreachable="Resposta de 192.168.1.1: Host de destino inacessível.",
        stats_head="Estatísticas do Ping para {t}:",
        stats=(
            "    Pacotes: Enviados = {s}, Recebidos = {r}, Perdidos = {l} ({p}% de",
            "             perda),",
        ),
        rtt=(
            "Aproximar um número redondo de vezes em milissegundos:",
            "    Mínimo = 0ms, Máximo = 12ms, Média = 9ms",
        ),
        not_found="A solicitação ping não pôde encontrar o host nas. Verifique o nome e tente "
        "novamente.",
        transmit="PING: falha na transmissão. Falha geral.",
    ),
    "it": Wording(
        head="Esecuzione di Ping {t} con 32 byte di dati:",
        reply="Risposta da {t}: byte=32 durata=12ms TTL=64",
        reply_lt1="Risposta da {t}: byte=32 durata<1ms TTL=64",
        timeout="Richiesta scaduta.",
        unreachable="Risposta da 192.168.1.1: Host di destinazione non raggiungibile.",
        stats_head="Statistiche Ping per {t}:",
        stats=("    Pacchetti: Trasmessi = {s}, Ricevuti = {r},", "    Persi = {l} ({p}% persi),"),
        rtt=(
            "Tempo approssimativo percorsi andata/ritorno in millisecondi:",
            "    Minimo = 0ms, Massimo = 12ms, Medio = 9ms",
        ),
        not_found="Richiesta ping: impossibile trovare l'host nas. Verificare che il nome sia "
        "corretto e riprovare.",
        transmit="PING: trasmissione non riuscita. Errore generale.",
    ),
}
LANGS = [code for code in WORDINGS if code != "en"]
TARGET = "10.147.17.5"

# Each scenario: the lines as steps, and the ping finding it must give (None: none).
SCENARIOS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "reachable": (
        ("head", "reply", "reply", "reply", "reply_lt1", "", "stats 4 4 0 0", "rtt"),
        None,
    ),
    "timeouts": (("head", "timeout", "timeout", "timeout", "", "stats 4 0 4 100"), "ping-timeout"),
    "unreachable": (
        ("head", "unreachable", "unreachable", "", "stats 2 2 0 0"),
        "ping-unreachable",
    ),
    "loss": (
        ("head", "reply", "timeout", "reply", "reply_lt1", "", "stats 4 3 1 25", "rtt"),
        "ping-loss",
    ),
    "cropped": (("head", "reply", "timeout", "reply"), "ping-loss"),
    "not-found": (("not_found",), None),
    "transmit": (("head", "transmit", "transmit"), None),
    "stats-only": (("stats 4 0 4 100",), "ping-timeout"),
}


def render(lang: str, steps: tuple[str, ...]) -> str:
    """The paste a user of that Windows language would copy for these steps."""
    w = WORDINGS[lang]
    lines: list[str] = []
    for step in steps:
        if step.startswith("stats"):
            s, r, lost, p = step.split()[1:]
            lines.append(w.stats_head.format(t=TARGET))
            lines.extend(x.format(s=s, r=r, l=lost, p=p) for x in w.stats)
        elif step == "rtt":
            lines.extend(w.rtt)
        elif step == "":
            lines.append("")
        else:
            lines.append(getattr(w, step).format(t=TARGET))
    return "\n".join(lines) + "\n"


def pings(text: str) -> list[PingResult]:
    """Every ping run read from a message."""
    return [p for out in parse_message(text) for p in out.pings]


def ping_findings(text: str, kb: KnowledgeBase) -> list[Finding]:
    """The ping findings diagnose() gives for a message."""
    return [f for f in diagnose(text, kb.finding_text).findings if f.code.startswith("ping")]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("lang", LANGS)
def test_same_facts_as_english(lang: str, scenario: str) -> None:
    """A localized run gives exactly the PingResult (and warnings) of the English run."""
    steps, _ = SCENARIOS[scenario]
    english = parse_message(render("en", steps))
    local = parse_message(render(lang, steps))
    assert [o.pings for o in local] == [o.pings for o in english]
    assert [o.warnings for o in local] == [o.warnings for o in english]
    assert english and english[0].pings, "the English run must say something"


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("lang", LANGS)
def test_same_findings_as_english(lang: str, scenario: str, kb: KnowledgeBase) -> None:
    """diagnose() words the same ping findings for the localized and the English paste."""
    steps, code = SCENARIOS[scenario]
    english = ping_findings(render("en", steps), kb)
    assert ping_findings(render(lang, steps), kb) == english
    assert [f.code for f in english] == ([code] if code else [])


@pytest.mark.parametrize("lang", LANGS)
def test_unreachable_trap(lang: str) -> None:
    """Windows counts unreachable replies as received in every language: no loss, a warning."""
    (out,) = parse_message(render(lang, SCENARIOS["unreachable"][0]))
    (run,) = out.pings
    assert (run.os, run.sent, run.received, run.loss_pct, run.replies, run.unreachable) == (
        "windows",
        2,
        2,
        0.0,
        0,
        2,
    )
    assert run.unreachable_from == "192.168.1.1"
    assert any("unreachable" in w for w in out.warnings)


@pytest.mark.parametrize("lang", LANGS)
def test_errors(lang: str) -> None:
    """Host-not-found and transmit failures give the English error codes and OS."""
    (nf,) = pings(render(lang, ("not_found",)))
    assert (nf.errors, nf.os) == (("unknown-host",), "windows")
    (tf,) = pings(render(lang, ("head", "transmit")))
    assert tf.errors == ("general-failure",)


def _fold(text: str) -> str:
    # Accents lost on the way (retyped, or a tool that strips them).
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.combining(c) == 0)


def _mojibake(text: str) -> str:
    # UTF-8 read as Windows-1252, as when a redirected console file is opened in an editor.
    return text.encode("utf-8").decode("cp1252", errors="replace")


@pytest.mark.parametrize("mangle", [_fold, _mojibake, lambda t: t.replace("’", "'")])
@pytest.mark.parametrize("lang", LANGS)
def test_mangled_accents_and_quotes(lang: str, mangle: Callable[[str], str]) -> None:
    """Lost accents, a code-page mix-up or a plain apostrophe do not change the facts."""
    text = render(lang, SCENARIOS["loss"][0])
    assert pings(mangle(text)) == pings(text)


def test_hostname_target() -> None:
    """A name with its address in brackets gives target and target_ip, as in English."""
    de = (
        "Ping wird ausgeführt für nas.home [10.147.17.5] mit 32 Bytes Daten:\n"
        "Zeitüberschreitung der Anforderung."
    )
    fr = (
        "Envoi d’une requête 'ping' sur nas.home [10.147.17.5] avec 32 octets de données :\n"
        "Délai d’attente de la demande dépassé."
    )
    en = "Pinging nas.home [10.147.17.5] with 32 bytes of data:\nRequest timed out."
    assert pings(de) == pings(fr) == pings(en)
    assert pings(en)[0].target == "nas.home"


def test_translated_linux_statistics() -> None:
    """iputils in German (reply and statistics translated) reads like the English run."""
    head = "PING 10.147.17.5 (10.147.17.5) 56(84) bytes of data."
    de = (
        f"{head}\n64 Bytes von 10.147.17.5: icmp_seq=1 ttl=64 Zeit=12.3 ms\n\n"
        "--- 10.147.17.5 ping statistics ---\n"
        "4 Pakete übertragen, 1 empfangen, 75% Paketverlust, Zeit 3004ms\n"
    )
    en = (
        f"{head}\n64 bytes from 10.147.17.5: icmp_seq=1 ttl=64 time=12.3 ms\n\n"
        "--- 10.147.17.5 ping statistics ---\n"
        "4 packets transmitted, 1 received, 75% packet loss, time 3004ms\n"
    )
    (run,) = pings(en)
    assert pings(de) == [run]
    assert (run.os, run.timeouts, run.loss_pct) == ("linux", 3, 75.0)


def test_parser_alone_reads_typographic_apostrophes() -> None:
    """The parser, called without normalize_text, takes ’ as well as '."""
    out = ping.parse(
        [
            "Envoi d’une requête ‘Ping’  10.0.0.2 avec 32 octets de données :",
            "Délai d’attente de la demande dépassé.",
        ]
    )
    (run,) = out.pings
    assert (run.os, run.target, run.timeouts) == ("windows", "10.0.0.2", 1)


def test_prose_in_the_language_is_not_ping() -> None:
    """Chat sentences that start like ping lines give no output."""
    text = (
        "Antwort von Peter: ich habe es versucht.\nRéponse de Marie : ça ne marche pas.\n"
        "Disparando o script agora.\nPakete sind angekommen.\nRichiesta scaduta? Boh.\n"
    )
    assert pings(text) == []


_LOCAL_LINES = [
    line.format(t=TARGET, s=4, r=2, l=2, p=50)
    for lang in LANGS
    for w in (WORDINGS[lang],)
    for line in (
        w.head,
        w.reply,
        w.reply_lt1,
        w.timeout,
        w.unreachable,
        w.stats_head,
        *w.stats,
        *w.rtt,
        w.not_found,
        w.transmit,
    )
]
_JUNK = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)).filter(
        lambda c: c not in "{[`~<>\"'*"
    ),
    max_size=60,
)
_ENGLISH = render("en", SCENARIOS["loss"][0])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_LOCAL_LINES), _JUNK), max_size=25))
def test_localized_lines_with_junk(lines: list[str]) -> None:
    """Localized lines mixed with junk never raise, and leave a following English run alone."""
    mixed = "\n".join(lines)
    parse_message(mixed)
    (alone,) = pings(_ENGLISH)
    last = pings(f"{mixed}\n{_ENGLISH}")[-1]
    assert last.line is not None and alone.line is not None
    assert last == dataclasses.replace(alone, line=last.line)
