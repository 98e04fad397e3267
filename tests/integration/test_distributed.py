"""news_ingest on the scaled topology, for real: CeleryExecutor with two workers, PostgreSQL,
Redis and a SeaweedFS S3 lake, all as processes on loopback (`newslake.devcluster`).

Backfills two days of the sample site and checks that the lake read back from the object store
equals a local-lake run of the same days. The Airflow processes start as the image starts them:
through `deploy/entrypoint.sh` with an env file made from `deploy/newslake.env.example`. Needs
PostgreSQL on 127.0.0.1 (this machine kind runs it; `.ci/run` starts it if stopped), Debian's
`redis-server` (each cluster starts its own, with a password) and the `test` extra. Outside CI a missing
service skips the test; in CI (`NEWSLAKE_CI=1`) it fails.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.integration.prerequisites import assert_cluster_torn_down, require_cluster

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]  # start-up alone takes minutes on a loaded 2-core machine
REPO = Path(__file__).resolve().parents[2]
DAYS = (dt.date(2025, 3, 8), dt.date(2025, 3, 9))
BATCH_SIZE = 3  # several mapped batches per day, so both workers get some


@pytest.fixture(scope="module")
def distributed(tmp_path_factory):
    require_cluster("distributed test", ())
    from pyarrow import fs as pafs

    from newslake import pipeline
    from newslake.config import Settings
    from newslake.devcluster import LAKE_ROOT, LocalCluster
    from newslake.lake import read_table
    from newslake.samplesite import SampleSite
    from newslake.storage import LakeLocation

    tmp = tmp_path_factory.mktemp("distributed")
    out: dict = {}
    with SampleSite() as site:
        sources = tmp / "sources.yaml"
        sources.write_text(site.sources_yaml())
        out["expected"] = {day: site.articles_published_between(day, day + dt.timedelta(days=1)) for day in DAYS}
        cluster = LocalCluster(
            tmp / "cluster", sources, REPO / "dags", workers=2, worker_concurrency=2, extra_env={"NEWSLAKE_BATCH_SIZE": str(BATCH_SIZE)}
        )
        try:
            cluster.start(timeout=180)
            runs = cluster.backfill(DAYS[0], DAYS[-1])
            out["runs"] = runs
            out["states"] = cluster.wait_for_runs(runs, timeout=300)
            out["per_worker"] = cluster.tasks_per_worker()
            out["doctor"] = cluster.run("newslake", "doctor", timeout=180)
            out["mapped_fetches"] = cluster.query(
                "select count(*) from task_instance where task_id = 'fetch' and map_index >= 0 and state = 'success'"
            )[0][0]
            location = LakeLocation.from_settings(LAKE_ROOT, cluster.storage_options)
            out["remote"] = {name: read_table(location, name) for name in ("articles", "entities", "failures")}
            filesystem, root = location.filesystem()
            out["objects"] = [i.path[len(root) + 1 :] for i in filesystem.get_file_info(pafs.FileSelector(root, recursive=True)) if i.is_file]
        finally:
            cluster.close()
        out["closed"] = cluster
        settings = Settings(
            lake_root=str(tmp / "local-lake"), sources_file=str(sources), batch_size=BATCH_SIZE, allowed_private_networks="127.0.0.0/8"
        )
        for day in DAYS:
            start = dt.datetime.combine(day, dt.time(), dt.UTC)
            pipeline.run_interval(pipeline.RunContext.create(settings, start, start + dt.timedelta(days=1), "local"))
        local = LakeLocation.from_settings(settings.lake_root)
        out["local"] = {name: read_table(local, name) for name in ("articles", "entities", "failures")}
    return out


def _article_rows(table) -> list[tuple]:
    cols = ["article_id", "partition_date", "title", "published_at", "entity_count", "source", "url"]
    return sorted(zip(*(table.column(c).to_pylist() for c in cols), strict=False))


def _entity_counts(table) -> dict[str, int]:
    counts: dict[str, int] = {}
    for article_id in table.column("article_id").to_pylist():
        counts[article_id] = counts.get(article_id, 0) + 1
    return counts


def test_both_days_succeed_with_work_spread_over_two_celery_workers(distributed):
    assert set(distributed["states"].values()) == {"success"} and len(distributed["states"]) == 2
    assert sorted(distributed["runs"].values()) == list(DAYS)
    assert distributed["mapped_fetches"] >= 4  # a day is split into several mapped batches
    per_worker = distributed["per_worker"]
    assert len(per_worker) == 2 and all(n > 0 for n in per_worker.values()), per_worker


def test_object_store_lake_equals_a_local_lake_run_of_the_same_days(distributed):
    remote, local = distributed["remote"], distributed["local"]
    assert remote["articles"].num_rows > 0
    assert _article_rows(remote["articles"]) == _article_rows(local["articles"])
    assert _entity_counts(remote["entities"]) == _entity_counts(local["entities"])
    assert remote["entities"].num_rows == local["entities"].num_rows > 0
    assert remote["failures"].num_rows == local["failures"].num_rows


def test_object_store_lake_has_exactly_what_the_site_published(distributed):
    articles = distributed["remote"]["articles"]
    for day in DAYS:
        rows = [r for r in articles.to_pylist() if r["partition_date"] == day]
        expected = distributed["expected"][day]
        assert sorted((r["title"], r["published_at"]) for r in rows) == sorted((a.title, a.published_at) for a in expected)


def test_bucket_holds_delta_tables_raw_warc_and_no_leftover_staging(distributed):
    objects = distributed["objects"]
    for table in ("articles", "entities", "failures"):
        assert any(o.startswith(f"{table}/_delta_log/") for o in objects), table
    for day in DAYS:
        assert any(o.startswith(f"articles/partition_date={day.isoformat()}/") and o.endswith(".parquet") for o in objects)
    assert any(o.startswith("raw/") and o.endswith(".warc.gz") for o in objects)
    assert not any(o.startswith("_staging/") for o in objects)


def test_airflow_started_through_the_entrypoint_with_the_example_env_file(distributed):
    cluster = distributed["closed"]
    # the cluster sets no connection URL itself: the runs could only reach PostgreSQL and the
    # password-protected Redis through the URLs deploy/entrypoint.sh built from the env file
    for built_by_entrypoint in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__BROKER_URL", "NEWSLAKE_RATE_LIMIT_REDIS_URL"):
        assert built_by_entrypoint not in cluster.env
    env_file = cluster.env_file.read_text()
    assert "REDIS_PASSWORD=" in env_file and "POSTGRES_PASSWORD=" in env_file and "change-me" not in env_file
    assert oct(cluster.env_file.stat().st_mode & 0o777) == "0o600"


def test_newslake_doctor_passes_in_the_deployment_environment(distributed):
    doctor = distributed["doctor"]  # run as `docker compose exec ... newslake-entrypoint newslake doctor` would
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr


def test_teardown_stops_every_process_and_drops_the_database(distributed):
    assert_cluster_torn_down(distributed["closed"])
