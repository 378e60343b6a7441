"""Jobs: the assigned jobs and their assets from the last sync.

Enter makes the highlighted job the context of the conversation (its job id
goes with action requests); ``x`` clears it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from edge_agent.tui.context import field_app
from edge_agent.tui.screens.base import FieldScreen

if TYPE_CHECKING:
    from edge_agent.jobs import Job, JobBook

NO_JOBS = "No jobs yet: the jobs assigned to you arrive with a sync at the depot (F6)."


def job_detail(book: JobBook, job: Job) -> str:
    """The job, its asset and its customer, in a few lines."""
    lines = [
        f"{job.job_id}: {job.summary}",
        f"  status {job.status}, site {job.site_id}",
    ]
    asset = book.asset(job.asset_id)
    if asset is not None:
        hours = f", {asset.hours_run} h run" if asset.hours_run is not None else ""
        lines.append(
            f"  asset {asset.asset_id}: {asset.model}, serial {asset.serial}{hours}"
        )
        if asset.location:
            lines.append(f"  at {asset.location} ({asset.status})")
    if job.customer_name:
        lines.append(f"  customer {job.customer_name} {job.customer_phone}".rstrip())
    return "\n".join(lines)


class JobsScreen(FieldScreen):
    """The job list and the job in context."""

    MODE = "jobs"
    AUTO_FOCUS = "#jobs"
    BINDINGS = [
        Binding("enter", "use_job", "Use as context", priority=True),
        Binding("x", "clear_context", "Clear context"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.book: JobBook | None = None
        self.jobs: list[Job] = []

    def compose_body(self) -> ComposeResult:
        yield Static(Content("Reading the job list…"), id="jobs-heading")
        table: DataTable[Text] = DataTable(id="jobs", cursor_type="row")
        yield table
        yield Static("", id="job-detail")

    def on_mount(self) -> None:
        table = self.query_one("#jobs", DataTable)
        for name, width in (("job", 7), ("priority", 8), ("due", 10), ("asset", 9)):
            table.add_column(name, key=name, width=width)
        table.add_column("summary", key="summary")
        self.watch(field_app(self), "status", self._state_changed, init=False)
        self.watch(field_app(self), "job_context", self._show_detail, init=False)
        self._load()

    def on_screen_resume(self) -> None:
        self._load()

    def _state_changed(self, _status: Any) -> None:
        self._load()

    @work(thread=True, exit_on_error=False, group="jobs", exclusive=True)
    def _load(self) -> None:
        from edge_agent.tui.tasks.jobs import job_book

        book = job_book(field_app(self).settings)
        self.app.call_from_thread(self._show, book)

    def _show(self, book: JobBook) -> None:
        self.book = book
        self.jobs = sorted(book.jobs.values(), key=lambda job: (job.due, job.job_id))
        table = self.query_one("#jobs", DataTable)
        table.clear()
        for job in self.jobs:
            table.add_row(
                *(
                    Text(value)
                    for value in (
                        job.job_id,
                        job.priority,
                        job.due[:10],
                        job.asset_id,
                        job.summary,
                    )
                ),
                key=job.job_id,
            )
        received = book.received_at[:16].replace("T", " ")
        heading = (
            f"{len(self.jobs)} job(s) from the sync of {received or 'an unknown time'}."
            if self.jobs
            else NO_JOBS
        )
        self.query_one("#jobs-heading", Static).update(Content(heading))
        self._show_detail()

    def selected(self) -> Job | None:
        """The job under the cursor, if any."""
        row = self.query_one("#jobs", DataTable).cursor_row
        return self.jobs[row] if 0 <= row < len(self.jobs) else None

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self, _context: Any = None) -> None:
        job = self.selected()
        text = "" if job is None or self.book is None else job_detail(self.book, job)
        context = field_app(self).job_context
        if context is not None:
            text += f"\nIn context: job {context.job_id} (x clears it)."
        self.query_one("#job-detail", Static).update(Content(text))

    def action_use_job(self) -> None:
        """Make the highlighted job the conversation's context."""
        job = self.selected()
        if job is not None:
            field_app(self).job_context = job
            self.notify(f"Job {job.job_id} is now the context of the chat.")

    def action_clear_context(self) -> None:
        field_app(self).job_context = None
