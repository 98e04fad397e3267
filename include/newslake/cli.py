"""Command line: `newslake demo | run | status | airflow | extract | sql | serve-sample | ...`.

Thin edge over the package: parses arguments, builds `Settings` once, calls stage functions and
prints results. Errors the user can fix are one line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newslake.config import Settings
from newslake.errors import ConfigError, NewslakeError
from newslake.schemas import TABLES

console = Console(stderr=True)
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) that point at --help instead of dumping usage."""

    def error(self, message: str):  # type: ignore[override]
        console.print(f"[red]{self.prog}: error:[/] {escape(message)} (see `{self.prog} --help`)", highlight=False, soft_wrap=True)
        sys.exit(EXIT_USAGE)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date in YYYY-MM-DD form") from None


def _day_interval(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), dt.timezone.utc)
    return start, start + dt.timedelta(days=1)


# --------------------------------------------------------------------------- demo
def default_dags_folder() -> Path:
    """The repo's dags/ next to the package (editable install), else ./dags."""
    if os.environ.get("AIRFLOW__CORE__DAGS_FOLDER"):
        return Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    repo_dags = Path(__file__).resolve().parents[2] / "dags"
    return repo_dags if repo_dags.is_dir() else Path.cwd() / "dags"


def airflow_env(home: Path, dags_folder: Path, extra: dict[str, str]) -> dict[str, str]:
    """Environment for an embedded Airflow: SQLite metadata DB under `home`, no examples."""
    home = home.resolve()
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder.resolve()),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    # the embedded run fetches the loopback sample site, which the SSRF guard refuses by default
    env.setdefault("NEWSLAKE_ALLOWED_PRIVATE_NETWORKS", "127.0.0.0/8")
    env.update(extra)
    return env


def run_dag_test(dag_id: str, day: dt.date, env: dict[str, str], log_path: Path) -> None:
    """`airflow db migrate` then `airflow dags test` for the data interval [day, day+1) UTC.

    A manual run's data interval is the last complete one before its logical date, so the run
    that covers `day` is the one dated `day + 1` (00:00 UTC).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    airflow = str(Path(sys.executable).with_name("airflow"))
    with log_path.open("w") as log_file:
        for args in ([airflow, "db", "migrate"], [airflow, "dags", "test", dag_id, (day + dt.timedelta(days=1)).isoformat()]):
            log_file.write(f"$ {' '.join(args)}\n")
            log_file.flush()
            result = subprocess.run(args, env=env, stdout=log_file, stderr=subprocess.STDOUT, check=False)
            if result.returncode != 0:
                tail = "\n".join(log_path.read_text().splitlines()[-30:])
                raise NewslakeError(f"'{' '.join(args[1:])}' failed (exit {result.returncode}); last lines of {log_path}:\n{tail}")
    text = log_path.read_text()
    if "state=failed" in text.lower() or "dagrun state: failed" in text.lower() or "DagRunState.FAILED" in text:
        tail = "\n".join(text.splitlines()[-30:])
        raise NewslakeError(f"the {dag_id} run for {day} failed; see {log_path}:\n{tail}")


def cmd_demo(args: argparse.Namespace) -> int:
    from newslake.samplesite import SITE_LAST_DAY, SampleSite

    day = args.date or SITE_LAST_DAY
    home = Path(args.home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    lake_root = str(Path(args.lake).resolve())
    with SampleSite() as site:
        sources = home / "demo-sources.yaml"
        sources.write_text(site.sources_yaml())
        console.print(f"[bold]newslake demo[/]: sample news site at {site.base_url}, lake at {lake_root}, date {day}")
        env = airflow_env(home / "airflow", Path(args.dags_folder) if args.dags_folder else default_dags_folder(), {"NEWSLAKE_SOURCES_FILE": str(sources), "NEWSLAKE_LAKE_ROOT": lake_root})
        with console.status(f"running DAG news_ingest for {day} through Airflow (airflow dags test; log: {home / 'demo-airflow.log'})"):
            run_dag_test("news_ingest", day, env, home / "demo-airflow.log")
        expected = len(site.articles_published_between(*_day_interval(day)))
    settings = Settings.load(env={**os.environ, "NEWSLAKE_LAKE_ROOT": lake_root})
    print_summary(settings, day, expected)
    print_verdict(settings, day)
    refresh_sql_access(settings)
    return 0


def print_verdict(settings: Settings, day: dt.date) -> None:
    """The validate task's verdict for `day`, recomputed from the lake (the run already passed it)."""
    from newslake.status import read_lake_days
    from newslake.storage import LakeLocation

    location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
    held = read_lake_days(location, day, day)
    if day in held:
        from newslake.validation import judge_slice

        verdict = judge_slice(day, held[day].counts, held[day].facts, settings.max_null_share, settings.min_landed_share)
        Console().print(f"validate: {verdict.headline}", highlight=False, soft_wrap=True)


