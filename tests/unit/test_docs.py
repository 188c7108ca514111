"""The README and docs/: short, true to the code, every link resolving, settings generated."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from bot.cli.main import build_parser
from bot.cli.settings_doc import MEANING, render
from bot.core.models import ReplyKind

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
_FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCED.sub("", path.read_text(encoding="utf-8"))
    return {_slug(h) for h in _HEADING.findall(text)}


def test_readme_fits_on_a_few_screens() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert "## Contents" in text  # a table of contents, with links checked below


def test_readme_keeps_the_two_commands() -> None:
    """The try-it command, and the test command exactly as CI runs it."""
    text = README.read_text(encoding="utf-8")
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/ztbot chat" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_command = next(line for line in ci.splitlines() if ".venv/bin/pytest" in line)
    ci_command = ci_command.split(" || exit 1")[0].removeprefix(".venv/bin/")
    readme_command = next(line for line in text.splitlines() if line.endswith(".venv/bin/pytest"))
    assert readme_command.endswith(ci_command)
    assert re.search(r"about \d+ minutes", text), "the README says how long the tests take"


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    text = _INLINE_CODE.sub("", _FENCED.sub("", page.read_text(encoding="utf-8")))
    for target in _LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        assert path.exists(), f"{page.name}: {target}"
        if anchor and path.suffix == ".md":
            assert anchor in _anchors(path), f"{page.name}: {target}"


def test_readme_links_every_doc_page() -> None:
    text = README.read_text(encoding="utf-8")
    assert {p.name for p in DOCS} <= {Path(t).name for t in _LINK.findall(text)}


def test_settings_page_is_what_the_generator_prints() -> None:
    """Regenerate with: python -m bot.cli.settings_doc > docs/settings.md"""
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == render()


def test_every_setting_is_described_once() -> None:
    page = render()
    for name in MEANING:
        assert page.count(f"| `{name}` |") == 1
    assert "| setting |" not in README.read_text(encoding="utf-8")  # the one table is in docs/


def test_the_json_kind_list_names_every_kind() -> None:
    cli = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    listed = cli[cli.index("- `kind` is") :].split("\n\n", 1)[0]
    for kind in typing.get_args(ReplyKind):
        assert f"`{kind}`" in listed, kind


def test_one_name_for_the_knowledge_directory_variable() -> None:
    texts = [
        README.read_text(encoding="utf-8"),
        (ROOT / "docs" / "cli.md").read_text(encoding="utf-8"),
        (ROOT / "docs" / "settings.md").read_text(encoding="utf-8"),
        build_parser().format_help(),
    ]
    kb = build_parser()._subparsers._group_actions[0].choices["kb"]  # type: ignore[union-attr]
    texts += [kb._subparsers._group_actions[0].choices["check"].format_help()]  # type: ignore[union-attr]
    for text in texts:
        assert not re.search(r"ZTBOT_KNOWLEDGE(?!_DIR)", text)
    assert any("ZTBOT_KNOWLEDGE_DIR" in t for t in texts)
