"""Load knowledge YAML into a KnowledgeBase; each problem reads `file:line: field: message`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.base.errors import KnowledgeError
from bot.knowledge.files import TESTS_FILE, knowledge_files
from bot.knowledge.model import AskFor, FindingText, KnowledgeBase, Section, Topic, Uncovered
from bot.knowledge.schema import KnowledgeFileSpec, TopicSpec

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)
Severity = Literal["error", "warning"]
# Words a schema error in the loader: the error itself and where it is (`loc`).
Explain = Callable[[ErrorDetails, Loc], str]

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a knowledge file, at a 1-based line and column (0 when unknown)."""

    file: str
    line: int
    column: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return self._render(column=True)

    def without_column(self) -> str:
        """`file:line: field: message`, the form `load_knowledge` reports."""
        return self._render(column=False)

    def _render(self, *, column: bool) -> str:
        head = self.file
        if self.line:
            head += f":{self.line}"
            if column and self.column:
                head += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{head}:{field} {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One knowledge file: its composed YAML tree (for positions), raw data and spec."""

    path: str
    node: yaml.Node | None
    data: dict[str, Any]
    spec: KnowledgeFileSpec | None  # None when the file failed the schema
    text: str = ""


def load_knowledge(path: Path | str) -> KnowledgeBase:
    """Load and validate the knowledge base; raise KnowledgeError listing every problem found."""
    root = Path(path)
    if not root.exists():
        raise KnowledgeError([f"{display_path(root)}: no such file or directory"])
    files = [f for f in knowledge_files(root) if f.name != TESTS_FILE]
    if not files:
        raise KnowledgeError([f"{display_path(root)}: no .yaml files found"])
    problems: list[Problem] = []
    parsed: list[ParsedFile] = []
    digest = hashlib.sha256()
    for file in files:
        raw = read_file(file, problems)
        if raw is None:
            continue
        digest.update(file.name.encode() + b"\0" + raw + b"\0")
        result = parse_file(display_path(file), raw, problems)
        if result is not None:
            parsed.append(result)
    problems.extend(cross_check(parsed))
    if problems:
        raise KnowledgeError([p.without_column() for p in problems])
    specs = [(p.path, p.spec) for p in parsed if p.spec is not None]
    topics = tuple(_to_topic(t, path) for path, spec in specs for t in spec.topics)
    if not topics:
        raise KnowledgeError([f"{display_path(root)}: the knowledge base has no topics"])
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


def read_file(file: Path, problems: list[Problem]) -> bytes | None:
    """The file's bytes, or None with a problem appended when it cannot be read."""
    try:
        return file.read_bytes()
    except OSError as exc:
        problems.append(Problem(display_path(file), 0, 0, "", f"cannot read: {exc.strerror}"))
        return None


def parse_yaml(name: str, raw: bytes, problems: list[Problem]) -> tuple[yaml.Node | None, Any, str]:
    """Decode and parse one YAML file: (tree, data, text); problems get what went wrong.

    On an encoding or syntax error the tree is None and the data is `...` (Ellipsis), so a
    caller can tell "broken" from an empty file (data None).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(Problem(name, line, column, "", "not valid UTF-8"))
        return None, ..., ""
    try:
        node, data = _compose_and_construct(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = f"YAML syntax error: {exc.problem or exc.context}"
        problems.append(Problem(name, line, column, "", message))
        return None, ..., text
    except yaml.YAMLError as exc:
        problems.append(Problem(name, 1, 1, "", f"YAML error: {exc}"))
        return None, ..., text
    return node, data, text


def _compose_and_construct(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse once: the node tree (for file:line positions) and the data built from it, with
    libyaml's C parser when it is installed (several times faster than the pure-Python one)."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def parse_file(
    name: str, raw: bytes, problems: list[Problem], explain: Explain | None = None
) -> ParsedFile | None:
    """Parse and validate one knowledge file; every schema error is appended to `problems`."""
    node, data, text = parse_yaml(name, raw, problems)
    if data is ...:
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(name, 1, 1, "", "the file must be a mapping with a 'topics' list"))
        return None
    spec, errors = validate(KnowledgeFileSpec, data, name, node, explain or schema_message)
    problems.extend(errors)
    return ParsedFile(name, node, data, spec, text)


def validate(
    model: type[M], data: Any, name: str, node: yaml.Node | None, explain: Explain
) -> tuple[M | None, list[Problem]]:
    """Validate `data` against `model`; one Problem per pydantic error, located in the tree."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [
            problem_at(name, node, tuple(err["loc"]), explain(err, tuple(err["loc"])))
            for err in exc.errors()
        ]


