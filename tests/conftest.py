"""Test configuration: an isolated Airflow home (SQLite) set before anything imports airflow."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="newslake-test-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
# the package is installed editable; this keeps `pytest` working from a plain checkout too
sys.path.insert(0, str(REPO / "include"))

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    return _AIRFLOW_HOME
