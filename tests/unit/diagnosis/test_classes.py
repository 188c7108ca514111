"""Every failure class of paste diagnosis, each on examples written for this file.

One table per class: the paste, then what a support engineer would read from it (codes that
must and must not appear, or parsed facts). The examples are this file's own, not the
synthetic ones the classes were described with.
"""

from __future__ import annotations

import pytest

from bot.core.compose import question_part
from bot.diagnosis import Link, Role, parse_message
from bot.diagnosis.codes import Code
from bot.diagnosis.findings import Diagnosis, diagnose
from bot.knowledge import KnowledgeBase

HEADER = "<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>"
NET_HEADER = "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>"


def _peers(*rows: str) -> str:
    return "\n".join(["200 peers", HEADER, *rows])


def _diag(kb: KnowledgeBase, text: str) -> Diagnosis:
    return diagnose(text, kb.finding_text)


def _codes(kb: KnowledgeBase, text: str) -> set[str]:
    return {f.code for f in _diag(kb, text).findings}


def _check(
    kb: KnowledgeBase, text: str, present: tuple[Code, ...], absent: tuple[Code, ...]
) -> None:
    codes = _codes(kb, text)
    for code in present:
        assert code in codes, (code, codes)
    for code in absent:
        assert code not in codes, (code, codes)


# --- root and path health -----------------------------------------------------------------

ROOT_CASES = [
    pytest.param(
        _peers(
            "62f865ae71 -      PLANET    -1 RELAY",
            "778cde7190 -      PLANET   110 DIRECT   4000     3900     203.0.113.80/9993",
            "cafe9efeb9 -      PLANET    -1 RELAY",
            "0d1e2f3a4b 1.12.2 LEAF      15 DIRECT   900      880      192.0.2.50/9993",
        ),
        (Code.ROOTS_PARTLY_RELAYED,),
        (Code.NO_ROOT_REACHABLE,),
        id="two-of-three-roots-relayed",
    ),
    pytest.param(
        _peers(
            "62f865ae71 -      PLANET   800 DIRECT   2000     400000   198.51.100.9/9993",
            "778cde7190 -      PLANET   750 DIRECT   2000     380000   198.51.100.8/9993",
        ),
        (Code.ROOTS_STALE, Code.UPLINK_SLOW),
        (Code.HIGH_LATENCY,),
        id="roots-silent-for-minutes",
    ),
    pytest.param(
        _peers(
            "62f865ae71 -      PLANET    90 DIRECT   2000     1900     198.51.100.9/9993",
            "778cde7190 -      PLANET    70 DIRECT   2000     185000   198.51.100.8/9993",
        ),
        (Code.ROOTS_STALE,),
        (Code.UPLINK_SLOW, Code.NO_ROOT_REACHABLE),
        id="one-root-going-stale",
    ),
    pytest.param(
        _peers(
            "62f865ae71 -      PLANET   420 DIRECT   2000     1900     198.51.100.9/9993",
            "778cde7190 -      PLANET   390 DIRECT   2000     1900     198.51.100.8/9993",
            "0d1e2f3a4b 1.14.2 LEAF     460 DIRECT   900      880      192.0.2.50/9993",
        ),
        (Code.UPLINK_SLOW,),
        (Code.HIGH_LATENCY,),
        id="slow-uplink-not-a-slow-peer",
    ),
    pytest.param(
        _peers(
            "62f865ae71 -      PLANET    40 DIRECT   2000     1900     198.51.100.9/9993",
            "778cde7190 -      PLANET    60 DIRECT   2000     1900     198.51.100.8/9993",
            "0d1e2f3a4b 1.14.2 LEAF     460 DIRECT   900      880      192.0.2.50/9993",
        ),
        (Code.HIGH_LATENCY,),
        (Code.UPLINK_SLOW,),
        id="fast-roots-slow-peer",
    ),
    pytest.param(
        "200 listpeers <ztaddr> <paths> <latency> <version> <role>\n"
        "200 listpeers 8841408a2e 159.203.2.154/9993;1200;1150;preferred 80 - ROOT\n"
        "200 listpeers 9d219039f3 159.203.97.171/9993;1200;1180;preferred 95 - ROOT\n"
        "200 listpeers 1f2e3d4c5b - 0 1.1.14 LEAF",
        (Code.PEER_RELAYED, Code.VERY_OLD_CLIENT),
        (Code.NO_ROOT_REACHABLE,),
        id="roots-of-1.1-are-roots",
    ),
]


