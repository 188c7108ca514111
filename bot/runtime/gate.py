"""What a knowledge base must pass before it replaces the one answering now."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.model import KnowledgeBase


def release_gate(path: Path, kb: KnowledgeBase) -> list[str]:
    """Problems that keep `kb` from going live: check errors and failing self-tests."""
    from bot.knowledge.check import check_knowledge  # noqa: PLC0415  (tooling loads on demand)
    from bot.runtime.selftest import run_selftest  # noqa: PLC0415

    problems = [str(p) for p in check_knowledge(path) if p.severity == "error"]
    if problems:
        return problems
    tests = path / "tests.yaml" if path.is_dir() else None
    result = run_selftest(kb, tests if tests is not None and tests.exists() else None)
    return [
        f"self-test: {f.question!r} should answer {f.expected_topic or 'nothing'}"
        f", got {f.got_topic or 'nothing'} ({f.source})"
        for f in result.failures
    ]
