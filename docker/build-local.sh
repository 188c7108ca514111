#!/usr/bin/env bash
# Build the ztbot image from the Dockerfile without Docker, then run it and check it.
#
#   sudo docker/build-local.sh            # as root: needs buildah, debootstrap and python3
#
# 1. A local base image, Debian bookworm (debootstrap --variant=minbase) with python3 from
#    Debian's packages, made once and cached: no registry of base images is needed.
# 2. The image, built from ./Dockerfile by buildah (vfs storage, chroot isolation, no daemon)
#    with that base for both stages.
# 3. Checks, each in the image (`buildah run`): non-root user, no compilers or build tools,
#    `ztbot db upgrade`, `ztbot ask`, the entrypoint's migrate-then-serve path without tokens
#    (exit 2), and the Dockerfile's HEALTHCHECK command against a running `ztbot serve`
#    (Slack HTTP mode, its Web API played by a stand-in on loopback).
# Prints the image size and the build time; exits non-zero if anything fails.
#
# Environment:
#   ZTBOT_IMAGE_CACHE   cache and storage directory (${XDG_CACHE_HOME:-$HOME/.cache}/ztbot-image)
#   ZTBOT_IMAGE         the image's name (localhost/ztbot:latest)
#   ZTBOT_BASE_MAX_AGE  days before the cached base is made again from Debian's packages (30)
#   ZTBOT_BUILD_CA      CA bundle mounted into the build's RUN steps, for pip behind a
#                       TLS-inspecting proxy (/etc/ssl/certs/ca-certificates.crt if present;
#                       empty: none). Never part of the image.
#   ZTBOT_IMAGE_EXPORT  a file to write the image to, for `docker load` or `podman load`
#                       (a docker-archive tar; none by default)
#   DEBIAN_MIRROR       (http://deb.debian.org/debian)
set -euo pipefail

cd "$(dirname "$0")/.."
started=$(date +%s.%N)
CACHE="${ZTBOT_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ztbot-image}"
IMAGE="${ZTBOT_IMAGE:-localhost/ztbot:latest}"
BASE="localhost/ztbot-base:bookworm"
BASE_TAR="$CACHE/base-bookworm.tar.gz"
MAX_AGE="${ZTBOT_BASE_MAX_AGE:-30}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA="${ZTBOT_BUILD_CA-/etc/ssl/certs/ca-certificates.crt}"
# In the base: Python and its venv module (both stages make a venv), and CA certificates for
# the build stage's pip. Nothing that compiles.
PACKAGES="python3,python3-venv,ca-certificates"

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'build-local: FAILED: %s\n' "$*" >&2
    exit 1
}
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, and buildah's chroot isolation, need it)"
for tool in buildah python3 flock; do
    command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install buildah)"
done

mkdir -p "$CACHE"
# One run at a time per cache: a second one waits here rather than sharing the storage.
exec 9>"$CACHE/lock"
flock 9

# Private storage under the cache: nothing here touches the system's containers storage.
BAH=(buildah --root "$CACHE/storage" --runroot "$CACHE/runroot" --storage-driver vfs)
bah() { "${BAH[@]}" "$@"; }
export BUILDAH_ISOLATION=chroot

WORK="$(mktemp -d "$CACHE/tmp.XXXXXX")"
CTR=""
cleanup() {
    # The background `buildah run`s this script started and that are still running.
    for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -z "$CTR" ] || bah rm "$CTR" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Containers left by a run that was killed (this cache is ours while the lock is held).
bah rm --all >/dev/null 2>&1 || true

# --- 1. the base: Debian minbase + python3, from Debian's packages ---------------------------
if [ -f "$BASE_TAR" ] && [ -n "$(find "$BASE_TAR" -mtime +"$MAX_AGE")" ]; then
    say "base: cached root file system older than $MAX_AGE days, making it again"
    rm -f "$BASE_TAR"
    bah rmi -f "$BASE" >/dev/null 2>&1 || true
fi
base_started=$(now)
if bah inspect --type image "$BASE" >/dev/null 2>&1 && [ -f "$BASE_TAR" ]; then
    base_how="reused image $BASE"
