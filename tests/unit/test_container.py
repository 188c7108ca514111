"""The container, checked without a Docker engine.

The Dockerfile is parsed; its steps run here the cheap way: the build context is copied as Docker
would send it (honouring .dockerignore), the COPY steps lay the files out under a temporary root,
and the Dockerfile's own `pip wheel` and `pip install --no-index` commands run from that copy,
the install into a fresh venv with no index and no pip configuration, as in the slim image. Then
the installed `ztbot` migrates a database, the entrypoint script runs, and the HEALTHCHECK command
is run against a live /healthz. Two liberties, both to stay fast: `--no-cache-dir` is dropped
so pip reuses its cache, and the build stage's pip is this interpreter's (the image's is the same
Python minor version); commands other than pip (useradd, chown, rm) are not emulated, only
checked to be the expected ones.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import venv
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
NOT_EMULATED = {"useradd", "mkdir", "chown", "rm"}  # user and directory set-up in the image


@dataclass
class Stage:
    base: str
    name: str | None
    steps: list[tuple[str, str]] = field(default_factory=list)

    def find(self, instruction: str) -> list[str]:
        return [args for ins, args in self.steps if ins == instruction]


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages with their (INSTRUCTION, arguments) steps; continuations joined, comments dropped."""
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
        else:
            stages[-1].steps.append((instruction, args))
    return stages


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
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def test_dockerfile_shape(stages: list[Stage]) -> None:
    """Multi-stage: wheels built in the full image, installed with --no-index on slim, non-root."""
    build, run = stages
    assert build.base.startswith("python:3.11") and "slim" not in build.base and build.name
    assert run.base.startswith("python:3.11-slim")
    assert any("pip wheel" in r for r in build.find("RUN"))
    assert any("pip install" in r and "--no-index" in r for r in run.find("RUN"))
    assert any(c.startswith(f"--from={build.name} ") for c in run.find("COPY"))
    user = run.find("USER")[-1]
    assert user.split(":")[0] not in {"root", "0"}
    env = " ".join(run.find("ENV"))
    assert "ZTBOT_DATA_DIR=/data" in env and "ZTBOT_KNOWLEDGE_DIR=/app/knowledge" in env
    assert run.find("VOLUME") == ['["/data"]']
    assert "knowledge /app/knowledge" in run.find("COPY")
    entrypoint = json.loads(run.find("ENTRYPOINT")[-1])  # exec form: SIGTERM reaches ztbot
    assert entrypoint == ["/usr/local/bin/ztbot-entrypoint"]
    assert json.loads(run.find("CMD")[-1]) == ["serve"]
    health = run.find("HEALTHCHECK")[-1]
    assert health.startswith("--interval=") and " CMD [" in health


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


