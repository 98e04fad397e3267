"""`newslake airflow up|backfill|down`: a real scheduler with the web UI runs a 3-day backfill, then nothing is left running."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import urllib.request

import pytest

from newslake import cli, localstack
from newslake.lake import read_table
from newslake.storage import LakeLocation

pytestmark = pytest.mark.integration
FIRST, LAST = dt.date(2025, 3, 8), dt.date(2025, 3, 10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    project = tmp_path_factory.mktemp("project")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}  # not the test session's own Airflow home
    env["NEWSLAKE_BATCH_SIZE"] = "3"  # several mapped batches per day, to check their names
    config = localstack.StackConfig(project, str(project / "lake"), None, None, 0, localstack.default_parallelism())
    try:
        state = localstack.up(config, base_env=env)
        yield project, state
    finally:
        localstack.down(project)
        localstack.drop_postgres_database(project)


def test_up_serves_the_ui_with_a_login_and_parallelism_sized_to_the_machine(stack):
    project, state = stack
    assert state["url"].startswith("http://127.0.0.1:") and state["password"]
    assert json.loads(open(state["password_file"]).read())[state["user"]] == state["password"]
    assert state["parallelism"] == max(2, os.cpu_count() or 2)
    assert state["lake"] == str(project / "lake") and state["sample_site"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(state["url"] + "/api/v2/monitor/health", timeout=10) as response:
        assert json.loads(response.read())["scheduler"]["status"] == "healthy"
    assert set(localstack.COMPONENTS) <= {name for name, alive in localstack.stack_status(project).items() if alive}


def test_a_three_day_backfill_completes_through_the_scheduler(stack):
    project, state = stack
    localstack.backfill(project, FIRST, LAST)
    states = localstack.wait_for_days(project, FIRST, LAST, timeout=1200)
    assert states == {FIRST + dt.timedelta(days=i): "success" for i in range(3)}
    days = set(read_table(LakeLocation.from_settings(state["lake"]), "articles").column("partition_date").to_pylist())
    assert days == {FIRST, FIRST + dt.timedelta(days=1), LAST}
    assert read_table(LakeLocation.from_settings(state["lake"]), "entity_daily").num_rows > 0  # marts built in the same runs
    import sqlalchemy as sa

    engine = sa.create_engine(state["database"])
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(sa.text("select rendered_map_index from task_instance where task_id = 'fetch' and dag_id = 'news_ingest'"))]
    engine.dispose()
    assert names and all(n and re.fullmatch(r"batch \d+: \d+ URLs? \(.+\)", n) for n in names), names  # the UI lists batches by name


def test_status_reads_the_stacks_runs(stack, capsys, monkeypatch):
    project, state = stack
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    monkeypatch.chdir(project)
    code = cli.main(["status", "--from", str(FIRST - dt.timedelta(days=1)), "--to", str(LAST), "--lake", state["lake"]])
    out = capsys.readouterr().out
    assert code == 1 and f"missing: {FIRST - dt.timedelta(days=1)}" in out  # the day before the backfill is a gap
    assert out.count("success") >= 3


def test_ui_screenshots_of_the_grid_and_the_named_mapped_tasks(stack, tmp_path):
    from newslake.uishot import chromium_binary

    if not chromium_binary():
        if os.environ.get("NEWSLAKE_CI"):
            pytest.fail("chromium is not installed in CI; .ci/run installs it with apt-get install -y chromium")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    project, _ = stack
    saved = localstack.screenshots(project, tmp_path, settle_seconds=10)
    assert [p.name for p in saved] == ["airflow-grid.png", "airflow-mapped.png"]
    for path in saved:
        png = path.read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a rendered page, not a blank one (~5 KB)


def test_down_stops_every_process_and_frees_the_ports(stack):
    project, state = stack
    sessions = set(localstack.read_pids(localstack.StackPaths(project)).values())
    result = localstack.down(project)
    assert result["stopped"] >= 5
    assert localstack.session_members(sessions) == []
    assert localstack.stack_status(project) == {}
    for port in state["ports"]:
        assert not localstack._port_is_listening(port)