@pytest.mark.parametrize(("text", "present", "absent"), ROOT_CASES)
def test_root_and_path_health(
    kb: KnowledgeBase, text: str, present: tuple[Code, ...], absent: tuple[Code, ...]
) -> None:
    """Roots are judged on their own: relayed in part, silent, slow (then the uplink is)."""
    _check(kb, text, present, absent)


def test_self_hosted_planet_is_not_called_zerotiers_roots(kb: KnowledgeBase) -> None:
    """An unreachable planet of one's own is named as such, not as ZeroTier's roots."""
    d = _diag(kb, _peers("a1b2c3d4e5 -      PLANET    -1 RELAY"))
    (lead,) = [f for f in d.findings if f.code == Code.NO_ROOT_REACHABLE]
    assert "own planet" in lead.summary
    assert "ZeroTier roots" not in lead.summary


# --- the words decide when the output looks healthy ----------------------------------------

HEALTHY = _peers(
    "62f865ae71 -      PLANET    40 DIRECT   2000     1900     198.51.100.9/9993",
    "0d1e2f3a4b 1.14.2 LEAF      12 DIRECT   900      880      192.0.2.50/9993",
)
WORD_CASES = [
    pytest.param(
        f"{HEALTHY}\nstill cannot reach my printer share from the laptop", True, id="reach"
    ),
    pytest.param(f"looks fine but RDP times out\n{HEALTHY}", True, id="rdp-times-out"),
    pytest.param(f"{HEALTHY}\nping is not working between them", True, id="ping-not-working"),
    pytest.param(f"$ sudo zerotier-cli peers\n{HEALTHY}", False, id="typed-command-only"),
    pytest.param(f"{HEALTHY}\nall good now, thanks!", False, id="no-symptom"),
    pytest.param(
        f"{HEALTHY}\nnone of the ZT IPs (10.147.17.x) answer a ping", True, id="none-answer-ping"
    ),
    pytest.param(f"{HEALTHY}\nthe nas doesnt reply to pings over zt", True, id="no-reply"),
    pytest.param(
        f"{HEALTHY}\nnot sure why, but now every node answers pings", False, id="answers-ping"
    ),
]


@pytest.mark.parametrize(("text", "symptom"), WORD_CASES)
def test_words_decide_when_output_is_healthy(kb: KnowledgeBase, text: str, symptom: bool) -> None:
    """A clean paste plus "can't reach" gets the ping/firewall finding; a typed command not."""
    codes = _codes(kb, text)
    assert (Code.SYMPTOM_UNREACHABLE in codes) is symptom
    if symptom:
        topics = {t for f in _diag(kb, text).problems for t in f.topics}
        assert {"ping-not-working", "firewall-security-software"} <= topics


def test_words_never_override_a_real_finding(kb: KnowledgeBase) -> None:
    """When the output shows a problem, that problem speaks, not the words."""
    text = _peers("62f865ae71 -      PLANET    -1 RELAY") + "\ncan't ping anything"
    codes = _codes(kb, text)
    assert Code.NO_ROOT_REACHABLE in codes
    assert Code.SYMPTOM_UNREACHABLE not in codes


def test_prose_on_the_same_line_as_inline_output_is_kept(kb: KnowledgeBase) -> None:
    """`200 info ...` in backticks and the question around it on one line: both are read."""
    text = "the box says `200 info 0a0b0c0d0e 1.14.2 ONLINE` yet ssh to it fails to connect"
    d = _diag(kb, text)
    assert [o.command for o in d.outputs] == ["info"]
    assert Code.SYMPTOM_UNREACHABLE in {f.code for f in d.findings}