class _Healthz(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def healthz() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Emulator:
    """Runs a Dockerfile's COPY and pip steps; each stage's `/` is a directory of its own."""

    def __init__(self, base: Path, context: Path) -> None:
        self.base, self.context = base, context
        self.roots: dict[str, Path] = {}
        self.env: dict[str, str] = {}
        self.skipped: list[str] = []

    def run_stage(self, stage: Stage, pip: list[str]) -> Path:
        """Emulate `stage` with `pip` as its pip; returns the stage's root directory."""
        root = self.base / (stage.name or "final")
        self.roots[stage.name or "final"] = root
        workdir = "/"
        for instruction, args in stage.steps:
            if instruction == "WORKDIR":
                workdir = args
                _under(root, args, "/").mkdir(parents=True, exist_ok=True)
            elif instruction == "ENV":
                self.env.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
            elif instruction == "COPY":
                self.copy(root, args, workdir)
            elif instruction == "RUN":
                for part in args.split("&&"):
                    self.run(root, part.strip(), workdir, pip)
        return root

    def copy(self, root: Path, args: str, workdir: str) -> None:
        words = [w for w in args.split() if not w.startswith("--chown")]
        source_root = None
        if words[0].startswith("--from="):
            source_root = self.roots[words[0].removeprefix("--from=")]
            words = words[1:]
        *sources, dest = words
        target = _under(root, dest, workdir)
        for src in sources:
            origin = _under(source_root, src, "/") if source_root else self.context / src
            into = target / origin.name if dest.endswith("/") or len(sources) > 1 else target
            into.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, into, dirs_exist_ok=True)
            else:
                shutil.copy2(origin, into)

    def run(self, root: Path, command: str, workdir: str, pip: list[str]) -> None:
        words = shlex.split(command)
        if words[0] != "pip":
            assert words[0] in NOT_EMULATED, f"unexpected build step: {command}"
            self.skipped.append(words[0])
            return
        argv = list(pip)
        for word in words[1:]:
            if word == "--no-cache-dir":
                continue  # reuse pip's cache here; the image must not keep one
            if word.startswith("/"):
                word = str(_under(root, word, "/"))
            elif "=/" in word:
                key, value = word.split("=", 1)
                word = f"{key}={_under(root, value, '/')}"
            argv.extend(sorted(glob.glob(word)) if "*" in word else [word])
        env = dict(os.environ)
        if "--no-index" in words:
            # As in the slim image: no pip configuration, no extra indexes or find-links.
            env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
            env["PIP_CONFIG_FILE"] = os.devnull
        done = subprocess.run(
            argv,
            check=False,
            cwd=_under(root, ".", workdir),
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


def _under(root: Path, path: str, workdir: str) -> Path:
    """An image path (absolute, or relative to the WORKDIR) inside the stage's root."""
    full = path if path.startswith("/") else f"{workdir.rstrip('/')}/{path}"
    return root / full.lstrip("/")


@pytest.mark.slow
def test_image_build_steps_install_and_run(
    stages: list[Stage], tmp_path: Path, healthz: int
) -> None:
    """The Dockerfile's own pip steps install ztbot; it migrates, the entrypoint and check run."""
    context, rt = tmp_path / "context", tmp_path / "venv"
    copy_context(context)
    venv.EnvBuilder(with_pip=True).create(rt)
    emulator = Emulator(tmp_path / "stages", context)
    build, run = stages
    built = emulator.run_stage(build, [sys.executable, "-m", "pip", "--quiet"])
    assert list((built / "wheels").glob("ztbot-*.whl"))
    root = emulator.run_stage(run, [str(rt / "bin" / "python"), "-m", "pip", "--quiet"])
    assert sorted(set(emulator.skipped)) == ["chown", "mkdir", "rm", "useradd"]
    assert (root / "app/knowledge").is_dir() and (root / "usr/local/bin/ztbot-entrypoint").is_file()

    data = tmp_path / "data"
    env = {
        "PATH": f"{rt / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        **emulator.env,
        # The image's paths, mapped under the temporary root.
        "ZTBOT_DATA_DIR": str(data),
        "ZTBOT_KNOWLEDGE_DIR": str(root / "app/knowledge"),
        "ZTBOT_HTTP_PORT": str(healthz),
    }
    entrypoint = str(root / "usr/local/bin/ztbot-entrypoint")

    def sh(argv: list[str], cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=60
        )

    # The console script comes from the wheel, not from the source tree.
    assert sh(["ztbot", "--version"]).stdout.startswith("ztbot ")
    where = sh(["python", "-c", "import bot; print(bot.__file__)"]).stdout
    assert where.startswith(str(rt))
    # Migrations ship inside the wheel: `ztbot db upgrade` works from the installed package.
    upgraded = sh(["ztbot", "db", "upgrade"])
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("database at revision ")
    # The baked-in knowledge is found through ZTBOT_KNOWLEDGE_DIR.
    asked = sh(["ztbot", "ask", "--json", "how do i update zerotier"])
    assert json.loads(asked.stdout)["topic"] == "updating"
    # The entrypoint migrates, then execs `ztbot serve` (here without credentials: exit 2).
    served = sh([entrypoint, *json.loads(run.find("CMD")[-1])])
    assert served.returncode == 2 and "DISCORD_TOKEN" in served.stderr
    assert "database at revision" in served.stdout
    shown = sh([entrypoint, "config", "show"])
    assert shown.returncode == 0 and f"ZTBOT_DATA_DIR={data}" in shown.stdout

    # HEALTHCHECK: the exec-form command, run as Docker would, passes on a live /healthz ...
    health = run.find("HEALTHCHECK")[-1]
    argv = json.loads(health.split(" CMD ", 1)[1])
    assert sh(argv).returncode == 0
    # ... and fails when nothing answers.
    env["ZTBOT_HTTP_PORT"] = str(_free_port())
    assert sh(argv).returncode != 0
