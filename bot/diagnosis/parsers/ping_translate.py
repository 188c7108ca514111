"""Windows `ping` in Chinese, Japanese, Korean and Russian, rewritten line by line as English.

These languages reorder the sentence (Japanese and Korean put the address first, Chinese wraps
it in `来自 ... 的回复`), use full-width punctuation and their own units (`мс`), so they do not
fit the phrase tables of `ping_lang`. Each known line is rewritten to the English Windows line
with the same facts, and the English parser reads it from there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Final

_A: Final = r"(\S{1,64}?)"  # a target: address or host name
_BR: Final = r"(?: \[(\S{1,64})\])?"  # `host [address]`
_N: Final = r"(\d{1,9})"
_C: Final = r"\s?[:：]"  # ASCII or full-width colon
_SEP: Final = r"\s?[,，、]\s?"  # ASCII, full-width or ideographic comma

_Rewrite = Callable[[re.Match[str]], str]


def _head(m: re.Match[str]) -> str:
    target, ip, size = m.group(1), m.group(2), m.group(3)
    return f"Pinging {target}{f' [{ip}]' if ip else ''} with {size} bytes of data:"


def _reply(m: re.Match[str]) -> str:
    target, size, op, ms, ttl = m.group(1, 2, 3, 4, 5)
    return f"Reply from {target}: bytes={size} time{op}{ms}ms TTL={ttl}"


def _reply_unreachable(m: re.Match[str]) -> str:
    return f"Reply from {m.group(1)}: Destination host unreachable."


def _stats_head(m: re.Match[str]) -> str:
    return f"Ping statistics for {m.group(1)}:"


def _packets(m: re.Match[str]) -> str:
    sent, received, lost = int(m.group(1)), int(m.group(2)), int(m.group(3))
    loss = m.group(4) if m.lastindex and m.lastindex >= 4 and m.group(4) else None
    if loss is None:
        loss = str(lost * 100 // sent) if sent else "0"
    return f"Packets: Sent = {sent}, Received = {received}, Lost = {lost} ({loss}% loss),"


def _rtt(m: re.Match[str]) -> str:
    return f"Minimum = {m.group(1)}ms, Maximum = {m.group(2)}ms, Average = {m.group(3)}ms"


def _const(text: str) -> _Rewrite:
    return lambda _m: text


def _unknown_host(m: re.Match[str]) -> str:
    return f"Ping request could not find host {m.group(1)}. Please check the name and try again."


_RTT_HEAD: Final = _const("Approximate round trip times in milli-seconds:")
_TIMEOUT: Final = _const("Request timed out.")
_GENERAL: Final = _const("General failure.")
_LOSS_ONLY: Final = _const("")
_MS: Final = r"\s?(?:ms|мс|мсек)"

_UNREACH_ZH: Final = "无法访问目标(?:主机|网)。?"
_UNREACH_JA: Final = "宛先(?:ホスト|ネットワーク)に到達できません。?"
_UNREACH_KO: Final = r"대상 (?:호스트|네트워크)에 연결할 수 없습니다\.?"
_UNREACH_RU: Final = r"Заданн(?:ый узел|ая сеть) недоступ(?:ен|на)\.?"

_PATTERNS: Final[tuple[tuple[str, _Rewrite], ...]] = tuple(
    (pattern + r"\s*$", rewrite)
    for pattern, rewrite in (
        # Chinese
        (rf"正在 Ping {_A}{_BR} 具有 {_N} 字节的数据{_C}", _head),
        (rf"来自 {_A} 的回复{_C}\s?字节={_N} 时间\s?([=<])\s?{_N}{_MS} TTL={_N}", _reply),
        (rf"来自 {_A} 的回复{_C}\s?{_UNREACH_ZH}", _reply_unreachable),
        (r"请求超时。?", _TIMEOUT),
        (rf"{_A} 的 Ping 统计信息{_C}", _stats_head),
        (
            rf"数据包{_C}\s?已发送 = {_N}{_SEP}已接收 = {_N}{_SEP}丢失 = {_N}"
            rf"(?: \({_N}% 丢失\))?[,，]?",
            _packets,
        ),
        (rf"往返行程的估计时间\s?\(以毫秒为单位\){_C}", _RTT_HEAD),
        (rf"最短 = {_N}{_MS}{_SEP}最长 = {_N}{_MS}{_SEP}平均 = {_N}{_MS}", _rtt),
        (rf"Ping 请求找不到主机 {_A}。.{{0,40}}", _unknown_host),
        (r"一般故障。?", _GENERAL),
        # Japanese
        (rf"{_A}{_BR} に ping を送信しています {_N} バイトのデータ{_C}", _head),
        (
            rf"{_A} からの応答{_C}\s?バイト数\s?={_N} 時間\s?([=<])\s?{_N}{_MS} TTL={_N}",
            _reply,
        ),
        (
            rf"{_A} からの応答{_C}\s?宛先(?:ホスト|ネットワーク)に到達できません。?",
            _reply_unreachable,
        ),
        (r"要求がタイムアウトしました。?", _TIMEOUT),
        (rf"{_A} の ping 統計{_C}", _stats_head),
        (
            rf"パケット数{_C}\s?送信 = {_N}{_SEP}受信 = {_N}{_SEP}損失 = {_N}"
            rf"(?: \({_N}% の損失\))?[、,]?",
            _packets,
        ),
        (rf"ラウンド トリップの概算時間\s?\(ミリ秒\){_C}", _RTT_HEAD),
        (rf"最小 = {_N}{_MS}{_SEP}最大 = {_N}{_MS}{_SEP}平均 = {_N}{_MS}", _rtt),
        (rf"ping 要求ではホスト {_A} が見つかりませんでした。.{{0,60}}", _unknown_host),
        (r"一般エラーです。?", _GENERAL),
        # Korean
        (rf"Ping {_A}{_BR} {_N}바이트 데이터 사용{_C}", _head),
        (rf"{_A}의 응답{_C}\s?바이트={_N} 시간\s?([=<])\s?{_N}{_MS} TTL={_N}", _reply),
        (
            rf"{_A}의 응답{_C}\s?대상 (?:호스트|네트워크)에 연결할 수 없습니다\.?",
            _reply_unreachable,
        ),
        (r"요청 시간이 만료되었습니다\.?", _TIMEOUT),
        (rf"{_A}에 대한 Ping 통계{_C}", _stats_head),
        (
            rf"패킷{_C}\s?보냄 = {_N}{_SEP}받음 = {_N}{_SEP}손실 = {_N}(?: \({_N}% 손실\))?,?",
            _packets,
        ),
        (rf"왕복 시간\s?\(밀리초\){_C}", _RTT_HEAD),
        (rf"최소 = {_N}{_MS}{_SEP}최대 = {_N}{_MS}{_SEP}평균 = {_N}{_MS}", _rtt),
        (rf"Ping 요청에서 {_A} 호스트를 찾을 수 없습니다\..{{0,60}}", _unknown_host),
        (r"일반 오류입니다\.?", _GENERAL),
        # Russian
        (rf"Обмен пакетами с {_A}{_BR} (?:по с|с|по) {_N} байтами данных{_C}", _head),
        (rf"Ответ от {_A}{_C}\s?число байт={_N} время\s?([=<])\s?{_N}{_MS} TTL={_N}", _reply),
        (
            rf"Ответ от {_A}{_C}\s?Заданн(?:ый узел|ая сеть) недоступ(?:ен|на)\.?",
            _reply_unreachable,
        ),
        (r"Превышен интервал ожидания для запроса\.?", _TIMEOUT),
        (rf"Статистика Ping для {_A}{_C}", _stats_head),
        (
            rf"Пакетов{_C}\s?отправлено = {_N}{_SEP}получено = {_N}{_SEP}потеряно = {_N}"
            rf"(?:\s?\({_N}% потерь\))?,?",
            _packets,
        ),
        (r"\(\d{1,3}% потерь\),?", _LOSS_ONLY),
        (rf"Приблизительное время приема-передачи в мс{_C}", _RTT_HEAD),
        (
            rf"Минимальное = {_N}{_MS}{_SEP}Максимальное = {_N}{_MS}{_SEP}Среднее = {_N}{_MS}",
            _rtt,
        ),
        (rf"При проверке связи не удалось обнаружить узел {_A}\..{{0,60}}", _unknown_host),
        (r"Общий сбой\.?", _GENERAL),
    )
)


@cache
def _rules() -> tuple[tuple[re.Pattern[str], _Rewrite], ...]:
    """The patterns compiled on the first non-English line, not at import (start-up time)."""
    return tuple((re.compile(pattern, re.IGNORECASE), rewrite) for pattern, rewrite in _PATTERNS)


# Cyrillic, kana, CJK ideographs, Hangul: one character-class scan turns most lines away.
_SCRIPTS: Final = re.compile("[\u0400-\u04ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
# Words one of the lines above must contain: one search turns every other line away.
_MARKERS: Final = re.compile(
    "来自|正在 Ping|请求超时|统计信息|数据包|往返行程|最短|找不到主机|一般故障|"
    "からの応答|ping を送信|タイムアウト|統計|パケット数|ラウンド|最小|見つかりません|一般エラー|"
    "의 응답|바이트 데이터|만료되었습니다|통계|패킷|왕복|최소|찾을 수 없습니다|일반 오류|"
    "Обмен пакетами|Ответ от|Превышен|Статистика|Пакетов|потерь|Приблизительное|Минимальное|"
    "не удалось обнаружить|Общий сбой",
    re.IGNORECASE,
)


def translate(line: str) -> str | None:
    """The English Windows line for a Chinese, Japanese, Korean or Russian ping line, or None."""
    if line.isascii() or len(line) > 400 or _SCRIPTS.search(line) is None:
        return None
    if _MARKERS.search(line) is None:
        return None
    for pattern, rewrite in _rules():
        m = pattern.match(line)
        if m is not None:
            return rewrite(m)
    return None
