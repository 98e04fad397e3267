"""Local stack configuration without starting it: parallelism, the shared environment, the env file."""

from __future__ import annotations

from pathlib import Path

from newslake import localstack


def test_parallelism_is_one_worker_per_core_and_at_least_two():
    assert localstack.default_parallelism(1) == 2
    assert localstack.default_parallelism(2) == 2
    assert localstack.default_parallelism(8) == 8


def test_every_component_shares_one_environment_bound_to_loopback(tmp_path):
    config = localstack.StackConfig(tmp_path, str(tmp_path / "lake"), None, "sqlite", 0, 2)
    paths = localstack.StackPaths(tmp_path)
    db = localstack.choose_database(config, paths)
    env = localstack.stack_env(config, paths, 8123, "/x/sources.yaml", {"PATH": "/usr/bin", "AIRFLOW__CORE__PARALLELISM": "32", "NEWSLAKE_BATCH_SIZE": "7"}, db)
    assert db == f"sqlite:///{(tmp_path / '.newslake' / 'stack' / 'airflow' / 'airflow.db').resolve()}"  # absolute, as SQLite needs
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1" and env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "2"  # not the caller's 32
    assert env["NEWSLAKE_BATCH_SIZE"] == "7"  # the user's settings carry over
    assert env["NEWSLAKE_LAKE_ROOT"] == str(tmp_path / "lake") and env["NEWSLAKE_ALLOWED_PRIVATE_NETWORKS"] == "127.0.0.0/8"
    assert len(env["AIRFLOW__API_AUTH__JWT_SECRET"]) >= 32


def test_env_file_is_private_and_sourceable(tmp_path):
    path = tmp_path / "env.sh"
    localstack.write_env_file(path, {"AIRFLOW_HOME": "/a b", "NEWSLAKE_LAKE_ROOT": "/l", "HOME": "/root"})
    text = path.read_text()
    assert "export AIRFLOW_HOME='/a b'" in text and "HOME=/root" not in text
    assert path.stat().st_mode & 0o077 == 0


def test_status_of_a_project_without_a_stack_is_empty(tmp_path):
    assert localstack.stack_status(Path(tmp_path)) == {}
    assert localstack.down(tmp_path)["stopped"] == 0
