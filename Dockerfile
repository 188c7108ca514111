# syntax=docker/dockerfile:1
# ztbot: build wheels in the full image (compilers, headers), run them on the slim one.
#   docker build -t ztbot .
#   docker run --env-file .env -p 8080:8080 -v ztbot-data:/data ztbot
# Any Debian-family base with Python 3.11+ as `python3` (and its venv module) works for either
# stage; docker/build-local.sh builds without Docker on one made from Debian's packages:
#   --build-arg BUILD_IMAGE=localhost/ztbot-base:bookworm --build-arg BASE_IMAGE=localhost/ztbot-base:bookworm
# (docs/container.md).
ARG BUILD_IMAGE=python:3.11-bookworm
ARG BASE_IMAGE=python:3.11-slim-bookworm

# --- build: a wheel for ztbot and for every dependency ----------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
# In a venv: the same pip on every base (Debian's python3 keeps pip out of the system one).
RUN python3 -m venv /opt/build \
    && /opt/build/bin/pip wheel --no-cache-dir --wheel-dir /wheels .

# --- run: only the wheels, installed without reaching any index ------------------------------
FROM ${BASE_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/ztbot/bin:$PATH \
    ZTBOT_DATA_DIR=/data \
    ZTBOT_KNOWLEDGE_DIR=/app/knowledge \
    ZTBOT_HTTP_PORT=8080 \
    ZTBOT_LOG_FORMAT=json
RUN useradd --create-home --uid 10001 --user-group ztbot \
    && mkdir -p /data \
    && chown ztbot:ztbot /data
COPY --from=build /wheels /wheels
# Exactly the wheels built above: ztbot and its dependencies at the versions resolved there.
# The venv's bin comes first on PATH, so `ztbot` and `python` are the installed ones.
RUN python3 -m venv /opt/ztbot \
    && /opt/ztbot/bin/pip install --no-cache-dir --no-index /wheels/*.whl \
    && rm -rf /wheels
WORKDIR /app
# Baked in; mount a directory over /app/knowledge to answer from your own (it reloads live).
COPY knowledge /app/knowledge
COPY docker/entrypoint.sh /usr/local/bin/ztbot-entrypoint
USER 10001:10001
VOLUME ["/data"]
# 8080: /healthz, /readyz, /metrics. 3000: Slack events in HTTP mode (SLACK_SIGNING_SECRET).
EXPOSE 8080 3000
# The slim image has no curl; Python is there anyway. Exits non-zero unless /healthz says 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ZTBOT_HTTP_PORT', '8080'), timeout=4)"]
ENTRYPOINT ["/usr/local/bin/ztbot-entrypoint"]
CMD ["serve"]
