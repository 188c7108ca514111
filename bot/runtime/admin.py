"""Admin actions shared by the chat front ends: reload the knowledge, summarise the logs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.base.settings import StoreText, parse_duration
from bot.reports.html import page_for
from bot.reports.usage import build_report, render_report
from bot.runtime.reload import KnowledgeReloader
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReportFile:
    """The HTML report, ready to attach in chat."""

    filename: str
    content: bytes  # UTF-8 HTML
    mime_type: str = "text/html"


ADMIN_HELP = (
    "Admin commands: `admin reload` (load the knowledge files again), `admin report [7d]`, "
    "`admin report html [7d]` (the report as a page with charts, sent as a file)."
)


class AdminActions:
    """What `/zt admin ...` does; each returns text for the admin (Markdown-safe)."""

    def __init__(
        self,
        store: Store | None,
        reloader: KnowledgeReloader | None,
        *,
        store_text: StoreText = "full",
    ) -> None:
        self.store = store
        self.reloader = reloader
        self.store_text = store_text  # what the report may show of users' words

    def run_any(self, command: str, by: str) -> str | ReportFile:
        """Like `run`, and `report html [since]` gives the HTML report as a file to attach."""
        words = command.split()
        if words[:2] == ["report", "html"]:
            return self.report_html(words[2] if len(words) > 2 else "7d")
        return self.run(command, by)

    def run(self, command: str, by: str) -> str:
        """Run `reload` or `report [since]` for the admin `by`; unknown commands get the help."""
        words = command.split()
        if words[:1] == ["reload"]:
            return self.reload(by)
        if words[:1] == ["report"]:
            return self.report(words[1] if len(words) > 1 else "7d")
        return ADMIN_HELP

    def reload(self, by: str) -> str:
        """Reload the knowledge behind the check and self-test gate."""
        if self.reloader is None:
            return "Reloading is not available in this process."
        result = self.reloader.reload(by)
        log.info("admin reload by %s: ok=%s version=%s", by, result.ok, result.version)
        return result.message()

    def report(self, since: str = "7d") -> str:
        """The usage report for the last `since` (e.g. 7d), as a code block."""
        store = self.store
        if store is None:
            return "No database is configured, so there is nothing to report."
        try:
            age = parse_duration(since)
        except ValueError as exc:
            return str(exc)
        try:
            with Session(store.engine) as session:
                report = build_report(
                    session, since=datetime.now(UTC) - timedelta(seconds=age), max_groups=5
                )
        except SQLAlchemyError as exc:
            log.warning("admin report failed: %s", exc.__class__.__name__)
            return "The database is not reachable right now; try again later."
        return f"```\n{render_report(report)}```"

    def report_html(self, since: str = "7d") -> ReportFile | str:
        """The HTML report for the last `since` as a file to attach, or a message saying why not."""
        store = self.store
        if store is None:
            return "No database is configured, so there is nothing to report."
        try:
            age = parse_duration(since)
        except ValueError as exc:
            return str(exc)
        try:
            with Session(store.engine) as session:
                report = build_report(session, since=datetime.now(UTC) - timedelta(seconds=age))
                page = page_for(session, report, store_text=self.store_text)
        except SQLAlchemyError as exc:
            log.warning("admin HTML report failed: %s", exc.__class__.__name__)
            return "The database is not reachable right now; try again later."
        day = report.until.strftime("%Y-%m-%d")
        return ReportFile(f"ztbot-report-{day}-{since}.html", page.encode("utf-8"))
