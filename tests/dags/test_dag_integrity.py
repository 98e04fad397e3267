"""Every DAG imports cleanly and has the structure operators rely on."""

from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "news_ingest" in dagbag.dags


def test_every_dag_has_tags_owner_retries_and_docs(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md, dag_id
        for task in dag.tasks:
            assert task.owner == "newslake", (dag_id, task.task_id)
            assert task.doc_md, (dag_id, task.task_id)  # shown in the UI's task details


def test_news_ingest_stages_in_order_daily_without_catchup(dagbag):
    dag = dagbag.dags["news_ingest"]
    assert dag.catchup is False  # unpausing a fresh deployment must not create a run per day since start_date
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"  # [D, D+1) intervals, not zero-width triggers
    assert dag.timetable.expression == "0 0 * * *"
    order = ["discover", "fetch", "extract", "enrich", "write", "marts", "validate"]
    assert set(order) <= set(dag.task_dict)
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.task_dict[upstream].downstream_task_ids
    for task_id in ("fetch", "extract", "enrich"):
        assert dag.task_dict[task_id].is_mapped, task_id  # batched, mapped over discovery's batches
    fetch = dag.task_dict["fetch"]
    assert fetch.partial_kwargs["retries"] >= 1 and fetch.partial_kwargs["retry_exponential_backoff"] > 0
    assert {a.uri for a in dag.task_dict["write"].outlets} >= {"newslake://lake/articles", "newslake://lake/entities", "newslake://lake/places"}


def test_news_marts_is_scheduled_on_the_assets_news_ingest_emits(dagbag):
    marts = dagbag.dags["news_marts"]
    produced = {a.uri for a in dagbag.dags["news_ingest"].task_dict["write"].outlets}
    consumed = {a.uri for a in marts.timetable.asset_condition.objects}
    assert consumed and consumed <= produced
    assert {a.uri for a in marts.task_dict["rebuild"].outlets} == {"newslake://lake/entity_daily", "newslake://lake/place_daily"}


def test_news_ingest_doc_lists_every_table_it_writes_and_the_lake(dagbag):
    from newslake.catalog import GOLD_TABLES, SILVER_TABLES

    doc = dagbag.dags["news_ingest"].doc_md
    for name in SILVER_TABLES + GOLD_TABLES:
        assert f"`{name}`" in doc, name
    assert "lake: `" in doc and "{lake}" not in doc


def test_mapped_tasks_are_named_by_their_batch(dagbag):
    for dag_id, task_id in (("news_ingest", "fetch"), ("news_ingest", "extract"), ("news_ingest", "enrich"), ("news_reprocess", "reprocess_day")):
        assert dagbag.dags[dag_id].task_dict[task_id].map_index_template, (dag_id, task_id)


def test_day_marts_are_built_in_the_ingest_run_before_validation(dagbag):
    dag = dagbag.dags["news_ingest"]
    assert {a.uri for a in dag.task_dict["marts"].outlets} == {"newslake://lake/entity_daily", "newslake://lake/place_daily"}
    assert dag.task_dict["marts"].upstream_task_ids == {"write"}


def test_assets_describe_their_table(dagbag):
    for asset in dagbag.dags["news_ingest"].task_dict["write"].outlets:
        assert asset.extra["table"] and asset.extra["partitioned_by"], asset


def test_gap_check_runs_daily_and_fills_only_after_finding(dagbag):
    dag = dagbag.dags["news_gap_check"]
    assert dag.catchup is False and dag.timetable.expression == "0 12 * * *"
    assert dag.task_dict["fill_gaps"].upstream_task_ids == {"find_gaps"}


def test_dag_files_import_nothing_heavy_at_parse_time():
    """Every task process parses its DAG file: stage modules (trafilatura, spaCy, deltalake) load inside tasks only."""
    import json
    import subprocess
    import sys

    probe = (
        "import json, runpy, sys\n"
        "for path in sys.argv[1:]:\n"
        "    runpy.run_path(path, run_name='dag_file')\n"
        "heavy = ('newslake.pipeline', 'trafilatura', 'spacy', 'deltalake', 'pyarrow', 'newslake.lake')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    files = sorted(str(p) for p in DAGS.glob("*.py"))
    out = subprocess.run([sys.executable, "-c", probe, *files], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