else
    if [ ! -f "$BASE_TAR" ]; then
        command -v debootstrap >/dev/null || die "debootstrap is not installed"
        say "base: debootstrap --variant=minbase bookworm (+ $PACKAGES) from $MIRROR"
        rootfs="$WORK/rootfs"
        debootstrap --variant=minbase --include="$PACKAGES" bookworm "$rootfs" "$MIRROR" \
            >"$WORK/debootstrap.log" 2>&1 || {
            tail -n 40 "$WORK/debootstrap.log" >&2
            die "debootstrap"
        }
        # What Debian's own slim images leave out: package lists and caches, docs, man pages,
        # translations; and dpkg told to leave them out of anything installed later.
        rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
            "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
            "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log \
            "$rootfs"/var/log/apt/*
        printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-exclude /usr/share/man/*' \
            'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
            >"$rootfs/etc/dpkg/dpkg.cfg.d/slim"
        tar -C "$rootfs" --numeric-owner -czf "$BASE_TAR.part" .
        mv "$BASE_TAR.part" "$BASE_TAR"
        rm -rf "$rootfs"
        base_how="made with debootstrap, cached as $BASE_TAR"
    else
        base_how="imported from $BASE_TAR"
    fi
    say "base: importing $BASE_TAR as $BASE"
    ctr=$(bah from --name ztbot-base-import scratch)
    bah add "$ctr" "$BASE_TAR" / >/dev/null
    bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --env LANG=C.UTF-8 --cmd /bin/bash --created-by "docker/build-local.sh" "$ctr"
    bah commit --quiet --rm "$ctr" "$BASE" >/dev/null
fi
base_time=$(since "$base_started")
say "base: $base_how (${base_time}s)"

# --- 2. the image, from the Dockerfile --------------------------------------------------------
build_args=(--isolation chroot --format docker --pull=never
    --build-arg "BUILD_IMAGE=$BASE" --build-arg "BASE_IMAGE=$BASE" --tag "$IMAGE")
if [ -n "$CA" ] && [ -f "$CA" ]; then
    # Read by pip during the RUN steps only; a volume is not part of any layer.
    build_args+=(--volume "$CA:/etc/ssl/certs/ca-certificates.crt:ro")
fi
say "build: buildah build ${build_args[*]} ."
build_started=$(now)
bah build "${build_args[@]}" -f Dockerfile . >"$WORK/build.log" 2>&1 || {
    tail -n 60 "$WORK/build.log" >&2
    die "buildah build"
}
build_time=$(since "$build_started")
bah rmi --prune >/dev/null 2>&1 || true # the previous build's image, now untagged
size=$(bah images --format '{{.Size}}' "$IMAGE")
say "build: $IMAGE built in ${build_time}s; image size $size"

# --- 3. checks, in the image ----------------------------------------------------------------
CTR=$(bah from --pull=never --name "ztbot-check-$$" "$IMAGE")
# What the image's config says (Docker format: it keeps HEALTHCHECK), and the Dockerfile's own
# HEALTHCHECK, which must be the same command.
bah inspect --type image "$IMAGE" >"$WORK/image.json"
python3 - "$WORK" <<'EOF'
import json, pathlib, sys

work = pathlib.Path(sys.argv[1])
config = json.loads((work / "image.json").read_text())["Docker"]["config"]
lines, buf = [], ""
for line in pathlib.Path("Dockerfile").read_text().splitlines():
    if line.lstrip().startswith("#"):
        continue
    if line.rstrip().endswith("\\"):
        buf += line.rstrip()[:-1] + " "
        continue
    lines.append(buf + line)
    buf = ""
health = [x for x in lines if x.split(" ", 1)[0].upper() == "HEALTHCHECK"][-1]
argv = json.loads(health.split(" CMD ", 1)[1])
test = (config.get("Healthcheck") or {}).get("Test")
if test != ["CMD", *argv]:
    sys.exit(f"the image's healthcheck {test} is not the Dockerfile's {argv}")
(work / "healthcheck").write_text("\0".join(argv))
(work / "serve").write_text("\0".join(config["Entrypoint"] + config["Cmd"]))
(work / "user").write_text(config.get("User", ""))
EOF
mapfile -d '' HEALTHCHECK <"$WORK/healthcheck"
mapfile -d '' SERVE <"$WORK/serve"

failed=0
ok() { printf '  ok    %s\n' "$*"; }
bad() {
    printf '  FAIL  %s\n' "$*" >&2
    failed=1
}
# Runs a command in the image; its output in $WORK/out and $WORK/err, its exit code in $rc.
run() {
    rc=0
    bah run "$CTR" -- "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
}
show() { sed 's/^/        | /' "$WORK/out" "$WORK/err" | tail -n 20 >&2; }

say "checks in $IMAGE"
run id -u
if [ "$rc" = 0 ] && [ "$(cat "$WORK/out")" != 0 ]; then
    ok "runs as uid $(cat "$WORK/out") (USER $(cat "$WORK/user")), not root"
else
    bad "runs as root or id failed"
    show
fi

run sh -c 'for t in gcc cc c++ g++ clang make ld as cpp; do command -v "$t"; done; true'
if [ "$rc" = 0 ] && [ ! -s "$WORK/out" ]; then
    ok "no compilers or build tools (gcc cc c++ g++ clang make ld as cpp)"
else
    bad "build tools in the image: $(tr '\n' ' ' <"$WORK/out")"
fi

run ztbot --version
if [ "$rc" = 0 ] && grep -q '^ztbot ' "$WORK/out"; then ok "$(cat "$WORK/out")"; else
    bad "ztbot --version"
    show
fi

run ztbot db upgrade
if [ "$rc" = 0 ] && grep -q '^database at revision ' "$WORK/out"; then
    ok "ztbot db upgrade: $(head -n 1 "$WORK/out")"
else
    bad "ztbot db upgrade (exit $rc)"
    show
fi

run ztbot ask --json "how do i update zerotier"
if [ "$rc" = 0 ] && python3 -c 'import json, sys; assert json.load(sys.stdin)["topic"] == "updating"' \
    <"$WORK/out" 2>/dev/null; then
    ok "ztbot ask: answered from the baked-in knowledge (topic updating)"
else
    bad "ztbot ask (exit $rc)"
    show
fi

# The entrypoint and command as the image runs them: migrate, then serve, which without any
# chat platform configured exits 2 and says what to set.
run "${SERVE[@]}"
if [ "$rc" = 2 ] && grep -q '^database at revision ' "$WORK/out" &&
    grep -q 'no chat platform is configured' "$WORK/err"; then
    ok "${SERVE[*]} without tokens: migrated, then exit 2 'no chat platform is configured'"
else
    bad "${SERVE[*]} without tokens: exit $rc (want 2 after migrating)"
    show
fi

# A running serve: Slack in HTTP mode with a dummy signing secret, its Web API (auth.test at
# start-up) played by a stand-in on loopback in the image's own Python.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api_port=$(free_port)
health_port=$(free_port)
stand_in='
import http.server, json, sys
class Api(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        known = self.path.endswith("/auth.test")
        reply = {"ok": True, "user_id": "U0STANDIN", "bot_id": "B0STANDIN"} if known else {"ok": False, "error": "unknown_method"}
        body = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Api).serve_forever()
'
# Started directly (not through a function), so that $! is buildah's own process id.
"${BAH[@]}" run "$CTR" -- python -c "$stand_in" "$api_port" >"$WORK/api.log" 2>&1 &
for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null; then break; fi
    sleep 0.2
done
serve_env=(--env SLACK_MODE=http --env SLACK_BOT_TOKEN=xoxb-stand-in
    --env SLACK_SIGNING_SECRET=stand-in --env "SLACK_API_URL=http://127.0.0.1:$api_port/api/"
    --env SLACK_HTTP_HOST=127.0.0.1 --env SLACK_HTTP_PORT=0
    --env ZTBOT_HTTP_HOST=127.0.0.1 --env "ZTBOT_HTTP_PORT=$health_port")
"${BAH[@]}" run "${serve_env[@]}" "$CTR" -- "${SERVE[@]}" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE_PID=$!

# The HEALTHCHECK command, exactly as the Dockerfile has it, with the container's environment;
# retried while serve starts, as in the check's start period.
healthy=""
for _ in $(seq 60); do
    if ! kill -0 "$SERVE_PID" 2>/dev/null; then break; fi
    if bah run --env "ZTBOT_HTTP_PORT=$health_port" "$CTR" -- "${HEALTHCHECK[@]}" \
        >"$WORK/health.log" 2>&1; then
        healthy=1
        break
    fi
    sleep 1
done
if [ -n "$healthy" ]; then
    ok "HEALTHCHECK passes against ${SERVE[*]} (Slack HTTP mode, stand-in Web API)"
else
    bad "HEALTHCHECK never passed; its last output, then serve's:"
    tail -n 8 "$WORK/health.log" "$WORK/serve.out" "$WORK/serve.err" "$WORK/api.log" |
        sed 's/^/        | /' >&2
fi

# docker stop: SIGTERM to ztbot itself (the entrypoint exec'd it), which exits 0.
descendants() { for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
ztbot_pid=""
for p in $(descendants "$SERVE_PID"); do
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'bin/ztbot serve'; then ztbot_pid=$p; fi
done
if [ -n "$ztbot_pid" ]; then
    kill -TERM "$ztbot_pid"
    rc=0
    wait "$SERVE_PID" || rc=$?
    if [ "$rc" = 0 ]; then ok "SIGTERM to ztbot serve: clean exit 0"; else
        bad "SIGTERM to ztbot serve: exit $rc"
        tail -n 10 "$WORK/serve.err" | sed 's/^/        | /' >&2
    fi
else
    bad "no ztbot serve process to stop"
fi
if bah run --env "ZTBOT_HTTP_PORT=$health_port" "$CTR" -- "${HEALTHCHECK[@]}" >/dev/null 2>&1; then
    bad "HEALTHCHECK passes with nothing listening"
else
    ok "HEALTHCHECK fails once serve has stopped"
fi

if [ -n "${ZTBOT_IMAGE_EXPORT:-}" ] && [ "$failed" = 0 ]; then
    rm -f "$ZTBOT_IMAGE_EXPORT"
    bah push --quiet "$IMAGE" "docker-archive:$ZTBOT_IMAGE_EXPORT:$IMAGE"
    say "exported to $ZTBOT_IMAGE_EXPORT (docker load -i / podman load -i)"
fi
total=$(since "$started")
echo
echo "image:      $IMAGE"
echo "size:       $size"
echo "base:       ${base_time}s ($base_how)"
echo "build:      ${build_time}s (buildah build, both stages)"
echo "total:      ${total}s"
[ "$failed" = 0 ] || die "some checks failed (above)"
echo "all checks passed"
