"""The ztbot command line: ask, --json, --jsonl, chat, exit codes and knowledge errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli.main import main

KNOWLEDGE = str(Path(__file__).resolve().parents[2] / "knowledge")


def _run(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["--knowledge", KNOWLEDGE, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_the_targeted_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ztbot ask` prints the section steps as plain text."""
    code, out, _ = _run(["ask", "ping", "doesnt", "work", "on", "win11"], capsys, monkeypatch)
    assert code == 0
    assert out.startswith("Ping is not working › Windows")


def test_ask_json_contract(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ztbot ask --json` prints one object with the documented fields."""
    code, out, _ = _run(["ask", "--json", "my network shows NOT_FOUND"], capsys, monkeypatch)
    data = json.loads(out)
    assert code == 0
    assert data["topic"] == "network-not-found"
    assert 0 <= data["confidence"] <= 1
    assert data["findings"] == []
    assert "network ID" in data["text"]


def test_ask_jsonl_keeps_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--jsonl` answers one line at a time, in order, one JSON object per line."""
    questions = "how do i update zerotier\nthanks\nwhat ports does zerotier use\n"
    code, out, _ = _run(["ask", "--jsonl"], capsys, monkeypatch, stdin=questions)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["topic"] for r in rows] == ["updating", None, "ports-used"]


def test_strict_exits_1_on_abstention(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--strict` turns an abstention into exit code 1; an answer stays 0."""
    assert _run(["ask", "--strict", "what's the weather"], capsys, monkeypatch)[0] == 1
    assert _run(["ask", "--strict", "zerotier relay latency"], capsys, monkeypatch)[0] == 0


def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Usage errors give exit code 2 and a single line on stderr."""
    code, _, err = _run(["ask", "--jsonl", "extra"], capsys, monkeypatch, stdin="")
    assert code == 2 or code is None
    assert len(err.strip().splitlines()) == 1


def test_malformed_knowledge_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken knowledge file gives file:line on stderr and exit 2, never a traceback."""
    bad = tmp_path / "faq.yaml"
    bad.write_text("topics:\n  - id: x\n    title: [unclosed\n", encoding="utf-8")
    code = main(["--knowledge", str(bad), "ask", "hello"])
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "faq.yaml:" in err and "Traceback" not in err


def test_chat_session_uses_context(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ztbot chat` reads lines, keeps context between them, and knows its commands."""
    script = "/help\nping doesnt work\nim on a mac\n/reset\n/bogus\n/quit\nnever read\n"
    code, out, _ = _run(["chat"], capsys, monkeypatch, stdin=script)
    assert code == 0
    assert "/topics" in out
    assert "Ping is not working › macOS" in out
    assert "(conversation forgotten)" in out
    assert "Unknown command /bogus" in out
    assert "never read" not in out


def test_diagnose_json_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ztbot diagnose --json FILE` prints outputs, findings and text per the contract."""
    paste = tmp_path / "peers.txt"
    paste.write_text(
        "200 peers\n<ztaddr>   <ver>  <role> <lat> <link> <lastTX> <lastRX> <path>\n"
        "61d294b9cb -      PLANET    43 DIRECT 1617     6580     50.7.73.34/9993\n"
        "deadbeef01 1.12.2 LEAF      -1 RELAY\n",
        encoding="utf-8",
    )
    code, out, _ = _run(["diagnose", "--json", str(paste)], capsys, monkeypatch)
    data = json.loads(out)
    assert code == 0
    assert data["outputs"][0]["command"] == "peers"
    peer = data["outputs"][0]["peers"][1]
    assert {k: peer[k] for k in ("address", "version", "role", "latency_ms", "link")} == {
        "address": "deadbeef01",
        "version": "1.12.2",
        "role": "LEAF",
        "latency_ms": None,
        "link": "RELAY",
    }
    finding = data["findings"][0]
    assert set(finding) >= {"code", "severity", "summary", "topics", "evidence"}
    assert finding["code"] == "peer-relayed"


def test_diagnose_stdin_junk_and_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Binary junk never crashes; --strict exits 1 when nothing was found; a missing file is 2."""
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 6000)
    code, out, err = _run(["diagnose", "--strict", str(junk)], capsys, monkeypatch)
    assert code == 1
    assert "no zerotier-cli or ping output" in out
    assert "larger than" in err
    code, _, err = _run(["diagnose", str(tmp_path / "missing.txt")], capsys, monkeypatch)
    assert code == 2
    assert "cannot read" in err


def test_jsonl_stops_quietly_when_the_reader_goes_away(tmp_path: Path) -> None:
    """`ztbot ask --jsonl ... | head -1`: no traceback, exit 0, like any Unix filter."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "ZTBOT_DATABASE_URL": "none", "ZTBOT_DATA_DIR": str(tmp_path)}
    questions = tmp_path / "questions.txt"
    questions.write_text("what ports does zerotier use\n" * 2000)
    with questions.open("rb") as stdin:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "ask", "--jsonl"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
    assert proc.stdout is not None and proc.stderr is not None
    assert json.loads(proc.stdout.readline())["topic"] == "ports-used"
    proc.stdout.close()  # the reader goes away while ztbot is still writing
    assert proc.wait(timeout=60) == 0
    with proc.stderr:
        assert b"Traceback" not in proc.stderr.read()