@pytest.mark.parametrize(
    "text",
    [
        "Installed the package, zerotier-cli status gives 200 info 0a0b0c0d0e 1.14.2 ONLINE and "
        "the network shows up as well, so it looks online but I can't ping the box from my laptop.",
        "my router lists the other node in listpeers (200 listpeers 0a0b0c0d0e 192.0.2.7/9993;"
        "10;20 1 LEAF) but from the desktop I cannot reach it over ssh at all, any idea why",
    ],
    ids=["info-in-a-sentence", "listpeers-in-a-sentence"],
)
def test_a_sentence_quoting_output_without_backticks_is_prose(kb: KnowledgeBase, text: str) -> None:
    """Output quoted inside a long sentence, no backticks: the sentence is still the question."""
    d = _diag(kb, text)
    assert d.outputs
    assert Code.SYMPTOM_UNREACHABLE in {f.code for f in d.findings}


@pytest.mark.parametrize(
    "row",
    [
        "200 listnetworks 8056c2e21c000001 home 02:11:22:33:44:55 OK PRIVATE ztabc 10.147.17.4/24",
        "61d294b9cb -      PLANET    43 DIRECT 1617     6580     50.7.73.34/9993 "
        "62f865ae71 -      PLANET   193 DIRECT 1617     1424     198.51.100.2/9993",
    ],
)
def test_output_rows_are_not_prose(kb: KnowledgeBase, row: str) -> None:
    """A row of output, however long, is not read as words of the question."""
    assert question_part(row, _diag(kb, row)) == ""


def test_offline_in_the_words_alone_is_not_a_paste(kb: KnowledgeBase) -> None:
    """Words without any output raise the symptom, but the message is not a paste to diagnose."""
    d = _diag(kb, "my node shows offline since the router swap")
    assert Code.SYMPTOM_OFFLINE in {f.code for f in d.findings}
    assert not d.informative


# --- several outputs of one command ----------------------------------------------------------


def test_partial_json_copy_does_not_hide_the_full_table(kb: KnowledgeBase) -> None:
    """A `-j` copy cut to one object updates that peer; the other rows still count."""
    text = (
        _peers(
            "62f865ae71 -      PLANET    44 DIRECT   2000     1900     198.51.100.9/9993",
            "1a1a1a1a1a 1.14.2 LEAF      -1 RELAY",
            "2b2b2b2b2b 1.14.2 LEAF      -1 RELAY",
        )
        + '\n[{"address": "1a1a1a1a1a", "latency": 9, "role": "LEAF", "version": "1.14.2",'
        ' "paths": [{"address": "192.0.2.9/9993", "preferred": true, "active": true}]}]'
    )
    d = _diag(kb, text)
    (relayed,) = [f for f in d.findings if f.code == Code.PEER_RELAYED]
    assert "2b2b2b2b2b" in relayed.summary and "1a1a1a1a1a" not in relayed.summary


@pytest.mark.parametrize(
    ("first", "second", "changed"),
    [
        ("ACCESS_DENIED", "OK", True),
        ("REQUESTING_CONFIGURATION", "OK", True),
        ("OK", "ACCESS_DENIED", False),
    ],
)
def test_latest_network_state_wins_and_changes_are_said(
    kb: KnowledgeBase, first: str, second: str, changed: bool
) -> None:
    """Before/after listnetworks: the later row is judged; a fix is reported as a change."""
    row = "200 listnetworks 9f8e7d6c5b4a3921 lab 02:aa:bb:cc:dd:ee {} PRIVATE ztabcdefgh -"
    text = "\n".join(
        [NET_HEADER, row.format(first), "after a restart:", NET_HEADER, row.format(second)]
    )
    codes = _codes(kb, text)
    assert (Code.STATE_CHANGED in codes) is changed
    assert (Code.ACCESS_DENIED in codes) is (second == "ACCESS_DENIED")


