"""Budget: a CPU-time limit around one unit of work (one page, one article), so no input holds a task.

Input: a number of CPU seconds. Output: a context manager that raises `BudgetExceeded` inside
the block once the process has spent that much CPU time in it. A runaway regular expression,
parser or model on one hostile page then costs one `failures` row, not the task's
`execution_timeout` (and with it every good page of the batch).

It uses `signal.setitimer(ITIMER_PROF)` (process CPU time), so it works only in the main thread
of a process on a POSIX system: the Airflow task process, the CLI and pytest. Anywhere else it
is a no-op and says so in the log once. Python's `re` checks for signals while matching and
CPython delivers them between bytecodes, so both pure-Python loops and regex backtracking stop;
a single C call that never returns to Python (one huge lxml parse) stops when it returns.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator

log = logging.getLogger(__name__)

# After the first expiry the timer fires again this often, in case a library's broad `except`
# swallowed the first BudgetExceeded.
REFIRE_SECONDS = 0.25


class BudgetExceeded(BaseException):  # noqa: N818 - reads as the event it is
    """A unit of work used up its CPU budget.

    A BaseException (like KeyboardInterrupt), not an Exception: parsers and extractors wrap their
    steps in `except Exception`, which must not swallow the budget and let the page run on.
    """

    def __init__(self, seconds: float):
        super().__init__(f"CPU budget of {seconds:g} s exhausted")
        self.seconds = seconds


_warned = False


@contextlib.contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise BudgetExceeded in the block after `seconds` of CPU time; `seconds <= 0` means no limit."""
    global _warned  # noqa: PLW0603 - one log line per process, not per page
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        if seconds > 0 and not _warned:
            log.warning("per-page CPU budget not enforced here (needs the main thread of a POSIX process)")
            _warned = True
        yield
        return

    def expire(signum, frame) -> None:
        raise BudgetExceeded(seconds)

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds, REFIRE_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, previous)
