"""Finding codes are one enum, and the knowledge base words exactly those codes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.diagnosis.codes import CODES, Code
from bot.diagnosis.findings import diagnose
from bot.knowledge import KnowledgeBase

KNOWLEDGE = Path(__file__).resolve().parents[3] / "knowledge"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["kb", "check", str(path)])
    return code, capsys.readouterr().out


def test_every_code_is_worded_and_only_those(kb: KnowledgeBase) -> None:
    """The shipped diagnosis.yaml words each code of the enum, and nothing else."""
    assert set(kb.finding_text) == CODES


def test_kb_check_passes_on_the_shipped_wording(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped knowledge passes the code check."""
    code, out = _check(KNOWLEDGE, capsys)
    assert code == 0, out


@pytest.mark.parametrize("removed", [Code.UPLINK_SLOW, Code.SYMMETRIC_NAT, Code.PEER_ROLES])
def test_kb_check_fails_when_a_code_has_no_wording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], removed: Code
) -> None:
    """Dropping a code's entry from diagnosis.yaml is an error naming that code."""
    kdir = _copy(tmp_path)
    yaml_path = kdir / "diagnosis.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    entry = re.search(rf"  - code: {removed.value}\n(?:(?!  - code:).*\n)+", text)
    assert entry is not None
    yaml_path.write_text(text.replace(entry.group(0), ""), encoding="utf-8")
    code, out = _check(kdir, capsys)
    assert code == 2
    assert f"no wording for the finding code '{removed.value}'" in out


@pytest.mark.parametrize(
    ("typo", "suggestion"), [("uplink-slo", "uplink-slow"), ("peer-relayd", "peer-relayed")]
)
def test_kb_check_fails_on_a_code_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typo: str, suggestion: str
) -> None:
    """Wording for a code no rule emits is an error, with the closest real code suggested."""
    kdir = _copy(tmp_path)
    yaml_path = kdir / "diagnosis.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    extra = (
        f"  - code: {typo}\n    severity: info\n    topics: []\n"
        '    summary: "x"\n    explanation: "y"\n'
    )
    yaml_path.write_text(text.replace("findings:\n", f"findings:\n{extra}", 1), encoding="utf-8")
    code, out = _check(kdir, capsys)
    assert code == 2
    assert f"finding code '{typo}' is not one the diagnosis emits" in out
    assert f"did you mean '{suggestion}'" in out


def test_findings_carry_enum_codes_and_literal_severities(kb: KnowledgeBase) -> None:
    """A finding's code is a Code member and its severity one of the three."""
    d = diagnose("200 info 1a2b3c4d5e 1.14.2 OFFLINE", kb.finding_text)
    assert d.findings
    for finding in d.findings:
        assert isinstance(finding.code, Code)
        assert finding.severity in ("info", "warning", "error")