def _rebuild_marts(settings: Settings, days: list[dt.date]) -> None:
    from newslake.marts import rebuild_marts
    from newslake.storage import LakeLocation

    rebuild_marts(LakeLocation.from_settings(settings.lake_root, settings.storage_options), days)


def print_summary(settings: Settings, day: dt.date, expected: int | None = None) -> None:
    """What landed for `day`: articles per source, top entities, failures (read back with DuckDB)."""
    from newslake.query import connect

    out = Console()
    with connect(settings) as con:
        per_source = con.execute(
            "select source, count(*) as articles, count(published_at) as dated, round(avg(word_count)) as avg_words, sum(entity_count) as entities "
            "from articles where partition_date = ? group by source order by source",
            [day],
        ).fetchall()
        top = con.execute(
            "select canonical, label, count(*) as mentions, count(distinct article_id) as articles from entities "
            "where partition_date = ? group by canonical, label order by articles desc, mentions desc, canonical limit 10",
            [day],
        ).fetchall()
        failures = con.execute("select stage, reason, count(*) from failures where partition_date = ? group by stage, reason order by 3 desc", [day]).fetchall()
    table = Table(title=f"articles landed for {day}")
    for column in ("source", "articles", "dated", "avg words", "entities"):
        table.add_column(column)
    for row in per_source:
        table.add_row(*(str(v) for v in row))
    total = sum(r[1] for r in per_source)
    table.add_row("[bold]total", f"[bold]{total}", "", "", "")
    out.print(table)
    top_table = Table(title="top entities")
    for column in ("canonical", "label", "mentions", "articles"):
        top_table.add_column(column)
    for row in top:
        top_table.add_row(*(str(v) for v in row))
    out.print(top_table)
    if failures:
        out.print("failures: " + ", ".join(f"{stage}/{reason}: {n}" for stage, reason, n in failures))
    if expected is not None:
        out.print(f"sample site published {expected} articles in this interval; lake has {total}")


# --------------------------------------------------------------------------- run (no scheduler)
def cmd_run(args: argparse.Namespace) -> int:
    from newslake.pipeline import run_interval

    return _each_day(args, run_interval, "cli", "ingesting days")


def cmd_reprocess(args: argparse.Namespace) -> int:
    from newslake.pipeline import reprocess_interval

    return _each_day(args, reprocess_interval, "reprocess", "reprocessing days from raw WARCs")


def _each_day(args: argparse.Namespace, run_day, run_prefix: str, label: str) -> int:
    """Run `run_day(RunContext)` for every UTC day of --from..--to, with a progress bar."""
    from newslake.pipeline import RunContext

    settings = _lake_settings(args)
    if args.to_date < args.from_date:
        raise NewslakeError(f"--to {args.to_date} is before --from {args.from_date}")
    from newslake.config import load_sources

    load_sources(settings.sources_file)  # a bad sources file fails here: before any progress output or lake access
    days = [args.from_date + dt.timedelta(days=i) for i in range((args.to_date - args.from_date).days + 1)]
    from rich.progress import Progress

    with Progress(console=console) as progress:
        task = progress.add_task(label, total=len(days))
        for day in days:
            ctx = RunContext.create(settings, *_day_interval(day), run_id=f"{run_prefix}_{day.isoformat()}")
            counts = run_day(ctx)
            _rebuild_marts(settings, [day])
            console.print(f"{day}: {counts['articles']} articles, {counts['entities']} entity mentions, {counts['failures']} failures")
            progress.advance(task)
    refresh_sql_access(settings)
    return 0