def test_ping_before_and_after(kb: KnowledgeBase) -> None:
    """A failing ping then a working one to the same target: no failure, a change."""
    text = (
        "Pinging 10.20.30.40 with 32 bytes of data:\nRequest timed out.\nRequest timed out.\n\n"
        "Ping statistics for 10.20.30.40:\n"
        "    Packets: Sent = 2, Received = 0, Lost = 2 (100% loss),\n"
        "now after the firewall rule:\n"
        "Pinging 10.20.30.40 with 32 bytes of data:\n"
        "Reply from 10.20.30.40: bytes=32 time=4ms TTL=128\n"
    )
    codes = _codes(kb, text)
    assert Code.STATE_CHANGED in codes
    assert Code.PING_TIMEOUT not in codes


# --- parser tolerance ------------------------------------------------------------------------


def test_flat_peers_line_is_split_by_row_shape() -> None:
    """A peers table squeezed onto one line by a chat client is read row by row."""
    flat = (
        "here: 200 peers <ztaddr> <ver> <role> <lat> <link> <lastTX> <lastRX> <path> "
        "778cde7190 - PLANET 61 DIRECT 1500 1400 203.0.113.7/9993 "
        "3c3c3c3c3c 1.10.6 LEAF -1 RELAY "
        "4d4d4d4d4d 1.14.1 LEAF 12 DIRECT 300 290 192.0.2.4/21004 thoughts?"
    )
    (out,) = parse_message(flat)
    assert [(p.address, p.link) for p in out.peers] == [
        ("778cde7190", Link.DIRECT),
        ("3c3c3c3c3c", Link.RELAY),
        ("4d4d4d4d4d", Link.DIRECT),
    ]


@pytest.mark.parametrize(
    ("row", "nwid", "name", "status", "mac"),
    [
        (
            "<network id> <network name> <mac> NOT_FOUND PRIVATE <dev> -",
            "<network id>",
            "<network name>",
            "NOT_FOUND",
            "<mac>",
        ),
        ("<nwid> home <mac> OK PRIVATE zt7 10.1.1.2/24", "<nwid>", "home", "OK", "<mac>"),
        (
            "8bd5124fd6b1a2c3 lab 7a:bb:**:**:**:01 OK PRIVATE zt0 -",
            "8bd5124fd6b1a2c3",
            "lab",
            "OK",
            "7a:bb:**:**:**:01",
        ),
        (
            "8bd5124fd6XXXXXX lab 7a:bb:cc:XXXXXX ACCESS_DENIED PRIVATE ztx -",
            "8bd5124fd6XXXXXX",
            "lab",
            "ACCESS_DENIED",
            "7a:bb:cc:xxxxxx",
        ),
    ],
)
def test_listnetworks_placeholders_and_masks(
    row: str, nwid: str, name: str, status: str, mac: str
) -> None:
    """Placeholder rows are rows; masks over several columns and part of a MAC are read."""
    (out,) = parse_message(f"{NET_HEADER}\n200 listnetworks {row}")
    (net,) = out.networks
    assert (net.id, net.name, net.status, net.mac) == (nwid, name, status, mac)


@pytest.mark.parametrize(
    "line",
    ["ACCESS_DENIED PRIVATE ztabcdefgh -", "REQUESTING_CONFIGURATION PUBLIC zt3 -"],
)
def test_listnetworks_tail_only(line: str) -> None:
    """Only the tail of a row (status, type, device): the status is read, the id is None."""
    (out,) = parse_message(f"mine is stuck at\n{line}\nany idea?")
    (net,) = out.networks
    assert net.id is None and net.status == line.split(maxsplit=1)[0]


