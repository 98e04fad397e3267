"""What the distributed tests need on the machine: packages, PostgreSQL on loopback, redis-server."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Sequence

import pytest

CLUSTER_MODULES = ("psycopg2", "redis", "asyncpg", "airflow.providers.celery")


def missing_cluster_prerequisite(extra_modules: Sequence[str] = ()) -> str | None:
    for module in (*CLUSTER_MODULES, *extra_modules):
        try:
            __import__(module)
        except ImportError:
            return f"python package for '{module}' is not installed (pip install -e '.[test]')"
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        return "PostgreSQL is not listening on 127.0.0.1:5432"
    if shutil.which("redis-server") is None:  # each cluster starts its own, password-protected as in compose
        return "redis-server is not installed (apt-get install redis-server)"
    return None


def require_cluster(what: str, extra_modules: Sequence[str] = ()) -> None:
    """Skip locally when something is missing; fail in CI (NEWSLAKE_CI=1), where all must be there."""
    missing = missing_cluster_prerequisite(extra_modules)
    if missing:
        if os.environ.get("NEWSLAKE_CI"):
            pytest.fail(f"{what} cannot run in CI: {missing}")
        pytest.skip(missing)


def assert_cluster_torn_down(cluster) -> None:
    """After `LocalCluster.close()`: no process left and its PostgreSQL database dropped."""
    from newslake.devcluster import _pg_connect

    assert not cluster.procs
    conn, _ = _pg_connect()
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (cluster.db_name,))
            assert cur.fetchone() is None
    finally:
        conn.close()
