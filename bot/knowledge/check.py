"""`ztbot kb check`: every problem in the knowledge files, in one pass, with line and column.

Errors are what would stop the knowledge base from loading or make part of it unreachable:
YAML syntax, the schema (with "did you mean" for misspelt fields and values), duplicate and
dangling ids, empty answers, sections that can never be picked. Warnings are what loads but
reads badly: Markdown that Slack or Discord show as raw text, and example questions of two
topics that are nearly the same (the matcher cannot tell those topics apart).
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, RootModel
from pydantic_core import ErrorDetails
from rapidfuzz import fuzz, process

from bot.base.text import fold, tokens
from bot.knowledge.cases import CaseFileSpec, case_problems, load_cases
from bot.knowledge.files import TESTS_FILE, knowledge_files
from bot.knowledge.loader import (
    Explain,
    Loc,
    ParsedFile,
    Problem,
    cross_check,
    display_path,
    dotted,
    entries,
    node_at,
    parse_file,
    problem_at,
    read_file,
    schema_message,
)
from bot.knowledge.schema import KnowledgeFileSpec

__all__ = ["Problem", "check_knowledge", "finding_code_problems"]

NEAR: Final = "near:"  # owner id prefix of a topic's near misses in the collision check
COLLISION_SCORE: Final = 90  # rapidfuzz ratio (0..100) of folded questions that counts as the same

# Fields holding Markdown that is shown to users.
_MARKDOWN_FIELDS: Final = {
    "topics": ("answer",),
    "findings": ("summary", "explanation"),
}

_FENCE: Final = re.compile(r"^\s*```")
_INLINE_CODE: Final = re.compile(r"`[^`\n]*`")
_HEADING: Final = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")
# One line only ([ \t], not \s, which spans lines and made this quadratic on blank runs).
_TABLE_RULE: Final = re.compile(
    r"^[ \t]*(?:\|[ \t]*)?:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+(?:\|[ \t]*)?$"
)
_IMAGE: Final = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_HTML: Final = re.compile(
    r"<!--|</?(?:a|b|i|u|s|p|br|hr|div|span|img|table|tr|td|th|thead|tbody|ul|ol|li|em"
    r"|strong|code|pre|h[1-6]|sup|sub|details|summary|blockquote|font|center|small|big|kbd"
    r"|del|ins|mark|strike)\b[^<>\n]*/?>",
    re.IGNORECASE,
)
_BOLD: Final = re.compile(r"\*\*")
_UNKNOWN_TOPIC: Final = re.compile(r"unknown topic id '([^']*)'")
_DANGLING: Final = re.compile(r"^unknown topic id '([^']*)'|^topic '([^']*)' has no section '")
_ID_LINE: Final = re.compile(rb"^[ \t-]*id:[ \t]*['\"]?([\w.-]+)", re.MULTILINE)
_EMPTY: Final = "the file is empty (a knowledge file holds topics, findings or out_of_scope)"


@dataclass(frozen=True, slots=True)
class _Example:
    file: str
    node: yaml.Node | None
    loc: Loc
    owner: str  # "topic 'x'" or "out-of-scope subject 'y'"
    owner_id: str
    text: str
    folded: str


def check_knowledge(path: Path | str, *, finding_codes: Collection[str] = ()) -> list[Problem]:
    """Every problem in the knowledge at `path` (a directory or one file), errors and warnings,
    sorted by file and position; an empty list means the knowledge base is clean. With
    `finding_codes` (the diagnosis's codes), every code must be worded and no other."""
    root = Path(path)
    if not root.exists():
        return [Problem(display_path(root), 0, 0, "", "no such file or directory")]
    files = knowledge_files(root)
    kb_files = [f for f in files if f.name != TESTS_FILE]
    tests = [f for f in files if f.name == TESTS_FILE]
    if not kb_files and not tests:
        return [Problem(display_path(root), 0, 0, "", "no .yaml files found")]
    problems: list[Problem] = []
    parsed: list[ParsedFile] = []
    explain = _explainer(KnowledgeFileSpec)
    # Files that did not load, with the ids their text seems to define (None: cannot tell).
    not_loaded: dict[str, frozenset[str] | None] = {}
    for file in kb_files:
        name = display_path(file)
        raw = read_file(file, problems)
        if raw is None:
            not_loaded[name] = None
            continue
        if not raw.strip():
            problems.append(Problem(name, 0, 0, "", _EMPTY))
            not_loaded[name] = None
            continue
        result = parse_file(name, raw, problems, explain)
        if result is None:  # YAML syntax, or not a mapping: none of its ids are known
            not_loaded[name] = _ids_in_text(raw)
        else:
            parsed.append(result)
    broken = bool(not_loaded)
    problems.extend(cross_check(parsed))
    problems.extend(_references(parsed))
    problems.extend(_unreachable_sections(parsed))
    problems.extend(_markdown(parsed))
    problems.extend(_collisions(parsed))
    if finding_codes:
        problems.extend(finding_code_problems(parsed, finding_codes))
    clean = not broken and not any(p.severity == "error" for p in problems)
    if kb_files and clean and not any(entries(p.data, "topics") for p in parsed):
        problems.append(Problem(display_path(root), 0, 0, "", "the knowledge base has no topics"))
    for test_file in tests:
        cases = load_cases(test_file, _explainer(CaseFileSpec))
        problems.extend(cases.problems)
        if kb_files:
            problems.extend(case_problems(cases, *_ids(parsed)))
    topic_ids = sorted(_ids(parsed)[0])
    problems = [_suggest_topic(p, topic_ids) for p in problems]
    order = {display_path(f): n for n, f in enumerate(files)}
    problems.sort(key=lambda p: (order.get(p.file, -1), p.line, p.column))
    return root_causes_first(problems, not_loaded)


def root_causes_first(
    problems: list[Problem], not_loaded: Mapping[str, frozenset[str] | None]
) -> list[Problem]:
    """The problems of files that did not load come first. A reference elsewhere to an id that
    such a file seems to define (or to anything, when its ids cannot be told) only follows from
    it: those are left out and counted on the first root cause."""
    if not not_loaded:
        return problems
    unknown = any(ids is None for ids in not_loaded.values())
    hidden = frozenset().union(*(ids for ids in not_loaded.values() if ids is not None))

    def knocks_on(p: Problem) -> bool:
        ref = _DANGLING.match(p.message)
        return ref is not None and (unknown or (ref.group(1) or ref.group(2)) in hidden)

    roots = [p for p in problems if p.file in not_loaded]
    knock_on = [p for p in problems if p.file not in not_loaded and knocks_on(p)]
    rest = [p for p in problems if p.file not in not_loaded and not knocks_on(p)]
    if knock_on and roots:
        files = ", ".join(sorted({p.file.rsplit("/", 1)[-1] for p in knock_on}))
        first = roots[0]
        note = (
            f" ({len(knock_on)} unknown-id error(s) in {files} follow from this file not "
            "loading and are not listed; fix this first)"
        )
        roots[0] = replace(first, message=first.message + note)
    return roots + rest


def _ids_in_text(raw: bytes) -> frozenset[str] | None:
    """The `id:` values in a file YAML could not parse; None when there are none to go by."""
    ids = frozenset(m.group(1).decode("utf-8", "replace") for m in _ID_LINE.finditer(raw))
    return ids or None


def _suggest_topic(problem: Problem, topic_ids: Sequence[str]) -> Problem:
    """Add the closest real id to an "unknown topic id" problem (the loader's wording)."""
    m = _UNKNOWN_TOPIC.fullmatch(problem.message)
    if m is None:
        return problem
    return replace(problem, message=problem.message + _suggest(m.group(1), topic_ids))


# --- schema messages ------------------------------------------------------------------------


def _explainer(root: type[BaseModel]) -> Explain:
    """Pydantic errors in admin words, with a suggestion for misspelt names and values."""

    def explain(err: ErrorDetails, loc: Loc) -> str:
        kind = err["type"]
        value = err.get("input")
        if kind == "extra_forbidden" and loc:
            model = _model_at(root, loc[:-1])
            known = list(model.model_fields) if model is not None else []
            return f"unknown field '{loc[-1]}'" + _suggest(str(loc[-1]), known, listing=True)
        if kind == "literal_error":
            options = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
            return f"'{value}' is not one of {', '.join(options)}" + _suggest(str(value), options)
        if kind == "string_too_short" or (kind == "string_type" and value is None):
            return "is empty"
        if kind == "too_short":
            return "needs at least one entry"
        if kind == "string_pattern_mismatch":
            return f"'{value}' is not a valid id (use lowercase words joined by '-')"
        return schema_message(err, loc)

    return explain


def _suggest(word: str, options: Sequence[str], *, listing: bool = False) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f", did you mean '{close[0]}'?"
    if listing and options:
        return f" (expected one of: {', '.join(options)})"
    return ""


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `loc` (list indexes are skipped)."""
    current: type[BaseModel] | None = model
    if issubclass(model, RootModel):
        current = _inner_model(model.model_fields["root"].annotation)
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        current = _inner_model(field.annotation) if field is not None else None
    return current


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# --- ids ------------------------------------------------------------------------------------


def _ids(files: Sequence[ParsedFile]) -> tuple[dict[str, set[str]], set[str]]:
    """Topic ids with their section ids, and out-of-scope ids, from the raw data."""
    topics: dict[str, set[str]] = {}
    uncovered: set[str] = set()
    for f in files:
        for _, topic in entries(f.data, "topics"):
            if isinstance(topic.get("id"), str):
                sections = {str(s.get("id")) for _, s in entries(topic, "sections")}
                topics.setdefault(topic["id"], set()).update(sections)
        for _, subject in entries(f.data, "out_of_scope"):
            if isinstance(subject.get("id"), str):
                uncovered.add(subject["id"])
    return topics, uncovered


def _references(files: Sequence[ParsedFile]) -> Iterator[Problem]:
    """References the loader does not check: `ask_for` topics, and references that name an
    out-of-scope subject where a topic is needed (the bot would silently skip them)."""
    topics, uncovered = _ids(files)
    for f in files:
        refs: list[tuple[Loc, Any]] = []
        for ti, topic in entries(f.data, "topics"):
            refs += _listed(topic, ("topics", ti), "see_also")
        for fi, finding in entries(f.data, "findings"):
            refs += _listed(finding, ("findings", fi), "topics")
        for ai, ask in entries(f.data, "ask_for"):
            for loc, ref in _listed(ask, ("ask_for", ai), "topics"):
                if isinstance(ref, str) and ref not in topics and ref not in uncovered:
                    yield problem_at(f.path, f.node, loc, f"unknown topic id '{ref}'")
                refs.append((loc, ref))
        for loc, ref in refs:
            if isinstance(ref, str) and ref in uncovered and ref not in topics:
                message = f"'{ref}' is an out-of-scope subject, not a topic: it is never shown"
                yield problem_at(f.path, f.node, loc, message)


def finding_code_problems(files: Sequence[ParsedFile], codes: Collection[str]) -> Iterator[Problem]:
    """`findings:` must word every diagnosis code, and only those (a typo is never shown)."""
    worded: set[str] = set()
    holder: ParsedFile | None = None
    for f in files:
        for fi, finding in entries(f.data, "findings"):
            holder = holder or f
            code = finding.get("code")
            if not isinstance(code, str):
                continue
            worded.add(code)
            if code not in codes:
                hint = _suggest(code, sorted(codes))
                message = f"finding code '{code}' is not one the diagnosis emits{hint}"
                yield problem_at(f.path, f.node, ("findings", fi, "code"), message)
    if holder is None:
        return  # no diagnosis wording in these files (a topics-only check)
    for code in sorted(set(codes) - worded):
        message = f"no wording for the finding code '{code}': add it under findings"
        yield problem_at(holder.path, holder.node, ("findings",), message)


def _listed(entry: dict[str, Any], base: Loc, key: str) -> list[tuple[Loc, Any]]:
    items = entry.get(key)
    return [((*base, key, i), v) for i, v in enumerate(items if isinstance(items, list) else [])]


def _unreachable_sections(files: Sequence[ParsedFile]) -> Iterator[Problem]:
    """A section with no `os` is picked only by its `match` words: without them, never."""
    for f in files:
        for ti, topic in entries(f.data, "topics"):
            for si, section in entries(topic, "sections"):
                if not section.get("os") and not section.get("match"):
                    yield problem_at(
                        f.path,
                        f.node,
                        ("topics", ti, "sections", si),
                        "a section without 'os' needs 'match' words, or the bot never picks it",
                    )


# --- Markdown -------------------------------------------------------------------------------


def _markdown(files: Sequence[ParsedFile]) -> Iterator[Problem]:
    for f in files:
        lines = f.text.splitlines()
        for loc, text in _markdown_fields(f.data):
            node = node_at(f.node, loc)
            if not isinstance(node, yaml.ScalarNode):
                continue
            for row, col, message in markdown_problems(text):
                line, column = _text_position(node, lines, row, col)
                yield Problem(f.path, line, column, dotted(loc), message, "warning")


def _markdown_fields(data: dict[str, Any]) -> Iterator[tuple[Loc, str]]:
    for key, fields in _MARKDOWN_FIELDS.items():
        for i, entry in entries(data, key):
            for name in fields:
                if isinstance(entry.get(name), str):
                    yield (key, i, name), entry[name]
            for si, section in entries(entry, "sections"):
                if isinstance(section.get("answer"), str):
                    yield (key, i, "sections", si, "answer"), section["answer"]


def markdown_problems(text: str) -> list[tuple[int, int, str]]:
    """Markdown that Slack or Discord render badly: (0-based line, column, message) each."""
    out: list[tuple[int, int, str]] = []
    fence_open: tuple[int, int] | None = None
    bold: list[tuple[int, int]] = []  # unmatched `**` of the current paragraph
    lines = text.splitlines()
    for row, line in enumerate(lines):
        if _FENCE.match(line):
            fence_open = None if fence_open else (row, line.index("`"))
            continue
        if fence_open:
            continue
        if not line.strip():
            out += _unclosed_bold(bold)
            bold = []
            continue
        plain = _INLINE_CODE.sub(lambda m: " " * len(m.group()), line)
        if _HEADING.match(plain):
            out.append(
                (
                    row,
                    plain.index("#"),
                    "Markdown heading: Slack shows the '#' signs as text; "
                    "use a **bold** line instead",
                )
            )
        if _TABLE_RULE.match(plain) and row > 0:
            out.append(
                (
                    row - 1,
                    0,
                    "Markdown table: Slack and Discord show it as raw '|' text; use a list instead",
                )
            )
        for m in _IMAGE.finditer(plain):
            out.append(
                (
                    row,
                    m.start(),
                    "Markdown image: Slack and Discord show it as text; write a plain link instead",
                )
            )
        for m in _HTML.finditer(plain):
            out.append(
                (row, m.start(), f"raw HTML '{m.group()}': Slack and Discord show the tag as text")
            )
        for m in _BOLD.finditer(plain):
            if bold:
                bold.pop()
            else:
                bold.append((row, m.start()))
    out += _unclosed_bold(bold)
    if fence_open:
        out.append((*fence_open, "code fence ``` is never closed: the rest shows as code"))
    return sorted(out)


def _unclosed_bold(bold: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    return [
        (row, col, "unbalanced '**': the bold never closes and shows as '**'") for row, col in bold
    ]


def _text_position(node: yaml.ScalarNode, lines: list[str], row: int, col: int) -> tuple[int, int]:
    """The file line and column of `row`, `col` inside a scalar's text (1-based)."""
    start = node.start_mark
    if node.style in ("|", ">"):
        first = start.line + 1  # block scalars start on the line after the '|' or '>'
        content = [ln for ln in lines[first : node.end_mark.line + 1] if ln.strip()]
        indent = len(content[0]) - len(content[0].lstrip(" ")) if content else 0
        if node.style == ">":
            return first + 1, indent + 1  # folded text: lines were joined, point at its start
        return first + row + 1, indent + col + 1
    quote = 1 if node.style in ("'", '"') else 0
    return start.line + row + 1, (start.column + quote + col + 1) if row == 0 else col + 1


# --- colliding example questions -------------------------------------------------------------


def _examples(files: Iterable[ParsedFile]) -> list[_Example]:
    out: list[_Example] = []
    for f in files:
        for key, label in (("topics", "topic"), ("out_of_scope", "out-of-scope subject")):
            for i, entry in entries(f.data, key):
                owner_id = str(entry.get("id"))
                for loc, q in _listed(entry, (key, i), "questions"):
                    if isinstance(q, str) and (folded := " ".join(tokens(fold(q)))):
                        out.append(
                            _Example(
                                f.path, f.node, loc, f"{label} '{owner_id}'", owner_id, q, folded
                            )
                        )
                for loc, q in _listed(entry, (key, i), "near_misses"):
                    if isinstance(q, str) and (folded := " ".join(tokens(fold(q)))):
                        owner = f"the near misses of topic '{owner_id}'"
                        out.append(_Example(f.path, f.node, loc, owner, NEAR + owner_id, q, folded))
    return out


def _collisions(files: Sequence[ParsedFile]) -> Iterator[Problem]:
    """Near-identical example questions in two different topics: the matcher cannot decide."""
    examples = _examples(files)
    choices = [e.folded for e in examples]
    for j, later in enumerate(examples):
        hits = process.extract(
            later.folded, choices[:j], scorer=fuzz.ratio, score_cutoff=COLLISION_SCORE, limit=None
        )
        for _, score, i in hits:
            first = examples[i]
            if first.owner_id == later.owner_id:
                continue
            where = problem_at(first.file, first.node, first.loc, "")
            # A near miss that repeats its own topic's example asks the bot to answer and not
            # answer the same question: that cannot pass the self-tests.
            own = first.owner_id.removeprefix(NEAR) == later.owner_id.removeprefix(NEAR)
            kind = "near miss" if later.owner_id.startswith(NEAR) else "example question"
            message = (
                f"{kind} is nearly the same ({score:.0f}%) as one of {first.owner} "
                f"({where.file}:{where.line}): '{first.text}'"
            )
            yield problem_at(
                later.file, later.node, later.loc, message, "error" if own else "warning"
            )
            break