# --------------------------------------------------------------------------- extract
def cmd_extract(args: argparse.Namespace) -> int:
    from newslake.enrich import load_nlp
    from newslake.errors import ExtractError
    from newslake.extract import extract_page

    files: list[Path] = []
    for raw in args.paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.glob("*.html")) + sorted(path.glob("*.htm")))
        elif path.is_file():
            files.append(path)
        else:
            raise NewslakeError(f"{raw}: no such file or directory")
    if args.url and len(files) != 1:
        raise NewslakeError("--url applies to a single file; use --url-map for many")
    url_map: dict[str, str] = {}
    if args.url_map:
        try:
            loaded = json.loads(Path(args.url_map).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise NewslakeError(f"--url-map {args.url_map}: cannot read JSON ({exc})") from None
        url_map = {k: (v.get("url") if isinstance(v, dict) else v) for k, v in loaded.items()}
    settings = Settings.load(args.config)
    nlp = None if args.no_entities else load_nlp(settings.spacy_model)
    gazetteers: list = []  # loaded on first English page, then reused
    out = sys.stdout
    for path in files:
        url = args.url or url_map.get(path.stem)
        record: dict = {"id": path.stem, "url": url}
        try:
            page = extract_page(path.read_bytes(), url, source_timezone=args.timezone)
        except ExtractError as exc:
            record["error"] = str(exc)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        published = page.published
        record.update(
            title=page.title,
            page_title=page.page_title,
            author=page.author,
            authors=page.authors,
            published_at=published.published_at.isoformat().replace("+00:00", "Z") if published and published.published_at else None,
            published_date_local=published.date_local.isoformat() if published else None,
            published_at_original=published.original if published else None,
            date_precision=published.precision if published else "none",
            date_source=published.source if published else None,
            language=page.language,
            site_name=page.site_name,
            text=page.text,
        )
        if nlp is not None:
            record.update(enrich_record(page.text, page.language, published.date_local if published else None, nlp, gazetteers))
        out.write(json.dumps(record, ensure_ascii=False, indent=None if args.jsonl else 2) + "\n")
    return 0


def enrich_record(text: str, language: str | None, reference: dt.date | None, nlp, gazetteers: list) -> dict:
    """`entities`, `places` and `mentioned_dates` of one text, as the pipeline computes them."""
    from newslake.enrich import find_entities, is_english
    from newslake.geocode import PLACE_LABELS, Gazetteer, geocode_mentions
    from newslake.timex import find_timexes

    if not is_english(language, text):
        return {"nlp_applied": False, "entities": [], "places": [], "mentioned_dates": []}
    if not gazetteers:
        gazetteers.append(Gazetteer.load())
    mentions = find_entities([text], nlp, gazetteer=gazetteers[0])[0]
    places = geocode_mentions(mentions, gazetteers[0])
    place_mentions = [m for m in mentions if m.label in PLACE_LABELS]
    return {
        "nlp_applied": True,
        "entities": [_mention_json(m) for m in mentions],
        "places": [
            {"text": m.text, "start": m.start, "end": m.end, "canonical": p.canonical, "country_code": p.country_code, "latitude": p.latitude, "longitude": p.longitude, "feature_type": p.feature_type, "geonames_id": p.geonames_id}
            for m, p in zip(place_mentions, places, strict=True)
        ],
        "mentioned_dates": [_timex_json(t) for t in find_timexes(text, reference)],
    }


def _mention_json(m) -> dict:
    return {"text": m.text, "label": m.label, "start": m.start, "end": m.end, "sentence_index": m.sentence_index, "canonical": m.canonical}


def _timex_json(t) -> dict:
    return {"text": t.text, "type": t.type, "value": t.value, "start": t.start, "end": t.end}


def _read_text(path: str) -> str:
    """Plain UTF-8 text from a file or '-' (stdin), exactly as given (offsets index into it)."""
    try:
        if path == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        return Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise NewslakeError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise NewslakeError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def cmd_entities(args: argparse.Namespace) -> int:
    from newslake.enrich import find_entities, load_nlp
    from newslake.geocode import load_gazetteer

    text = _read_text(args.file)
    nlp = load_nlp(Settings.load(args.config).spacy_model)
    for mention in find_entities([text], nlp, gazetteer=load_gazetteer())[0]:
        sys.stdout.write(json.dumps(_mention_json(mention), ensure_ascii=False) + "\n")
    return 0


def cmd_timex(args: argparse.Namespace) -> int:
    from newslake.timex import find_timexes

    text = _read_text(args.file)
    for timex in find_timexes(text, args.reference_date):
        sys.stdout.write(json.dumps(_timex_json(timex), ensure_ascii=False) + "\n")
    return 0


# --------------------------------------------------------------------------- sql
def _lake_settings(args: argparse.Namespace) -> Settings:
    """Settings from --config, with --lake / --sources overrides when the subcommand has them."""
    import dataclasses

    settings = Settings.load(getattr(args, "config", None))
    overrides = {k: v for k, v in (("lake_root", getattr(args, "lake", None)), ("sources_file", getattr(args, "sources", None))) if v}
    return dataclasses.replace(settings, **overrides) if overrides else settings


def refresh_sql_access(settings: Settings) -> None:
    """Rewrite `newslake.sql` / `newslake.duckdb` beside a local lake after a write (BI file lists)."""
    from newslake.query import refresh_sql_access as refresh

    refresh(settings)


def cmd_sql(args: argparse.Namespace) -> int:
    import csv

    from newslake.query import connect

    settings = _lake_settings(args)
    query = args.query
    if not query:  # no query: list the views and their row counts
        query = " UNION ALL ".join(f"SELECT '{name}' AS view, count(*) AS rows, {len(TABLES[name])} AS columns FROM \"{name}\"" for name in TABLES)
    with connect(settings) as con:
        try:
            result = con.execute(query)
        except Exception as exc:  # duckdb raises many error types; all are user input problems here
            raise NewslakeError(f"query failed: {str(exc).splitlines()[0]}") from None
        columns = [d[0] for d in result.description or []]
        rows = result.fetchall()
    shown = rows if args.limit <= 0 else rows[: args.limit]
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(shown)
    elif args.format == "json":
        for row in shown:
            sys.stdout.write(json.dumps(dict(zip(columns, row, strict=True)), default=str, ensure_ascii=False) + "\n")
    elif args.format == "markdown":
        print("| " + " | ".join(columns) + " |")
        print("|" + "---|" * len(columns))
        for row in shown:
            print("| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |")
    else:
        table = Table()
        for column in columns:
            table.add_column(column)
        for row in shown:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)
    if len(rows) > len(shown):
        console.print(f"({len(rows)} rows, {len(shown)} shown; use --limit 0 for all)")
    return 0