def schema_message(err: ErrorDetails, _loc: Loc) -> str:
    """The loader's short wording of a pydantic error."""
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    msg = str(err.get("msg", "invalid value"))
    if kind == "value_error":  # our own validators: their text is the message
        return msg.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        return f"{msg} (ids are lowercase words joined by '-')"
    return msg


def entries(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    """The mapping items of the list `data[key]`, with their indexes; junk is skipped."""
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def cross_check(files: Sequence[ParsedFile]) -> Iterable[Problem]:
    """Id checks that span entries and files; they run on the raw data so a file with schema
    errors still gets them, and an admin sees every problem in one pass."""
    seen: dict[str, str] = {}
    codes: set[str] = set()
    all_ids = {
        str(t.get("id"))
        for f in files
        for key in ("topics", "out_of_scope")
        for _, t in entries(f.data, key)
    }
    for f in files:
        for key in ("topics", "out_of_scope"):
            for ti, entry in entries(f.data, key):
                base: Loc = (key, ti)
                entry_id = entry.get("id")
                if isinstance(entry_id, str):
                    if entry_id in seen:
                        yield problem_at(
                            f.path,
                            f.node,
                            (*base, "id"),
                            f"duplicate topic id '{entry_id}' (first in {seen[entry_id]})",
                        )
                    else:
                        seen[entry_id] = f.path
                section_ids: set[str] = set()
                for si, section in entries(entry, "sections"):
                    sid = section.get("id")
                    if isinstance(sid, str) and sid in section_ids:
                        yield problem_at(
                            f.path, f.node, (*base, "sections", si, "id"), f"duplicate id '{sid}'"
                        )
                    if isinstance(sid, str):
                        section_ids.add(sid)
                refs = entry.get("see_also")
                for ai, ref in enumerate(refs if isinstance(refs, list) else []):
                    if isinstance(ref, str) and ref not in all_ids:
                        yield problem_at(
                            f.path, f.node, (*base, "see_also", ai), f"unknown topic id '{ref}'"
                        )
        for fi, finding in entries(f.data, "findings"):
            code = finding.get("code")
            if isinstance(code, str) and code in codes:
                yield problem_at(
                    f.path, f.node, ("findings", fi, "code"), f"duplicate finding code '{code}'"
                )
            codes.add(str(code))
            refs = finding.get("topics")
            for ai, ref in enumerate(refs if isinstance(refs, list) else []):
                if isinstance(ref, str) and ref not in all_ids:
                    yield problem_at(
                        f.path, f.node, ("findings", fi, "topics", ai), f"unknown topic id '{ref}'"
                    )


def problem_at(
    name: str, node: yaml.Node | None, loc: Loc, message: str, severity: Severity = "error"
) -> Problem:
    """A Problem about the field at `loc`, positioned where that field is written."""
    line, column = position_of(node, loc)
    return Problem(name, line, column, dotted(loc), message, severity)


def dotted(loc: Loc) -> str:
    """`("topics", 3, "id")` -> `topics[3].id`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def position_of(node: yaml.Node | None, loc: Loc) -> tuple[int, int]:
    """Follow `loc` through the composed YAML tree; return the 1-based line and column of the
    deepest node reached (a mapping entry's key, a list item's first character)."""
    if node is None:
        return 1, 1
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    line, column = key.start_mark.line + 1, key.start_mark.column + 1
                    child = value
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
            line, column = child.start_mark.line + 1, child.start_mark.column + 1
        if child is None:
            break
        node = child
    return line, column


def node_at(node: yaml.Node | None, loc: Loc) -> yaml.Node | None:
    """The node at `loc` exactly, or None when the path does not exist in the tree."""
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            node = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                None,
            )
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if 0 <= part < len(node.value) else None
        else:
            return None
    return node


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it is inside it, as admins typed it."""
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
        near_misses=spec.near_misses,
    )