@pytest.mark.parametrize(
    ("status", "code"),
    [("INITIALIZING", Code.UNKNOWN_STATUS), ("WAITING_FOR_FIRST_AUTOCONF", Code.UNKNOWN_STATUS)],
)
def test_unknown_status_is_a_finding(kb: KnowledgeBase, status: str, code: Code) -> None:
    """A status word current releases never print is itself a finding, never "nothing wrong"."""
    row = f"200 listnetworks 8bd5124fd6b1a2c3 lab 02:aa:bb:cc:dd:ee {status} PRIVATE zt0 -"
    text = f"{NET_HEADER}\n{row}"
    d = _diag(kb, text)
    assert code in {f.code for f in d.problems}


def test_very_old_layout_leads_as_a_very_old_client(kb: KnowledgeBase) -> None:
    """The 2014 layout (config age, no MAC) means a very old client, ahead of the stuck network."""
    text = (
        "200 listnetworks <nwid> <name> <status> <config age> <type> <dev> <ips>\n"
        "200 listnetworks 8bd5124fd6b1a2c3 lab REQUESTING_CONFIGURATION 12 PRIVATE zt0 -"
    )
    d = _diag(kb, text)
    assert d.problems[0].code == Code.VERY_OLD_CLIENT


@pytest.mark.parametrize(
    ("row", "address", "latency"),
    [
        ("200 listpeers 62f8XXXXXX50.7.252.138/9993;100;90 210 - PLANET", "62f8XXXXXX", 210),
        ("200 listpeers **********198.51.100.3/41000;10;10 33 1.14.2 LEAF", "**********", 33),
        (
            "200 listpeers 0269ac3b01 198.51.100.3/9993;5;5 24 1.6.2 MOON # my moon, yay",
            "0269ac3b01",
            24,
        ),
    ],
)
def test_listpeers_masked_glued_and_commented(row: str, address: str, latency: int) -> None:
    """A masked address glued to its path is split; a shell comment after the role is dropped."""
    (out,) = parse_message(row)
    (peer,) = out.peers
    assert (peer.address, peer.latency_ms, peer.link) == (address, latency, Link.DIRECT)
    assert peer.role is not Role.UNKNOWN


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "so it just prints Error connecting to the ZeroTier service: connection failed "
            "and stops",
            Code.SERVICE_UNREACHABLE,
        ),
        (
            "every time: Please check that the service is running and that TCP port 9993 "
            "can be contacted via 127.0.0.1. help",
            Code.SERVICE_UNREACHABLE,
        ),
        (
            "Jan 01 10:00:00 host zerotier-one[812]: ERROR: unable to configure virtual "
            "network port: could not open TUN/TAP device: Permission denied",
            Code.SERVICE_ERROR,
        ),
        ("systemd[1]: Failed to start ZeroTier One.", Code.SERVICE_UNREACHABLE),
        (
            "zerotier-one: fatal error: cannot bind to local control interface port 9993",
            Code.PORT_IN_USE,
        ),
        ("bash: /usr/sbin/zerotier-cli: Permission denied", Code.PERMISSION_DENIED),
        ("$ zerotier-cli leave 1234567890abcdef\n404 leave {}", Code.CLI_ERROR),
    ],
)
def test_error_sentences_anywhere_and_service_logs(
    kb: KnowledgeBase, text: str, code: Code
) -> None:
    """ZeroTier's own sentences mid-line, service and OS log lines, HTTP errors: all findings."""
    assert code in {f.code for f in _diag(kb, text).problems}