def cmd_views(args: argparse.Namespace) -> int:
    from newslake.query import write_sql_access

    settings = _lake_settings(args)
    with console.status("reading Delta logs and writing views"):
        sql_path, db_path = write_sql_access(settings, args.out)
    console.print(f"views written: {db_path} (DuckDB file) and {sql_path} (SQL script)")
    return 0


# --------------------------------------------------------------------------- report
def cmd_report(args: argparse.Namespace) -> int:
    from newslake.report import write_report

    settings = _lake_settings(args)
    with console.status("building the report"):
        path = write_report(settings, args.date, args.out)
    console.print(f"report written: {path}")
    return 0


# --------------------------------------------------------------------------- doctor
def cmd_doctor(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from newslake.doctor import run_checks

    settings = _lake_settings(args)
    env = dict(os.environ)
    if args.airflow_home:
        env["AIRFLOW_HOME"] = str(Path(args.airflow_home).resolve())
    out = Console()

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("checking", total=5)

        def show(check) -> None:
            mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
            out.print(f"{mark} [bold]{check.name}[/]: {escape(check.detail)}", highlight=False, soft_wrap=True)
            if not check.ok and check.fix:
                out.print(f"    fix: {escape(check.fix)}", highlight=False, soft_wrap=True)
            progress.advance(task)

        checks = run_checks(settings, env, on_done=show)
    failed = [c for c in checks if not c.ok]
    out.print(f"{len(checks) - len(failed)} of {len(checks)} checks passed" if failed else "all checks passed")
    return 1 if failed else 0


# --------------------------------------------------------------------------- schema docs
def cmd_schema_docs(args: argparse.Namespace) -> int:
    from newslake import schema_docs

    path = Path(args.out) if args.out else schema_docs.DOCS_PATH
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != schema_docs.render():
            console.print(f"{path} is out of date: run `newslake schema-docs`")
            return 1
        console.print(f"{path} is up to date")
        return 0
    console.print(f"schema reference written: {schema_docs.write(path)}")
    return 0


# --------------------------------------------------------------------------- local Airflow with UI
def cmd_airflow(args: argparse.Namespace) -> int:
    from newslake import localstack

    project = Path(args.project).resolve()
    if args.action == "down":
        stopped = localstack.down(project)
        console.print(f"local stack stopped: {stopped['stopped']} processes ({', '.join(stopped['components']) or 'none running'}); ports free")
        if args.purge:
            import shutil

            dropped = localstack.drop_postgres_database(project)
            shutil.rmtree(localstack.StackPaths(project).root, ignore_errors=True)
            console.print(f"purged {localstack.StackPaths(project).root}" + (" and its PostgreSQL database" if dropped else "") + " (the lake is kept)")
        return 0
    if args.action == "status":
        alive = localstack.stack_status(project)
        if not alive:
            console.print(f"no local stack under {project} (start it with `newslake airflow up`)")
            return 1
        for name, ok in alive.items():
            console.print(f"{'[green]running[/]' if ok else '[red]stopped[/]'}  {name}")
        return 0 if all(alive.values()) else 1
    if args.action == "screenshots":
        saved = localstack.screenshots(project, Path(args.out))
        console.print("saved: " + ", ".join(map(str, saved)))
        return 0
    if args.action == "backfill":
        if not (args.from_date and args.to_date):
            raise NewslakeError("newslake airflow backfill needs --from and --to")
        localstack.backfill(project, args.from_date, args.to_date, args.max_active_runs)
        console.print(f"backfill created for {args.from_date} .. {args.to_date}; follow it in the UI (Grid view of news_ingest)")
        if args.wait:
            states = localstack.wait_for_days(project, args.from_date, args.to_date, args.wait)
            console.print(", ".join(f"{day}: {state}" for day, state in states.items()))
            return 0 if all(s == "success" for s in states.values()) else 1
        return 0
    lake = args.lake or os.environ.get("NEWSLAKE_LAKE_ROOT") or str(project / "lake")
    config = localstack.StackConfig(
        project=project,
        lake_root=lake if "://" in lake else str(Path(lake).resolve()),
        sources_file=str(Path(args.sources).resolve()) if args.sources else None,
        database_url=args.database,
        port=args.port,
        parallelism=args.parallelism or localstack.default_parallelism(),
    )
    with console.status("starting api-server, scheduler, dag-processor, triggerer (LocalExecutor) and waiting for the UI"):
        state = localstack.up(config)
    out = Console()
    out.print(f"[bold]Airflow UI[/]: {state['url']}   login [bold]{state['user']}[/] / [bold]{escape(state['password'])}[/]"
              f"{'  (already running)' if state.get('already_running') else ''}", highlight=False, soft_wrap=True)
    out.print(f"password file: {state['password_file']}\nlake: {state['lake']}\nsources: {state['sources_file']}"
              + (f" (sample site {state['sample_site']})" if state.get("sample_site") else "")
              + f"\nmetadata DB: {state['database']}\nparallelism: {state['parallelism']}\nlogs: {state['logs']}", highlight=False, soft_wrap=True)
    out.print("next:\n"
              "  newslake airflow backfill --from 2025-03-08 --to 2025-03-10       # unpause news_ingest + airflow backfill create\n"
              f"  source {state['env_file']} && airflow dags list                 # the airflow CLI against this stack\n"
              "  newslake status --from 2025-03-03 --to 2025-03-16                 # days present / missing\n"
              "  newslake airflow down                                              # stop everything", highlight=False, soft_wrap=True)
    return 0


# --------------------------------------------------------------------------- status
def airflow_db_url(explicit: str | None, env: dict[str, str], cwd: Path) -> str | None:
    """Where `news_ingest`'s runs are recorded: --airflow-db, Airflow's env, or a local stack's SQLite file."""
    if explicit:
        return explicit
    if env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        return env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    stack_state = cwd / ".newslake" / "stack" / "stack.json"  # `newslake airflow up` records its DB there
    if stack_state.is_file():
        with contextlib.suppress(ValueError, KeyError):
            return json.loads(stack_state.read_text())["database"]
    for home in (Path(env["AIRFLOW_HOME"]) if env.get("AIRFLOW_HOME") else None, cwd / ".newslake" / "airflow"):
        if home is not None and (home / "airflow.db").is_file():
            return f"sqlite:///{(home / 'airflow.db').resolve()}"
    return None


def cmd_status(args: argparse.Namespace) -> int:
    from newslake.status import backfill_commands, day_statuses, days_between, missing_days, read_lake_days, read_runs
    from newslake.storage import LakeLocation

    settings = _lake_settings(args)
    if args.to_date < args.from_date:
        raise NewslakeError(f"--to {args.to_date} is before --from {args.from_date}")
    location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
    lake_days = read_lake_days(location, args.from_date, args.to_date)
    db = airflow_db_url(args.airflow_db, dict(os.environ), Path.cwd())
    runs = {}
    if db:
        try:
            runs = read_runs(db, args.from_date, args.to_date)
        except Exception as exc:  # noqa: BLE001 - any driver error: the lake part of the status still stands
            console.print(f"newslake: warning: cannot read runs from {db} ({str(exc).splitlines()[0]}); run columns left empty", highlight=False, soft_wrap=True)
    statuses = day_statuses(days_between(args.from_date, args.to_date), lake_days, runs, settings.max_null_share, settings.min_landed_share)
    table = Table(title=f"news_ingest days {args.from_date} .. {args.to_date} (lake {settings.lake_root})")
    for column in ("day", "slice", "articles", "sources with zero", "last run", "run state", "validation"):
        table.add_column(column)
    for st in statuses:
        table.add_row(
            str(st.day),
            "present" if st.present else "[red]MISSING[/]",
            str(st.articles) if st.present else "-",
            ", ".join(st.sources_with_zero) or "-",
            escape(st.last_run.run_id) if st.last_run else "-",
            st.last_run.state if st.last_run else "-",
            escape(st.validation),
        )
    out = Console(width=max(160, Console().width))
    out.print(table)
    missing = missing_days(statuses)
    if missing:
        out.print(f"missing: {', '.join(map(str, missing))} (no slice written); fill with:", highlight=False, soft_wrap=True)
        for command in backfill_commands(missing):
            out.print(f"  {command}", highlight=False, soft_wrap=True)
        return 1
    out.print("no missing days", highlight=False)
    return 0


def cmd_serve_sample(args: argparse.Namespace) -> int:
    import time

    from newslake.samplesite import SampleSite

    with SampleSite(port=args.port) as site:
        if args.sources_out:
            # written whole, then renamed: a reader polling for the file never sees half of it
            target = Path(args.sources_out)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".partial")
            partial.write_text(site.sources_yaml(), encoding="utf-8")
            os.replace(partial, target)
            console.print(f"sample news site at {site.base_url} (Ctrl-C to stop); sources config written to {target}")
        else:
            # stdout carries only the YAML (pipe it into a file); the prose goes to stderr
            console.print(f"sample news site at {site.base_url} (Ctrl-C to stop); sources config on stdout:")
            print(site.sources_yaml(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


# --------------------------------------------------------------------------- parser
def _add_day_range_arguments(parser: argparse.ArgumentParser, sources_help: str) -> None:
    """--from/--to (UTC days, inclusive) plus where sources, lake and settings come from."""
    parser.add_argument("--from", dest="from_date", type=_date, required=True, help="first UTC day")
    parser.add_argument("--to", dest="to_date", type=_date, required=True, help="last UTC day (inclusive)")
    parser.add_argument("--sources", help=sources_help)
    parser.add_argument("--lake", help="lake root (default: settings lake_root)")
    parser.add_argument("--config", help="settings YAML (default: $NEWSLAKE_CONFIG)")


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog="newslake", description="News data lake on Apache Airflow 3.", formatter_class=formatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress of every stage")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run news_ingest end to end on the bundled sample site", formatter_class=formatter,
                          epilog=textwrap.dedent("""\
                              examples:
                                newslake demo                      # latest day of the sample site, lake in ./lake
                                newslake demo --date 2025-03-10 --lake /tmp/lake"""))
    demo.add_argument("--date", type=_date, help="UTC day to ingest (default: the sample site's last day)")
    demo.add_argument("--lake", default=os.environ.get("NEWSLAKE_LAKE_ROOT", "./lake"), help="lake folder (default ./lake)")
    demo.add_argument("--home", default=".newslake", help="folder for the embedded Airflow (SQLite DB, logs)")
    demo.add_argument("--dags-folder", help="Airflow DAGs folder (default: the repo's dags/)")
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", aliases=["backfill"], help="ingest a range of days without a scheduler", formatter_class=formatter,
                         epilog=textwrap.dedent("""\
                             examples:
                               newslake run --from 2025-03-03 --to 2025-03-09 --sources sources.yaml
                               NEWSLAKE_LAKE_ROOT=s3://news/lake newslake backfill --from 2025-03-01 --to 2025-03-31"""))
    _add_day_range_arguments(run, sources_help="sources YAML (default: settings sources_file)")
    run.set_defaults(func=cmd_run)

    reprocess = sub.add_parser("reprocess", help="rebuild days from the raw WARC layer (no network)", formatter_class=formatter,
                               epilog=textwrap.dedent("""\
                                   examples:
                                     newslake reprocess --from 2025-03-03 --to 2025-03-16 --sources sources.yaml
                                   Re-extracts every article of those days from the responses stored under lake/raw,
                                   with the current extractor; ids stay the same, extractor_version records the change."""))
    _add_day_range_arguments(reprocess, sources_help="sources YAML (for source time zones; default: settings sources_file)")
    reprocess.set_defaults(func=cmd_reprocess)

    extract = sub.add_parser("extract", help="extract + enrich local HTML files, print JSON", formatter_class=formatter,
                             epilog=textwrap.dedent("""\
                                 examples:
                                   newslake extract page.html --url https://example.com/news/1
                                   newslake extract pages/ --jsonl --url-map urls.json > out.jsonl"""))
    extract.add_argument("paths", nargs="+", help="HTML files or folders of *.html")
    extract.add_argument("--url", help="the page's URL (single file)")
    extract.add_argument("--url-map", help='JSON {file stem: URL or {"url": URL}}')
    extract.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    extract.add_argument("--timezone", help="IANA zone for pages that give a naive time")
    extract.add_argument("--no-entities", action="store_true", help="skip named-entity recognition")
    extract.add_argument("--config", help="settings YAML")
    extract.set_defaults(func=cmd_extract)

    sql = sub.add_parser("sql", help="run a DuckDB query over the lake tables", formatter_class=formatter,
                         description="Run one DuckDB SQL query over views of every lake table (read through the Delta log).",
                         epilog=textwrap.dedent("""\
                             views: {views}
                             examples:
                               newslake sql                                   # list the views and their row counts
                               newslake sql "select source, count(*) from articles group by source"
                               newslake sql "select canonical, count(*) n from entities where label='PERSON' group by 1 order by n desc limit 5"
                               newslake sql --format csv --limit 0 "select * from source_daily" > source_daily.csv
                             more queries: docs/queries.md""").format(views=", ".join(TABLES)))
    sql.add_argument("query", nargs="?", help="SQL (DuckDB dialect); omit to list the views")
    sql.add_argument("--lake", help="lake root (default: settings lake_root)")
    sql.add_argument("--limit", type=int, default=50, help="rows to print (default 50; 0 = all)")
    sql.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table", help="output format (default table)")
    sql.add_argument("--config", help="settings YAML")
    sql.set_defaults(func=cmd_sql)

    views = sub.add_parser("views", help="write newslake.duckdb + newslake.sql (views for BI tools)", formatter_class=formatter,
                           description="Write a DuckDB file and a SQL script defining one view per lake table, for Superset, Metabase,\n"
                                       "DBeaver or the duckdb CLI. Views read the current Delta file list: re-run after writes\n"
                                       "(`newslake run` and the DAGs do it for you). Open the file read-only: a read-write\n"
                                       "connection locks out every other reader. Connection strings: docs/bi.md.",
                           epilog=textwrap.dedent("""\
                               examples:
                                 newslake views --lake ./lake            # writes ./lake/newslake.duckdb and ./lake/newslake.sql
                                 duckdb -readonly ./lake/newslake.duckdb -c "select partition_date, count(*) from articles group by 1\""""))
    views.add_argument("--lake", help="lake root (default: settings lake_root)")
    views.add_argument("--out", help="folder for the two files (default: the lake root; required for s3:// lakes unless cwd)")
    views.add_argument("--config", help="settings YAML")
    views.set_defaults(func=cmd_views)

    report = sub.add_parser("report", help="write the daily HTML report (charts, self-contained)", formatter_class=formatter,
                            epilog=textwrap.dedent("""\
                                examples:
                                  newslake report                                  # latest day in the lake -> <lake>/reports/<day>.html
                                  newslake report --date 2025-03-10 --out report.html --lake /tmp/x/lake"""))
    report.add_argument("--date", type=_date, help="UTC day (default: the latest day with articles)")
    report.add_argument("--out", help="output path (default: <lake_root>/reports/<day>.html)")
    report.add_argument("--lake", help="lake root (default: settings lake_root)")
    report.add_argument("--config", help="settings YAML")
    report.set_defaults(func=cmd_report)

    doctor = sub.add_parser("doctor", help="check the setup: Airflow DB, spaCy model, lake, sources, feeds", formatter_class=formatter,
                            epilog=textwrap.dedent("""\
                                Prints one ✓/✗ line per check, with a fix for each ✗; exit code 0 when all pass, 1 otherwise.
                                examples:
                                  newslake doctor
                                  newslake doctor --airflow-home .newslake/airflow --lake ./lake --sources sources.yaml"""))
    doctor.add_argument("--airflow-home", help="AIRFLOW_HOME to check (default: $AIRFLOW_HOME)")
    doctor.add_argument("--lake", help="lake root (default: settings lake_root)")
    doctor.add_argument("--sources", help="sources YAML (default: settings sources_file)")
    doctor.add_argument("--config", help="settings YAML")
    doctor.set_defaults(func=cmd_doctor)

    schema_docs = sub.add_parser("schema-docs", help="regenerate docs/schema.md from the schema module", formatter_class=formatter,
                                 epilog=textwrap.dedent("""\
                                     examples:
                                       newslake schema-docs            # rewrite docs/schema.md
                                       newslake schema-docs --check    # exit 1 when docs/schema.md is out of date"""))
    schema_docs.add_argument("--out", help="output path (default: docs/schema.md of the repo)")
    schema_docs.add_argument("--check", action="store_true", help="compare instead of writing")
    schema_docs.set_defaults(func=cmd_schema_docs)

    entities = sub.add_parser("entities", help="named entities of plain text, as JSON Lines", formatter_class=formatter,
                              epilog=textwrap.dedent("""\
                                  examples:
                                    newslake entities article.txt
                                    echo "Christine Lagarde spoke in Frankfurt. Lagarde said..." | newslake entities -"""))
    entities.add_argument("file", nargs="?", default="-", help="UTF-8 text file, or - for stdin (default)")
    entities.add_argument("--config", help="settings YAML")
    entities.set_defaults(func=cmd_entities)

    timex = sub.add_parser("timex", help="dates and times mentioned in plain text, TIMEX3-normalised, as JSON Lines", formatter_class=formatter,
                           epilog=textwrap.dedent("""\
                               examples:
                                 newslake timex --reference-date 2019-11-08 article.txt
                                 echo "Three days ago, in May, ..." | newslake timex --reference-date 2019-11-08 -"""))
    timex.add_argument("file", nargs="?", default="-", help="UTF-8 text file, or - for stdin (default)")
    timex.add_argument("--reference-date", type=_date, help="publication day relative expressions resolve against (without it they get no value)")
    timex.set_defaults(func=cmd_timex)

    airflow = sub.add_parser("airflow", help="a local Airflow with its web UI: up | down | status | backfill | screenshots", formatter_class=formatter,
                             description="Run news_ingest through a real scheduler with the Airflow 3 web UI, without Docker:\n"
                                         "api-server, scheduler, dag-processor, triggerer (LocalExecutor, SQLite), the sample site and\n"
                                         "the lake in the project. State, logs and pid files under .newslake/stack/.",
                             epilog=textwrap.dedent("""\
                                 examples:
                                   newslake airflow up                                   # prints the UI URL and the admin login
                                   newslake airflow backfill --from 2025-03-08 --to 2025-03-10 --wait 900
                                   newslake airflow up --sources sources.yaml --database postgresql+psycopg2://postgres@127.0.0.1/airflow
                                   newslake airflow down                                 # stops every process it started, frees the ports
                                   newslake airflow down --purge                         # ... and forgets runs and logs (the lake stays)"""))
    airflow.add_argument("action", choices=("up", "down", "status", "backfill", "screenshots"))
    airflow.add_argument("--out", default="docs", help="screenshots: folder for airflow-grid.png and airflow-mapped.png (default docs/)")
    airflow.add_argument("--project", default=".", help="project folder (default: current); state goes to .newslake/stack/")
    airflow.add_argument("--lake", help="lake root (default: <project>/lake)")
    airflow.add_argument("--sources", help="sources YAML (default: serve the bundled sample site and use its sources)")
    airflow.add_argument("--database", help="metadata DB: a SQLAlchemy URL, 'sqlite' or 'postgres' (default: a database of its own on the "
                                            "local PostgreSQL when one answers on 127.0.0.1:5432, else SQLite under .newslake/stack/airflow)")
    airflow.add_argument("--purge", action="store_true", help="down: also delete .newslake/stack and the stack's PostgreSQL database (not the lake)")
    airflow.add_argument("--port", type=int, default=0, help="UI/API port (default: 8080 when free, else a free one)")
    airflow.add_argument("--parallelism", type=int, default=0, help="LocalExecutor workers (default: the number of cores, at least 2)")
    airflow.add_argument("--from", dest="from_date", type=_date, help="backfill: first UTC day")
    airflow.add_argument("--to", dest="to_date", type=_date, help="backfill: last UTC day (inclusive)")
    airflow.add_argument("--max-active-runs", type=int, default=2, help="backfill: days run at once (default 2)")
    airflow.add_argument("--wait", type=float, default=0, help="backfill: wait up to this many seconds for the runs to finish")
    airflow.set_defaults(func=cmd_airflow)

    status = sub.add_parser("status", help="per day: slice present or MISSING, articles, last run, validation", formatter_class=formatter,
                            epilog=textwrap.dedent("""\
                                Exit code 1 when a day in the range has no slice (a gap), 0 otherwise.
                                Runs come from Airflow's metadata DB: --airflow-db, else $AIRFLOW__DATABASE__SQL_ALCHEMY_CONN,
                                else the local stack's (.newslake/stack/stack.json), $AIRFLOW_HOME/airflow.db or the demo's.
                                examples:
                                  newslake status --from 2025-03-03 --to 2025-03-16
                                  newslake status --from 2025-03-01 --to 2025-03-31 --lake s3://news/lake --airflow-db postgresql+psycopg2://airflow@db/airflow"""))
    status.add_argument("--from", dest="from_date", type=_date, required=True, help="first UTC day")
    status.add_argument("--to", dest="to_date", type=_date, required=True, help="last UTC day (inclusive)")
    status.add_argument("--lake", help="lake root (default: settings lake_root)")
    status.add_argument("--airflow-db", help="SQLAlchemy URL of Airflow's metadata DB (for the run columns)")
    status.add_argument("--config", help="settings YAML (default: $NEWSLAKE_CONFIG)")
    status.set_defaults(func=cmd_status)

    serve = sub.add_parser("serve-sample", help="serve the bundled sample news site on 127.0.0.1", formatter_class=formatter,
                           epilog=textwrap.dedent("""\
                               examples:
                                 newslake serve-sample > sources.yaml  # the sources config on stdout, prose on stderr; Ctrl-C to stop
                                 newslake serve-sample --port 8800 --sources-out .newslake/sample-sources.yaml"""))
    serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    serve.add_argument("--sources-out", help="write the sources config for the site to this file (atomically) instead of stdout")
    serve.set_defaults(func=cmd_serve_sample)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # bad arguments (already reported in one line), --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except NewslakeError as exc:
        message = str(exc)
        if isinstance(exc, ConfigError):
            message = " ".join(message.split())  # one line, whatever the YAML parser said
        console.print(f"[red]newslake: error:[/] {escape(message)}", highlight=False, soft_wrap=True)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
