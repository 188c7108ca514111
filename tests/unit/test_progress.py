"""Progress on stderr: shown to a person at a terminal, nothing at all otherwise."""

from __future__ import annotations

import io

import pytest

from bot.cli.main import main
from bot.cli.progress import progress, watching
from tests.unit.test_cli import KNOWLEDGE


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("total", [None, 3])
def test_nothing_when_stderr_is_not_a_terminal(total: int | None) -> None:
    err = io.StringIO()
    with progress("working", total, stream=err) as advance:
        for _ in range(3):
            advance(1)
    assert err.getvalue() == ""
    assert not watching(err)


@pytest.mark.parametrize("total", [None, 3])
def test_a_transient_bar_on_a_terminal(total: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TERM", raising=False)
    err = _Tty()
    with progress("working", total, stream=err) as advance:
        for _ in range(3):
            advance(1)
    assert "working" in err.getvalue()
    monkeypatch.setenv("TERM", "dumb")
    assert not watching(_Tty())


def test_jsonl_batch_keeps_stderr_clean_when_piped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZTBOT_DATABASE_URL", "none")
    monkeypatch.setattr("sys.stdin", io.StringIO("ping doesnt work\n" * 20))
    assert main(["--knowledge", KNOWLEDGE, "ask", "--jsonl"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 20 and err == ""
