"""Runs: one row per crawl, what it fetched, found and failed, and how it ended."""

from __future__ import annotations

import json

from output.database import Connection, json_text, now

# The columns of runs that a run's summary fills (crawler.runs.run_summary).
RUN_SUMMARY_COLUMNS = (
    "sites",
    "pages_fetched",
    "pages_unchanged",
    "pages_failed",
    "reports_new",
    "reports_updated",
    "checks_failed",
    "status",
    "detail",
)


class RunsMixin(Connection):
    def start_run(self, sites: int) -> int:
        """A row for a run that starts now; it says "running" until finish_run."""
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (started, sites, status) VALUES (?, ?, 'running')",
                [now(), sites],
            )
        return cursor.lastrowid

    def finish_run(self, run_id: int, summary: dict, stats: dict | None = None) -> None:
        values = {column: summary.get(column) for column in RUN_SUMMARY_COLUMNS}
        values["ended"] = now()
        values["stats_json"] = json_text(stats) if stats is not None else None
        assignments = ", ".join(f"{column} = ?" for column in values)
        with self.transaction():
            self.db.execute(
                f"UPDATE runs SET {assignments} WHERE id = ?", [*values.values(), run_id]
            )

    def set_run_outcome(
        self, run_id: int, status: str, exit_code: int, detail: str | None = None
    ) -> None:
        """What crawler.nightly made of a run: its final status and exit code."""
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET status = ?, exit_code = ?, detail = COALESCE(?, detail),"
                " ended = COALESCE(ended, ?) WHERE id = ?",
                [status, exit_code, detail, now(), run_id],
            )

    def interrupt_stale_runs(self) -> int:
        """Rows still "running" from runs that died (only call this holding the run lock)."""
        with self.transaction():
            return self.db.execute(
                "UPDATE runs SET status = 'interrupted', detail = COALESCE(detail, ?)"
                " WHERE status = 'running'",
                ["the process died before the run ended (killed, crashed or power lost)"],
            ).rowcount

    def run(self, run_id: int) -> dict | None:
        cursor = self.db.execute("SELECT * FROM runs WHERE id = ?", [run_id])
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def last_run_stats(self) -> dict | None:
        row = self.db.execute(
            "SELECT stats_json FROM runs WHERE stats_json IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return json.loads(row[0]) if row else None

    def counts(self) -> dict[str, int]:
        tables = [
            "reports",
            "report_cells",
            "report_checks",
            "pages",
            "attachments",
            "skipped",
            "failures",
        ]
        return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
