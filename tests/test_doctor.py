"""Doctor checks: each passes on a good setup and fails with a fix on a broken one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newslake import doctor
from newslake.config import Settings
from tests.localserver import LocalServer, Reply


def _sources(path: Path, base: str) -> Path:
    path.write_text(f"sources:\n  - name: ok-news\n    feeds: [{base}/feed.xml]\n    sitemaps: [{base}/sitemap.xml]\n")
    return path


def test_lake_check_passes_on_a_writable_folder_and_leaves_nothing_behind(tmp_path):
    check = doctor.check_lake(Settings(lake_root=str(tmp_path / "lake")))
    assert check.ok, check
    assert "no tables yet" in check.detail
    assert list((tmp_path / "lake").iterdir()) == []


def test_lake_check_fails_when_the_root_cannot_be_created(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    check = doctor.check_lake(Settings(lake_root=str(blocker / "lake")))
    assert not check.ok and check.fix


def test_sources_check_reports_the_file_line_and_key(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - name: x\n    feeds: [not-a-url]\n")
    check = doctor.check_sources(Settings(sources_file=str(bad)))
    assert not check.ok and "sources.yaml:3" in check.detail
    assert not doctor.check_sources(Settings(sources_file=str(tmp_path / "missing.yaml"))).ok


def test_feeds_check_passes_when_every_feed_answers_and_names_the_ones_that_do_not(tmp_path):
    with LocalServer({"/feed.xml": Reply(200, b"<rss/>"), "/sitemap.xml": Reply(200, b"<urlset/>")}) as server:
        settings = Settings(sources_file=str(_sources(tmp_path / "s.yaml", server.base)))
        assert doctor.check_sources(settings).ok
        assert doctor.check_feeds(settings).ok
        server.routes["/sitemap.xml"] = Reply(503, b"down")
        check = doctor.check_feeds(settings)
    assert not check.ok and "sitemap.xml (HTTP 503)" in check.detail and check.fix


def test_spacy_check_loads_the_configured_model_and_explains_a_missing_one():
    assert doctor.check_spacy_model(Settings()).ok
    missing = doctor.check_spacy_model(Settings(spacy_model="no_such_model_xyz"))
    assert not missing.ok and "pip install" in missing.fix


def test_airflow_db_check_tells_unmigrated_from_migrated(tmp_path):
    home = tmp_path / "airflow"
    home.mkdir()
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}"}
    before = doctor.check_airflow_db(env)
    assert not before.ok and "not migrated" in before.detail and "airflow db migrate" in before.fix
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    after = doctor.check_airflow_db(env)
    assert after.ok, after


def test_airflow_db_check_reports_an_unreachable_server_without_the_password(tmp_path):
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://newslake:s3cret@127.0.0.1:9/airflow",
    }
    check = doctor.check_airflow_db(env)
    assert not check.ok and "not reachable" in check.detail
    assert "s3cret" not in check.detail


@pytest.mark.parametrize("failing, code", [((), 0), (("lake writable",), 1)])
def test_doctor_command_prints_marks_and_exits_1_when_a_check_fails(monkeypatch, capsys, failing, code):
    from newslake import cli

    def fake_run_checks(settings, env=None, on_done=None):
        checks = [
            doctor.Check(name, name not in failing, "detail", "do this")
            for name in ("Airflow DB", "spaCy model", "lake writable", "sources file", "feeds reachable")
        ]
        for check in checks:
            on_done(check)
        return checks

    monkeypatch.setattr(doctor, "run_checks", fake_run_checks)
    assert cli.main(["doctor"]) == code
    out = capsys.readouterr().out
    assert out.count("✓") == 5 - len(failing) and out.count("✗") == len(failing)
    assert ("fix: do this" in out) == bool(failing)
