#!/bin/sh
# Container start: migrate the database as an explicit step, then become ztbot.
# `exec` makes ztbot PID 1, so `docker stop` (SIGTERM) reaches it and it shuts down cleanly.
set -eu
if [ "${1:-serve}" = "serve" ]; then
    case "${ZTBOT_DATABASE_URL:-}" in
        none | off | disabled) ;;
        *) ztbot db upgrade ;;
    esac
fi
exec ztbot "$@"
