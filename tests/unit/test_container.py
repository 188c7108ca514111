"""The container's static side: the Dockerfile's shape, the build context, compose.

The image itself is built from the Dockerfile and run for real by docker/build-local.sh (buildah,
no Docker daemon), which `.ci/run` calls after the tests; see docs/container.md. These checks
are the cheap ones that need no image.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
BUILD_LOCAL = ROOT / "docker" / "build-local.sh"


@dataclass
class Stage:
    base: str  # as written: `${BUILD_IMAGE}` for a base taken from a build argument
    name: str | None
    steps: list[tuple[str, str]] = field(default_factory=list)

    def find(self, instruction: str) -> list[str]:
        return [args for ins, args in self.steps if ins == instruction]


@dataclass
class Dockerfile:
    args: dict[str, str]  # the ARGs before the first FROM, with their defaults
    stages: list[Stage]

    def default_base(self, stage: Stage) -> str:
        """The stage's base image when no build argument is given."""
        return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: self.args[m[1] or m[2]], stage.base)


def parse_dockerfile(text: str) -> Dockerfile:
    """Global ARGs and stages with their (INSTRUCTION, arguments) steps; continuations joined,
    comments dropped."""
    defaults: dict[str, str] = {}
    stages: list[Stage] = []
    logical: list[str] = []
    buffer = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        logical.append(buffer + line)
        buffer = ""
    for line in logical:
        instruction, _, args = line.strip().partition(" ")
        instruction, args = instruction.upper(), " ".join(args.split())
        if instruction == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif instruction == "ARG" and not stages:
            key, _, value = args.partition("=")
            defaults[key] = value
        else:
            stages[-1].steps.append((instruction, args))
    return Dockerfile(defaults, stages)


def _pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex: `*` stays within a directory, `**` crosses them."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore excludes `path`: the last matching pattern wins, `!` re-includes.

    A pattern also excludes everything under a directory it matches.
    """
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _pattern(pattern.lstrip("!").strip("/"))
        if any(regex.match(prefix) for prefix in prefixes):
            result = not negate
    return result


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [x.strip() for x in lines if x.strip() and not x.strip().startswith("#")]


def copy_context(dest: Path) -> list[str]:
    """Copy the tracked and untracked (not git-ignored) files Docker would send."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    patterns = dockerignore()
    sent = [p for p in listed if (ROOT / p).is_file() and not ignored(p, patterns)]
    for rel in sent:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    return sent


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def test_dockerfile_shape(dockerfile: Dockerfile) -> None:
    """Multi-stage: wheels built in the full image, installed with --no-index on slim, non-root."""
    build, run = dockerfile.stages
    # The bases are build arguments; by default the official images, full then slim.
    assert build.base == "${BUILD_IMAGE}" and run.base == "${BASE_IMAGE}"
    assert dockerfile.default_base(build) == "python:3.11-bookworm" and build.name
    assert dockerfile.default_base(run) == "python:3.11-slim-bookworm"
    # Both stages work from a venv, so a Debian python3 base (no system pip) works too.
    assert any("python3 -m venv" in r and "pip wheel" in r for r in build.find("RUN"))
    installs = [r for r in run.find("RUN") if "pip install" in r]
    assert installs and all("--no-index" in r and "python3 -m venv" in r for r in installs)
    assert any(c.startswith(f"--from={build.name} ") for c in run.find("COPY"))
    user = run.find("USER")[-1]
    assert user.split(":")[0] not in {"root", "0"}
    env = " ".join(run.find("ENV"))
    assert "ZTBOT_DATA_DIR=/data" in env and "ZTBOT_KNOWLEDGE_DIR=/app/knowledge" in env
    assert "PATH=/opt/ztbot/bin:$PATH" in env  # `ztbot` and `python` are the venv's
    assert run.find("VOLUME") == ['["/data"]']
    assert "knowledge /app/knowledge" in run.find("COPY")
    entrypoint = json.loads(run.find("ENTRYPOINT")[-1])  # exec form: SIGTERM reaches ztbot
    assert entrypoint == ["/usr/local/bin/ztbot-entrypoint"]
    assert json.loads(run.find("CMD")[-1]) == ["serve"]
    health = run.find("HEALTHCHECK")[-1]
    assert health.startswith("--interval=") and " CMD [" in health
    argv = json.loads(health.split(" CMD ", 1)[1])  # exec form, as build-local.sh runs it
    assert argv[0] == "python" and "ZTBOT_HTTP_PORT" in argv[-1]


def test_local_build_script_matches_the_dockerfile(dockerfile: Dockerfile) -> None:
    """docker/build-local.sh sets the Dockerfile's base arguments and is what CI runs."""
    script = BUILD_LOCAL.read_text(encoding="utf-8")
    assert os.access(BUILD_LOCAL, os.X_OK)
    assert set(re.findall(r'--build-arg "(\w+)=', script)) == set(dockerfile.args)
    assert "--storage-driver vfs" in script and "--isolation chroot" in script
    if shutil.which("bash"):
        checked = subprocess.run(
            ["bash", "-n", str(BUILD_LOCAL)], check=False, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "docker/build-local.sh" in ci
    # The entrypoint the script runs is the one the Dockerfile copies in.
    copied = [c.split() for c in dockerfile.stages[-1].find("COPY")]
    assert ["docker/entrypoint.sh", "/usr/local/bin/ztbot-entrypoint"] in copied


def test_context_leaves_out_secrets_and_clutter(tmp_path: Path) -> None:
    """The build context has what the image needs and never .env, .git, tests or databases."""
    patterns = dockerignore()
    for path in (".env", ".env.local", ".git/config", "tests/conftest.py", "data/ztbot.db"):
        assert ignored(path, patterns), path
    for path in ("bot/cli.py", "knowledge/faq.yaml", "pyproject.toml", "README.md"):
        assert not ignored(path, patterns), path
    assert ignored("bot/__pycache__/cli.cpython-311.pyc", patterns)
    sent = copy_context(tmp_path)
    assert "docker/entrypoint.sh" in sent and "pyproject.toml" in sent
    assert not any(p.startswith(("tests/", ".git/", ".venv/")) for p in sent)


def test_compose_and_env_example() -> None:
    """Compose runs ztbot with PostgreSQL 16, healthchecks, a volume and env from .env."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    bot, pg = compose["services"]["ztbot"], compose["services"]["postgres"]
    assert bot["env_file"] == ".env" and bot["build"] == "."
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["environment"]["ZTBOT_DATABASE_URL"].startswith("postgresql+psycopg://ztbot:")
    assert pg["image"] == "postgres:16" and "pg_isready" in " ".join(pg["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in pg["volumes"])
    assert any(v.endswith(":/data") for v in bot["volumes"])
    example = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    values = [line.split("=", 1) for line in example if line and not line.startswith("#")]
    assert values and all(value == "" for _, value in values)  # no secret is ever committed
    assert {"SLACK_BOT_TOKEN", "DISCORD_TOKEN", "POSTGRES_PASSWORD"} <= {k for k, _ in values}
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
