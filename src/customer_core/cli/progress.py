"""The progress bar of every long-running command: key rotations now, backups and loads later.

Long work reports progress one way: `done` and `total` in its job's row (`coordination.jobs`).
`follow` runs the command's work in the calling thread (so Ctrl-C interrupts it, and a job it
runs gives its claim up for a server to carry on) while another thread reads that progress and
draws it, whether this process does the work or waits for the replica that does.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from customer_core.coordination.jobs import JobRunner

T = TypeVar("T")

#: Seconds between reads of the progress.
POLL = 0.2


def follow(
    description: str,
    work: Callable[[], T],
    progress: Callable[[], tuple[int, int]],
    *,
    poll: float = POLL,
) -> T:
    """`work()`, with a bar showing `progress()` (done, total; a total of 0 is not known yet)
    read every `poll` seconds; the bar goes once the work ends."""
    columns = (
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    ended = threading.Event()
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def draw() -> None:
            while not ended.wait(poll):
                try:
                    done, total = progress()
                except Exception:  # the bar is a view: a failed read shows the last one
                    continue
                bar.update(task, completed=done, total=total or None)

        reader = threading.Thread(target=draw, name="progress", daemon=True)
        reader.start()
        try:
            return work()
        finally:
            ended.set()
            reader.join(timeout=5)


def follow_job(description: str, jobs: JobRunner, job_id: uuid.UUID, work: Callable[[], T]) -> T:
    """`follow` of the job `job_id`'s progress while `work()` runs (or waits for) it."""

    def read() -> tuple[int, int]:
        job = jobs.get(job_id)
        return (0, 0) if job is None else (job.done, job.total)

    return follow(description, work, read)
