"""The scaled deployment's files: docker-compose.yaml validates, secrets stay out of the repo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yaml"
ENV_EXAMPLE = REPO / "deploy" / "newslake.env.example"
AIRFLOW_SERVICES = {"airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-worker", "airflow-worker-2"}


def _env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if line.strip() and not line.startswith("#"))
    return {k: v for k, v in pairs}


def test_compose_file_passes_docker_compose_config():
    binary = shutil.which("docker-compose")
    if binary is None:
        message = "docker-compose is not installed (apt-get install docker-compose)"
        if os.environ.get("NEWSLAKE_CI"):
            pytest.fail(message + "; .ci/run should have installed it")
        pytest.skip(message)
    env = {**os.environ, "NEWSLAKE_ENV_FILE": str(ENV_EXAMPLE)}
    result = subprocess.run([binary, "-f", str(COMPOSE), "config", "-q"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_compose_runs_the_celery_topology_with_health_checks():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert {"postgres", "redis", "seaweedfs", "airflow-init"} | AIRFLOW_SERVICES <= set(services)
    for name in AIRFLOW_SERVICES | {"postgres", "redis", "seaweedfs"}:
        assert "healthcheck" in services[name], name
    workers = [n for n, s in services.items() if s.get("command", [None])[:3] == ["airflow", "celery", "worker"]]
    assert len(workers) >= 2
    assert _env_example()["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert _env_example()["NEWSLAKE_LAKE_ROOT"].startswith("s3://")


def test_secrets_are_placeholders_in_the_example_and_absent_from_compose():
    env = _env_example()
    for key in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "AIRFLOW__API_AUTH__JWT_SECRET", "NEWSLAKE_STORAGE_AWS_SECRET_ACCESS_KEY"):
        assert env[key].startswith("change-me"), key
    text = COMPOSE.read_text()
    assert not re.search(r"(PASSWORD|SECRET)[A-Z_]*\s*[:=]\s*[^$\s\"']", text), "a literal secret in docker-compose.yaml"
    assert "deploy/newslake.env" in (REPO / ".gitignore").read_text().splitlines()


def test_image_installs_newslake_with_the_constraints_file():
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert re.search(r"pip install -c constraints\.txt '\.\[deploy\]'", dockerfile)
    assert "COPY dags" in dockerfile


def _entrypoint_env(env_file: dict[str, str]) -> subprocess.CompletedProcess:
    """Run deploy/entrypoint.sh as the image does (env file values only), printing the env it execs with."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env_file}
    return subprocess.run(["sh", str(REPO / "deploy" / "entrypoint.sh"), "env"], env=env, capture_output=True, text=True, timeout=30)


def test_entrypoint_builds_every_connection_url_from_the_example_env_file():
    from newslake.devcluster import read_env_file

    values = read_env_file(ENV_EXAMPLE)
    result = _entrypoint_env(values)
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    db = f"postgresql+psycopg2://airflow:{values['POSTGRES_PASSWORD']}@postgres:5432/airflow"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == db
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + db
    assert env["AIRFLOW__CELERY__BROKER_URL"] == f"redis://:{values['REDIS_PASSWORD']}@redis:6379/0"
    assert env["NEWSLAKE_RATE_LIMIT_REDIS_URL"] == f"redis://:{values['REDIS_PASSWORD']}@redis:6379/1"


def test_entrypoint_refuses_to_start_without_a_password_and_names_it():
    from newslake.devcluster import read_env_file

    values = read_env_file(ENV_EXAMPLE)
    del values["REDIS_PASSWORD"]
    result = _entrypoint_env(values)
    assert result.returncode != 0 and "REDIS_PASSWORD" in result.stderr and not result.stdout
