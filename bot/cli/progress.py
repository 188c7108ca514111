"""Progress on standard error for long work, only when a person is watching it.

When stderr is not a terminal (CI, cron, a pipe into a file) nothing at all is written, so logs
and scripts see exactly what they saw before. The bar is transient: it is gone when the work is.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Advance = Callable[[int], None]


def watching(stream: TextIO | None = None) -> bool:
    """True when `stream` (stderr) is a terminal a person is looking at."""
    err = stream if stream is not None else sys.stderr
    try:
        return err.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress(
    label: str, total: int | None = None, *, stream: TextIO | None = None
) -> Iterator[Advance]:
    """A bar (or a spinner with a count when `total` is unknown); yields `advance(n)`."""
    err = stream if stream is not None else sys.stderr
    if not watching(err):
        yield _nothing
        return
    from rich.console import Console  # noqa: PLC0415  (only when someone watches)
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        if total is not None
        else (SpinnerColumn(), TextColumn("{task.description} {task.completed}"))
    )
    console = Console(file=err, no_color=bool(os.environ.get("NO_COLOR")))
    with Progress(
        *columns,
        TimeElapsedColumn(),
        console=console,
        transient=True,
        redirect_stdout=False,  # answers go where stdout goes (a file, a pipe), never to the bar
        redirect_stderr=False,
    ) as bar:
        task = bar.add_task(label, total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance


def _nothing(n: int = 1) -> None:
    """Nobody is watching: no output."""
