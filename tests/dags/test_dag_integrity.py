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


def test_news_ingest_stages_in_order_daily_with_catchup(dagbag):
    dag = dagbag.dags["news_ingest"]
    assert dag.catchup is True
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"  # [D, D+1) intervals, not zero-width triggers
    assert dag.timetable.expression == "0 0 * * *"
    order = ["discover", "fetch", "extract", "enrich", "write", "validate"]
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
