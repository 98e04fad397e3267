"""bench/scale.py end to end at a small size: every day-level step runs and the JSON contract holds.

The benchmark broke once without anyone noticing (a schema column it did not write); this runs
it the way the docs say, on a temporary lake, and checks what its numbers rest on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STEPS = {"stage_day", "discover_staging", "url_state_lookup", "write_stage", "marts", "sql_refresh"}


def test_scale_bench_runs_every_step_and_prints_one_json_object(tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale.py"), "--articles", "1500", "--prior-days", "2", "--lake", str(tmp_path / "lake"), "--json"],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["articles"] == 1500 and summary["prior_days"] == 2
    assert set(summary["steps"]) == STEPS
    for step in summary["steps"].values():
        assert step["peak_rss_mb"] > 0 and step["wall_s"] >= 0 and step["cpu_s"] >= 0
    lookup = summary["steps"]["url_state_lookup"]
    assert lookup["url_state_rows"] == 2 * 1500  # the prior days' URLs, appended by the direct builder
    assert lookup["planned_batch_found"] == lookup["planned_batch_urls"] > 0  # the previous day's URLs are known
    counts = summary["steps"]["write_stage"]["counts"]
    assert counts["articles"] == 1500 and counts["duplicates_dropped"] > 0  # the day's URLs listed twice are staged twice
    assert counts["neardup_bands"] > 0 and counts["failures"] > 0 and counts["url_state"] == counts["articles"]
