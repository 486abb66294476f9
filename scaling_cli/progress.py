"""A progress bar on stderr for work that takes over a second (sweeps); nothing when not wanted."""

from __future__ import annotations

import time
from typing import Any, Callable


class ProgressBar:
    """Context manager yielding an ``update(done, total)`` callback, or ``None`` when disabled.

    rich is imported only once the work has run for a second (start-up time of short runs)."""

    #: Seconds of work before a bar appears.
    DELAY = 1.0

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.task: Any = None
        self.started = 0.0

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.enabled:
            return None
        self.started = time.perf_counter()
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.perf_counter() - self.started < self.DELAY or done >= total:
                return
            from rich.console import Console  # deferred for start-up speed
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("sweeping", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
