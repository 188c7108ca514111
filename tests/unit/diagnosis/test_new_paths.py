"""Property tests for the newer parser paths, and extreme numbers in every format.

Flat peer tables, listnetworks tails, JSON with comments and Python reprs, translated Windows
ping; and numbers far outside any sane range in each numeric field, which must come back as
unreadable (None, with a warning) and never raise or leak an infinity into the JSON output.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.diagnosis import Link, parse_message, to_jsonable
from bot.diagnosis.findings import diagnose
from bot.diagnosis.model import NETWORK_STATUSES
from bot.diagnosis.parsers._json import load_lenient
from bot.knowledge import load_knowledge

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KB = load_knowledge(Path(__file__).resolve().parents[3] / "knowledge")

hex10 = st.text(alphabet="0123456789abcdef", min_size=10, max_size=10)


@st.composite
def peer_rows(draw: st.DrawFn) -> list[tuple[str, str, int, str]]:
    """Distinct peers: (address, role, latency, link)."""
    addresses = draw(st.lists(hex10, min_size=1, max_size=8, unique=True))
    rows = []
    for address in addresses:
        role = draw(st.sampled_from(["PLANET", "MOON", "LEAF"]))
        link = draw(st.sampled_from(["DIRECT", "RELAY"]))
        latency = -1 if link == "RELAY" else draw(st.integers(0, 999))
        rows.append((address, role, latency, link))
    return rows


def _row(address: str, role: str, latency: int, link: str, n: int) -> str:
    if link == "RELAY":
        return f"{address} 1.14.2 {role} {latency} RELAY"
    return f"{address} 1.14.2 {role} {latency} DIRECT 100 90 192.0.2.{n % 250 + 1}/9993"


@FAST
@given(peer_rows(), st.sampled_from(["", "here you go: ", "`"]))
def test_flat_peers_read_like_the_table(rows: list[tuple[str, str, int, str]], lead: str) -> None:
    """The same rows on one line (line breaks lost) read like the table itself."""
    body = [_row(*r, n) for n, r in enumerate(rows)]
    header = "200 peers <ztaddr> <ver> <role> <lat> <link> <lastTX> <lastRX> <path>"
    flat = lead + " ".join([header, *body])
    table = "\n".join(["200 peers", header.removeprefix("200 peers "), *body])
    (flat_out,) = parse_message(flat)
    (table_out,) = parse_message(table)
    got = [(p.address, p.link, p.latency_ms) for p in flat_out.peers]
    assert got == [(p.address, p.link, p.latency_ms) for p in table_out.peers]
    assert [p.address for p in flat_out.peers] == [r[0] for r in rows]
    assert all(p.link is Link(r[3]) for p, r in zip(flat_out.peers, rows, strict=True))


@FAST
@given(
    st.sampled_from(sorted(NETWORK_STATUSES)),
    st.sampled_from(["PRIVATE", "PUBLIC"]),
    st.text(alphabet="abcdefghz0123456789", min_size=1, max_size=10),
)
def test_listnetworks_tail_keeps_the_status(status: str, kind: str, device: str) -> None:
    """A row cut to `STATUS TYPE DEV IPS` gives that status and no id."""
    (out,) = parse_message(f"it says\n{status} {kind} zt{device} -\nwhy?")
    (net,) = out.networks
    assert (net.id, net.status, net.type) == (None, status, kind)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(alphabet="abc xyz'\"/:-", max_size=12),
)
json_like = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(alphabet="abcdefgh", min_size=1, max_size=6), inner, max_size=4),
    ),
    max_leaves=12,
)


@FAST
@given(
    st.dictionaries(
        st.text(alphabet="abcdefgh", min_size=1, max_size=6), json_like, min_size=1, max_size=5
    )
)
def test_python_repr_loads_as_its_value(value: dict[str, Any]) -> None:
    """A Python dict repr (single quotes, True/False/None) loads as the value it shows."""
    loaded = load_lenient(repr(value))
    assert loaded is not None
    assert loaded[0] == value


@FAST
@given(
    st.dictionaries(
        st.text(alphabet="abcdefgh", min_size=1, max_size=6), json_like, min_size=1, max_size=5
    )
)
def test_json_with_comments_and_trailing_commas(value: dict[str, Any]) -> None:
    """JSON with `//` comments after each line and trailing commas loads as the value."""
    lines = json.dumps(value, indent=1).splitlines()
    out = []
    for n, line in enumerate(lines):
        closes = n + 1 < len(lines) and lines[n + 1].strip()[:1] in "}]"
        trailing = "," if closes and not line.rstrip().endswith(("{", "[")) else ""
        out.append(f"{line}{trailing} // note")
    commented = "\n".join(out)
    loaded = load_lenient(commented)
    assert loaded is not None
    assert loaded[0] == value


@FAST
@given(
    st.lists(st.integers(0, 900), min_size=1, max_size=6),
    st.integers(0, 3),
    st.sampled_from(["zh", "ru"]),
)
def test_translated_windows_ping_keeps_its_facts(times: list[int], lost: int, lang: str) -> None:
    """Replies, timeouts and the statistics of a Chinese or Russian ping are read exactly."""
    ip = "10.1.2.3"
    sent = len(times) + lost
    if lang == "zh":
        lines = [f"正在 Ping {ip} 具有 32 字节的数据:"]
        lines += [f"来自 {ip} 的回复: 字节=32 时间={t}ms TTL=64" for t in times]
        lines += ["请求超时。"] * lost
        lines += [
            f"{ip} 的 Ping 统计信息:",
            f"    数据包: 已发送 = {sent}，已接收 = {len(times)}，丢失 = {lost} "
            f"({lost * 100 // sent}% 丢失)，",
        ]
    else:
        lines = [f"Обмен пакетами с {ip} по с 32 байтами данных:"]
        lines += [f"Ответ от {ip}: число байт=32 время={t}мс TTL=64" for t in times]
        lines += ["Превышен интервал ожидания для запроса."] * lost
        lines += [
            f"Статистика Ping для {ip}:",
            f"    Пакетов: отправлено = {sent}, получено = {len(times)}, потеряно = {lost}",
        ]
    (out,) = parse_message("\n".join(lines))
    (run,) = out.pings
    assert (run.sent, run.received, run.replies, run.timeouts) == (
        sent,
        len(times),
        len(times),
        lost,
    )
    assert run.times_ms == tuple(float(t) for t in times)
    assert run.loss_pct == float(lost * 100 // sent)


# --- extreme numbers in every format -------------------------------------------------------

TEMPLATES = [
    "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time={n} ms",
    "Reply from 10.0.0.1: bytes=32 time={n}ms TTL=64",
    "Antwort von 10.0.0.1: Bytes=32 Zeit={n}ms TTL=64",
    "来自 10.0.0.1 的回复: 字节=32 时间={n}ms TTL=64",
    "{n} packets transmitted, 3 received, 0% packet loss, time 2003ms",
    "3 packets transmitted, 3 received, {n}% packet loss, time 2003ms",
    "    Packets: Sent = {n}, Received = 4, Lost = 0 (0% loss),",
    "    Packets: Sent = 4, Received = 4, Lost = 0 ({n}% loss),",
    "200 peers\n<ztaddr> <ver> <role> <lat> <link> <lastTX> <lastRX> <path>\n"
    "0a0b0c0d0e 1.14.2 LEAF {n} DIRECT 100 90 192.0.2.1/9993",
    "200 peers\n<ztaddr> <ver> <role> <lat> <link> <lastTX> <lastRX> <path>\n"
    "0a0b0c0d0e 1.14.2 LEAF 12 DIRECT {n} {n} 192.0.2.1/{n}",
    "200 listpeers 0a0b0c0d0e 192.0.2.1/9993;{n};{n} {n} 1.14.2 LEAF",
    "200 listnetworks <nwid> <name> <status> <config age> <type> <dev> <ips>\n"
    "200 listnetworks 8bd5124fd6b1a2c3 x OK {n} PRIVATE zt0 -",
    '[{{"address": "0a0b0c0d0e", "latency": {n}, "role": "LEAF", "version": "1.14.2",'
    ' "paths": [{{"address": "192.0.2.1/9993", "preferred": true, "lastSend": {n},'
    ' "lastReceive": {n}, "linkQuality": {n}}}]}}]',
    '{{"address": "0a0b0c0d0e", "online": true, "clock": {n}, "version": "1.14.2",'
    ' "config": {{"settings": {{"primaryPort": {n}, "surfaceAddresses": ["1.2.3.4/{n}"]}}}}}}',
    "200 info 0a0b0c0d0e 1.{n}.2 ONLINE",
]
extreme = st.one_of(
    st.integers(-(10**400), 10**400).map(str),
    st.text(alphabet="0123456789", min_size=20, max_size=800),
    st.sampled_from(["1e999", "-1e999", "1e308", "0.000000000000000000001", "-0", "00000000009"]),
    st.integers(-(2**70), 2**70).map(str),
)


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TEMPLATES), extreme)
def test_extreme_numbers_never_raise_and_never_leak(template: str, number: str) -> None:
    """Any number in any field: diagnosis returns, and the JSON output holds no infinity."""
    text = template.format(n=number)
    d = diagnose(text, KB.finding_text)
    data = to_jsonable(d.outputs)
    assert _finite(data)
    json.dumps(data, allow_nan=False)
    for finding in d.findings:
        json.dumps(finding.to_dict(), allow_nan=False)
