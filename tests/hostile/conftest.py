"""Print the hostile-web summary at the end of the session, whatever the capture mode."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter) -> None:
    from tests.hostile.test_hostile_web import SUMMARY

    if SUMMARY:
        s = SUMMARY
        terminalreporter.write_line(
            f"hostile web: {s['faults']} faults tried, {s['recorded']} recorded as failures, {s['handled']} handled as articles; "
            f"{s['landed']} articles landed ({s['good']} good ones all present); duplicates = {s['duplicates']}; run {s['seconds']}s"
        )
