import re
import signal
import threading

import pytest

from newslake.budget import BudgetExceeded, cpu_budget

CATASTROPHIC = re.compile(r"(a+)+$")  # exponential backtracking on "aaaa...b"


def test_a_runaway_regex_is_stopped_at_the_budget():
    with pytest.raises(BudgetExceeded, match="CPU budget of 0.2 s exhausted"), cpu_budget(0.2):
        CATASTROPHIC.match("a" * 40 + "b")


def test_a_library_catching_exception_cannot_swallow_the_budget():
    def stubborn() -> None:
        try:
            CATASTROPHIC.match("a" * 40 + "b")
        except Exception:  # noqa: BLE001 - what some parsers do around each step
            pass

    with pytest.raises(BudgetExceeded), cpu_budget(0.2):
        stubborn()


def test_work_within_the_budget_is_untouched_and_the_timer_is_cleared():
    previous = signal.getsignal(signal.SIGPROF)
    with cpu_budget(5):
        assert sum(range(10_000)) == 49_995_000
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGPROF) is previous


def test_zero_means_no_limit_and_other_threads_are_not_limited():
    with cpu_budget(0):
        CATASTROPHIC.match("a" * 16 + "b")
    errors = []

    def worker() -> None:
        try:
            with cpu_budget(0.01):
                CATASTROPHIC.match("a" * 18 + "b")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert errors == []
