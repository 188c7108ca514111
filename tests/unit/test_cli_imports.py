"""The command line loads what a command needs, when it runs (start-up time of one-shot commands).

Timing itself is in bench/startup.py; here, which heavy libraries each path imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "sqlalchemy alembic pydantic pydantic_settings slack_bolt slack_sdk discord aiohttp "
    "prompt_toolkit rich watchfiles rapidfuzz yaml"
).split()

_PROBE = """
import io, json, sys
from bot.cli.main import main
sys.stdin = io.StringIO({stdin!r})
try:
    main({argv!r})
except SystemExit:
    pass
sys.__stdout__.write("\\n" + json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))
"""


def _loaded(argv: list[str], stdin: str = "") -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv, stdin=stdin)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"ZTBOT_DATABASE_URL": "none", "PATH": "", "HOME": "/nonexistent"},
        check=True,
        timeout=120,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1])) & set(HEAVY)


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    probe = "import json, sys, bot.cli.main; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert not {m.split(".")[0] for m in json.loads(done.stdout)} & set(HEAVY)


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["--version"], set()),
        (["--help"], set()),
        (["kb", "--help"], set()),
        (["config", "show"], {"pydantic", "pydantic_settings"}),
        (["diagnose"], {"pydantic", "pydantic_settings", "yaml", "rapidfuzz"}),
    ],
)
def test_each_command_loads_only_what_it_needs(argv: list[str], allowed: set[str]) -> None:
    assert _loaded(argv, "200 info 8056c2e21c 1.10.6 ONLINE\n") <= allowed


def test_ask_loads_no_chat_sdk_terminal_or_file_watcher() -> None:
    loaded = _loaded(["--knowledge", str(ROOT / "knowledge"), "ask", "ping doesnt work"])
    assert not loaded & {"slack_bolt", "slack_sdk", "discord", "prompt_toolkit", "watchfiles"}
