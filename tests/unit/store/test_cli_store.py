"""The terminal front end logs its turns, takes /good and /bad, and manages the database."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli.main import main
from bot.store.db import make_engine
from bot.store.models import Feedback, Turn

KNOWLEDGE = str(Path(__file__).resolve().parents[3] / "knowledge")


def _run(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["--knowledge", KNOWLEDGE, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ZTBOT_DATABASE_URL", db_url)
    return db_url


def test_ask_and_chat_are_logged_with_feedback(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ztbot ask` and `ztbot chat` store their turns (platform console); /bad is recorded."""
    assert _run(["ask", "how do i update zerotier"], capsys, monkeypatch)[0] == 0
    code, out, _ = _run(
        ["chat"], capsys, monkeypatch, stdin="ping fails on linux\n/bad\n/bad\n/quit\n"
    )
    assert code == 0 and "Could it be one of these instead?" in out
    summary = out[out.index("Here is a summary") :]
    assert "  - ping fails on linux" in summary
    assert "  - Ping is not working › Linux" in summary
    engine = make_engine(url)
    with Session(engine) as session:
        platforms = session.scalars(select(Turn.platform)).all()
        kinds = session.scalars(select(Turn.kind).order_by(Turn.created_at)).all()
        votes = session.scalars(select(Feedback.helpful)).all()
    engine.dispose()
    assert platforms == ["console"] * 4
    assert kinds[1:] == ["answer", "clarify", "escalate"]
    assert votes == [False, False]


def test_chat_context_survives_a_restart(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second `ztbot chat` picks up the conversation where the first left it."""
    _run(["chat"], capsys, monkeypatch, stdin="ping doesn't work\n")
    _, out, _ = _run(["chat"], capsys, monkeypatch, stdin="I'm on a mac\n")
    assert "Ping is not working › macOS" in out


def test_db_commands(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """upgrade, current, downgrade and prune work and say what they did."""
    assert _run(["db", "current"], capsys, monkeypatch)[1].strip() == "base (empty)"
    assert "0005" in _run(["db", "upgrade"], capsys, monkeypatch)[1]
    assert _run(["db", "current"], capsys, monkeypatch)[1].strip() == "0005"
    _run(["ask", "ping fails"], capsys, monkeypatch)
    code, out, _ = _run(["db", "prune", "--older-than", "90d"], capsys, monkeypatch)
    assert code == 0 and "0 turns" in out
    code, out, _ = _run(["db", "prune", "--older-than", "0s"], capsys, monkeypatch)
    assert "1 turns" in out
    code, _, err = _run(["db", "prune", "--older-than", "soon"], capsys, monkeypatch)
    assert code == 2 and "not a duration" in err
    assert "base" in _run(["db", "downgrade", "base"], capsys, monkeypatch)[1]


def test_database_down_at_start_still_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreachable database costs the log, never the answer."""
    monkeypatch.setenv("ZTBOT_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    code, out, err = _run(["ask", "ping doesnt work on windows"], capsys, monkeypatch)
    assert code == 0
    assert out.startswith("Ping is not working › Windows")
    assert "not logging this session" in err


def test_bad_setting_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong ZTBOT_STORE_TEXT names the variable and exits 2."""
    monkeypatch.setenv("ZTBOT_STORE_TEXT", "everything")
    code, _, err = _run(["ask", "hi"], capsys, monkeypatch)
    assert code == 2 and "ZTBOT_STORE_TEXT" in err and len(err.strip().splitlines()) == 1


def test_report_groups_unanswered_questions(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ztbot report` counts turns and groups what went unanswered; --json parses."""
    for q in (
        "how do I bridge zerotier to my lan",
        "bridge zt with my home network?",
        "ping fails",
    ):
        _run(["ask", q], capsys, monkeypatch)
    code, out, _ = _run(["report", "--since", "1d"], capsys, monkeypatch)
    assert code == 0
    assert "asked about bridging  (2 turns)" in out
    code, out, _ = _run(["report", "--json"], capsys, monkeypatch)
    data = json.loads(out)
    assert (data["turns"], data["answered"], data["abstained"]) == (3, 1, 2)


def test_one_shot_ask_in_a_process_prints_the_answer_then_logs_the_turn(tmp_path: Path) -> None:
    """`ztbot ask` as its own process (stdout a pipe, closed once the answer is out) prints the
    whole answer and still writes its turn to the default SQLite database."""
    env = {**os.environ, "ZTBOT_DATA_DIR": str(tmp_path)}
    env.pop("ZTBOT_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--knowledge", KNOWLEDGE, "ask", "--json", "ping fails"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(done.stdout)["topic"] == "ping-not-working"
    with sqlite3.connect(tmp_path / "ztbot.db") as db:
        assert db.execute("select count(*) from turns").fetchone() == (1,)
        assert db.execute("select count(*) from knowledge_versions").fetchone() == (1,)
