"""Which files make up a knowledge base (no YAML or pydantic here: the index cache asks too)."""

from __future__ import annotations

from pathlib import Path

TESTS_FILE = "tests.yaml"  # reserved for admin test cases; not part of the knowledge base


def knowledge_files(path: Path) -> list[Path]:
    """Return the YAML files that make up the knowledge base at `path` (a file or a directory)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    return [path]