PING_CASES = [
    pytest.param(
        "正在 Ping 10.9.8.7 具有 32 字节的数据:\n来自 10.9.8.7 的回复: 字节=32 时间=12ms TTL=64\n"
        "来自 10.9.8.7 的回复: 字节=32 时间<1ms TTL=64\n\n10.9.8.7 的 Ping 统计信息:\n"
        "    数据包: 已发送 = 2，已接收 = 2，丢失 = 0 (0% 丢失)，",
        (2, 2, 0.0, 2, 0),
        id="chinese",
    ),
    pytest.param(
        "10.9.8.7 に ping を送信しています 32 バイトのデータ:\n要求がタイムアウトしました。\n"
        "要求がタイムアウトしました。\n\n10.9.8.7 の ping 統計:\n"
        "    パケット数: 送信 = 2、受信 = 0、損失 = 2 (100% の損失)、",
        (2, 0, 100.0, 0, 2),
        id="japanese",
    ),
    pytest.param(
        "Ping 10.9.8.7 32바이트 데이터 사용:\n10.9.8.7의 응답: 바이트=32 시간=40ms TTL=64\n\n"
        "10.9.8.7에 대한 Ping 통계:\n    패킷: 보냄 = 1, 받음 = 1, 손실 = 0 (0% 손실),",
        (1, 1, 0.0, 1, 0),
        id="korean",
    ),
    pytest.param(
        "Обмен пакетами с 10.9.8.7 по с 32 байтами данных:\n"
        "Превышен интервал ожидания для запроса.\n"
        "Ответ от 10.9.8.7: число байт=32 время=88мс TTL=64\n\n"
        "Статистика Ping для 10.9.8.7:\n"
        "    Пакетов: отправлено = 2, получено = 1, потеряно = 1\n    (50% потерь)",
        (2, 1, 50.0, 1, 1),
        id="russian",
    ),
]


@pytest.mark.parametrize(("text", "facts"), PING_CASES)
def test_windows_ping_in_cjk_and_russian(
    text: str, facts: tuple[int, int, float, int, int]
) -> None:
    """Windows ping in Chinese, Japanese, Korean and Russian yields the English facts."""
    (out,) = parse_message(text)
    (run,) = out.pings
    assert (run.sent, run.received, run.loss_pct, run.replies, run.timeouts) == facts
    assert run.os == "windows" and run.target_ip == "10.9.8.7"


# --- -j info configuration and impossible ids ---------------------------------------------


def _info(settings: str) -> str:
    return (
        '{\n "address": "0a0b0c0d0e",\n "config": { "settings": {' + settings + "} },\n"
        ' "online": true,\n "tcpFallbackActive": false,\n "version": "1.14.2"\n}'
    )


CONFIG_CASES = [
    pytest.param(
        _info(
            '"primaryPort": 9993, "listeningOn": ["10.0.0.2/9993", "10.0.0.2/51234"],'
            ' "surfaceAddresses": ["198.51.100.4/30001", "198.51.100.4/30555",'
            ' "198.51.100.4/31999"]'
        ),
        (Code.SYMMETRIC_NAT,),
        (Code.NON_DEFAULT_PORT,),
        id="symmetric-nat",
    ),
    pytest.param(
        _info(
            '"primaryPort": 9993,'
            ' "listeningOn": ["10.0.0.2/9993", "10.0.0.2/51234", "10.0.0.2/40404"],'
            ' "surfaceAddresses": ["198.51.100.4/62000", "198.51.100.4/51234",'
            ' "198.51.100.4/40404"]'
        ),
        (),
        (Code.SYMMETRIC_NAT,),
        id="one-port-remapped-is-not-symmetric",
    ),
    pytest.param(
        _info('"primaryPort": 8443, "forceTcpRelay": true'),
        (Code.NON_DEFAULT_PORT, Code.TCP_RELAY_FORCED),
        (Code.SYMMETRIC_NAT,),
        id="port-and-forced-relay",
    ),
]


@pytest.mark.parametrize(("text", "present", "absent"), CONFIG_CASES)
def test_json_info_configuration(
    kb: KnowledgeBase, text: str, present: tuple[Code, ...], absent: tuple[Code, ...]
) -> None:
    """Non-default port, symmetric NAT and forced TCP relay are read from `-j info`."""
    _check(kb, text, present, absent)


