#!/bin/sh
# Container start: migrate the database as an explicit step, then become ztbot.
# `exec` makes ztbot PID 1, so `docker stop` (SIGTERM) reaches it and it shuts down cleanly.
set -eu
if [ "${1:-serve}" = "serve" ]; then
    case "${ZTBOT_DATABASE_URL:-}" in
        none | off | disabled) ;;
        # A database that is not up yet does not stop the bot: serve answers, keeps the
        # turns in memory and migrates as soon as the database answers.
        *) ztbot db upgrade || echo "ztbot: database not reachable yet; serve will migrate it" >&2 ;;
    esac
fi
exec ztbot "$@"
