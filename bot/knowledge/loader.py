"""Load knowledge YAML into a KnowledgeBase; each problem reads `file:line: field: message`."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.errors import KnowledgeError
from bot.knowledge.model import AskFor, FindingText, KnowledgeBase, Section, Topic, Uncovered
from bot.knowledge.schema import KnowledgeFileSpec, TopicSpec

Loc = tuple[str | int, ...]

# Where a packaged install looks when no path is given: ./knowledge, then the repository copy.
_DEFAULT_DIRS = (Path("knowledge"), Path(__file__).resolve().parents[2] / "knowledge")


@dataclass(frozen=True, slots=True)
class _Parsed:
    path: str
    node: yaml.Node | None
    data: dict[str, Any]
    spec: KnowledgeFileSpec | None  # None when the file failed the schema


def default_knowledge_path() -> Path:
    """Return `$ZTBOT_KNOWLEDGE`, else the first existing default knowledge directory."""
    env = os.environ.get("ZTBOT_KNOWLEDGE")
    if env:
        return Path(env)
    return next((d for d in _DEFAULT_DIRS if d.is_dir()), _DEFAULT_DIRS[0])


def knowledge_files(path: Path) -> list[Path]:
    """Return the YAML files that make up the knowledge base at `path` (a file or a directory)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    return [path]


def load_knowledge(path: Path | str | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base; raise KnowledgeError listing every problem found."""
    root = Path(path) if path is not None else default_knowledge_path()
    if not root.exists():
        raise KnowledgeError([f"{_display(root)}: no such file or directory"])
    files = [f for f in knowledge_files(root) if f.name != "tests.yaml"]
    if not files:
        raise KnowledgeError([f"{_display(root)}: no .yaml files found"])
    problems: list[str] = []
    parsed: list[_Parsed] = []
    digest = hashlib.sha256()
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            problems.append(f"{_display(file)}: cannot read: {exc.strerror}")
            continue
        digest.update(file.name.encode() + b"\0" + raw + b"\0")
        result = _parse_file(_display(file), raw, problems)
        if result is not None:
            parsed.append(result)
    problems.extend(_cross_check(parsed))
    if problems:
        raise KnowledgeError(problems)
    specs = [(p.path, p.spec) for p in parsed if p.spec is not None]
    topics = tuple(_to_topic(t, path) for path, spec in specs for t in spec.topics)
    if not topics:
        raise KnowledgeError([f"{_display(root)}: the knowledge base has no topics"])
    uncovered = tuple(
        Uncovered(id=u.id, title=u.title, questions=u.questions, keywords=u.keywords)
        for _, spec in specs
        for u in spec.out_of_scope
    )
    findings = tuple(
        FindingText(f.code, f.severity, f.summary, f.explanation, f.topics)
        for _, spec in specs
        for f in spec.findings
    )
    return KnowledgeBase(
        topics=topics,
        version=digest.hexdigest()[:12],
        sources=tuple(p.path for p in parsed),
        uncovered=uncovered,
        findings=findings,
        ask_for=tuple(
            AskFor(a.commands, a.topics, a.when) for _, spec in specs for a in spec.ask_for
        ),
    )


def _parse_file(name: str, raw: bytes, problems: list[str]) -> _Parsed | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(f"{name}:{line}: not valid UTF-8")
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problems.append(f"{name}:{line}: YAML syntax error: {exc.problem or exc.context}")
        return None
    except yaml.YAMLError as exc:
        problems.append(f"{name}:1: YAML error: {exc}")
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(f"{name}:1: the file must be a mapping with a 'topics' list")
        return None
    try:
        spec: KnowledgeFileSpec | None = KnowledgeFileSpec.model_validate(data)
    except ValidationError as exc:
        spec = None
        for err in exc.errors():
            loc: Loc = tuple(err["loc"])
            problems.append(_format(name, node, loc, _message(err)))
    return _Parsed(name, node, data, spec)


def _message(err: object) -> str:
    assert isinstance(err, dict)
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    msg = str(err.get("msg", "invalid value"))
    if kind == "string_pattern_mismatch":
        return f"{msg} (ids are lowercase words joined by '-')"
    return msg


def _entries(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def _cross_check(files: Sequence[_Parsed]) -> Iterable[str]:
    """Id checks that span entries and files; they run on the raw data so a file with schema
    errors still gets them, and an admin sees every problem in one pass."""
    seen: dict[str, str] = {}
    codes: set[str] = set()
    all_ids = {
        str(t.get("id"))
        for f in files
        for key in ("topics", "out_of_scope")
        for _, t in _entries(f.data, key)
    }
    for f in files:
        for key in ("topics", "out_of_scope"):
            for ti, entry in _entries(f.data, key):
                base: Loc = (key, ti)
                entry_id = entry.get("id")
                if isinstance(entry_id, str):
                    if entry_id in seen:
                        yield _format(
                            f.path,
                            f.node,
                            (*base, "id"),
                            f"duplicate topic id '{entry_id}' (first in {seen[entry_id]})",
                        )
                    else:
                        seen[entry_id] = f.path
                section_ids: set[str] = set()
                for si, section in _entries(entry, "sections"):
                    sid = section.get("id")
                    if isinstance(sid, str) and sid in section_ids:
                        yield _format(
                            f.path, f.node, (*base, "sections", si, "id"), f"duplicate id '{sid}'"
                        )
                    if isinstance(sid, str):
                        section_ids.add(sid)
                refs = entry.get("see_also")
                for ai, ref in enumerate(refs if isinstance(refs, list) else []):
                    if isinstance(ref, str) and ref not in all_ids:
                        yield _format(
                            f.path, f.node, (*base, "see_also", ai), f"unknown topic id '{ref}'"
                        )
        for fi, finding in _entries(f.data, "findings"):
            code = finding.get("code")
            if isinstance(code, str) and code in codes:
                yield _format(
                    f.path, f.node, ("findings", fi, "code"), f"duplicate finding code '{code}'"
                )
            codes.add(str(code))
            refs = finding.get("topics")
            for ai, ref in enumerate(refs if isinstance(refs, list) else []):
                if isinstance(ref, str) and ref not in all_ids:
                    yield _format(
                        f.path, f.node, ("findings", fi, "topics", ai), f"unknown topic id '{ref}'"
                    )


def _format(name: str, node: yaml.Node | None, loc: Loc, message: str) -> str:
    return f"{name}:{_line_of(node, loc)}: {_dotted(loc)}: {message}"


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _line_of(node: yaml.Node | None, loc: Loc) -> int:
    """Follow `loc` through the composed YAML tree; return the line of the deepest node reached."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    line = key.start_mark.line + 1
                    child = value
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _to_topic(spec: TopicSpec, source: str) -> Topic:
    return Topic(
        id=spec.id,
        title=spec.title,
        answer=spec.answer,
        questions=spec.questions,
        keywords=spec.keywords,
        sections=tuple(
            Section(id=s.id, title=s.title, answer=s.answer, os=s.os, match=s.match)
            for s in spec.sections
        ),
        see_also=spec.see_also,
        source=source,
    )