@pytest.mark.parametrize(
    ("nwid", "bogus"),
    [
        ("0000000000a1b2c3", True),
        ("0000000000000001", True),
        ("ffffffffffffffff", False),
        ("8bd5124fd6000001", False),
    ],
)
def test_impossible_network_ids(kb: KnowledgeBase, nwid: str, bogus: bool) -> None:
    """A reserved controller part is a mistyped id; all-f is a user's mask, not a mistake."""
    row = f"200 listnetworks {nwid} x 02:aa:bb:cc:dd:ee REQUESTING_CONFIGURATION PRIVATE zt0 -"
    text = f"{NET_HEADER}\n{row}"
    codes = _codes(kb, text)
    assert (Code.BOGUS_NETWORK_ID in codes) is bogus
    d = _diag(kb, text)
    assert all("?" not in f.summary for f in d.findings)


# --- reply composition -------------------------------------------------------------------------


def test_masked_controller_is_worded_around(kb: KnowledgeBase) -> None:
    """No "controller ? is not answering (?)" for a masked id."""
    row = "x 02:aa:bb:cc:dd:ee REQUESTING_CONFIGURATION PRIVATE zt0 -"
    text = f"{NET_HEADER}\n200 listnetworks ################ {row}"
    (finding,) = [f for f in _diag(kb, text).findings if f.code == Code.REQUESTING_CONFIGURATION]
    assert "?" not in finding.summary
    assert "its controller is not answering" in finding.summary


def test_linux_unreachable_from_own_address_means_no_answer(kb: KnowledgeBase) -> None:
    """`From <own address> ... Destination Host Unreachable`: a route, and a silent peer."""
    text = (
        "PING 10.4.4.9 (10.4.4.9) 56(84) bytes of data.\n"
        "From 10.4.4.2 icmp_seq=1 Destination Host Unreachable\n"
        "From 10.4.4.2 icmp_seq=2 Destination Host Unreachable\n"
    )
    codes = _codes(kb, text)
    assert Code.PING_NO_ANSWER in codes and Code.PING_UNREACHABLE not in codes


def test_token_error_is_not_a_stopped_service(kb: KnowledgeBase) -> None:
    """A token or permission error's wording does not say the service is stopped."""
    text = (
        "zerotier-cli: authtoken.secret not found or readable in /var/lib/zerotier-one "
        "(try again as root)"
    )
    (finding,) = _diag(kb, text).problems
    assert finding.code == Code.TOKEN_UNREADABLE
    assert "not running" not in finding.summary.lower()


def test_slow_direct_peer_is_not_called_relayed(kb: KnowledgeBase) -> None:
    """A slow DIRECT peer's finding talks about latency, not relaying."""
    text = _peers(
        "62f865ae71 -      PLANET    40 DIRECT   2000     1900     198.51.100.9/9993",
        "0d1e2f3a4b 1.14.2 LEAF     640 DIRECT   900      880      192.0.2.50/9993",
    )
    (finding,) = _diag(kb, text).problems
    assert finding.code == Code.HIGH_LATENCY
    assert "relayed" not in finding.summary.lower()


def test_peer_relayed_before_and_direct_after(kb: KnowledgeBase) -> None:
    """Two copies of the peer list, the peer relayed then direct: a change, not a problem."""
    before = _peers(
        "62f865ae71 -      PLANET    44 DIRECT   2000     1900     198.51.100.9/9993",
        "5e5e5e5e5e 1.14.2 LEAF      -1 RELAY",
    )
    after = _peers(
        "62f865ae71 -      PLANET    41 DIRECT   1000     900      198.51.100.9/9993",
        "5e5e5e5e5e 1.14.2 LEAF      18 DIRECT   500      480      192.0.2.77/41641",
    )
    d = _diag(kb, f"{before}\nafter I opened the firewall:\n{after}")
    codes = {f.code for f in d.findings}
    assert Code.PEER_RELAYED not in codes
    (change,) = [f for f in d.findings if f.code == Code.STATE_CHANGED]
    assert "5e5e5e5e5e" in change.summary
