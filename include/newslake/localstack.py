"""Local stack: a project folder -> a running Airflow with its web UI, as plain processes on 127.0.0.1.

`newslake airflow up` (or `make airflow`) starts the api-server (UI + REST + execution API),
scheduler, dag-processor and triggerer with the LocalExecutor on an embedded SQLite database
(or a given SQLAlchemy URL, e.g. the local PostgreSQL), parallelism sized to the machine's cores,
the bundled sample news site with its sources file (unless real sources are given) and the lake
in the project. Everything lives under `<project>/.newslake/stack/`: `airflow/` (AIRFLOW_HOME,
SQLite DB, task logs), `logs/<process>.log`, `pids/<process>.pid`, `env.sh` (source it to use
the `airflow` CLI against the stack) and `stack.json` (ports, URL, pids).

`newslake airflow down` stops every process the stack started - each component runs in its own
session, and Airflow's task processes (which move to their own process groups) stay in it, so
the whole session is signalled - and checks that the ports are free again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

from newslake.devcluster import _tail, free_port, wait_http_ok
from newslake.errors import NewslakeError

BIN = Path(sys.executable).parent
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
ADMIN_USER = "admin"


class StackError(NewslakeError):
    """The stack did not start, is not running, or did not stop; the message carries log tails."""


@dataclasses.dataclass(frozen=True)
class StackPaths:
    """Where one project's stack keeps its state."""

    project: Path

    @property
    def root(self) -> Path:
        return self.project / ".newslake" / "stack"

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pids(self) -> Path:
        return self.root / "pids"

    @property
    def state_file(self) -> Path:
        return self.root / "stack.json"

    @property
    def env_file(self) -> Path:
        return self.root / "env.sh"

    @property
    def sample_sources(self) -> Path:
        return self.root / "sample-sources.yaml"

    @property
    def password_file(self) -> Path:
        return self.airflow_home / "simple_auth_manager_passwords.json.generated"


@dataclasses.dataclass(frozen=True)
class StackConfig:
    project: Path
    lake_root: str
    sources_file: str | None  # None: serve the bundled sample site and use its sources
    database_url: str | None  # a SQLAlchemy URL, "sqlite", "postgres", or None: PostgreSQL on 127.0.0.1:5432 when reachable, else SQLite
    port: int  # 0: 8080 when free, else any free port
    parallelism: int


def default_parallelism(cpu_count: int | None = None) -> int:
    """One LocalExecutor worker per core, at least 2 (Airflow's default of 32 forked ~4.7 GB on 2 cores)."""
    return max(2, cpu_count if cpu_count is not None else (os.cpu_count() or 2))


def _port_is_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        # SO_REUSEADDR as servers set it: a closed connection in TIME_WAIT does not block them, a listener does
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _port_is_listening(port: int) -> bool:
    """Whether a process still accepts connections on 127.0.0.1:`port`.

    What `down` must guarantee is that no listener is left. The bind test it replaced also failed
    after every process had stopped (CI, sample-site port, still "taken" 10 s after the stop): a
    socket left behind by a killed server, such as the server side of a half-closed keep-alive
    connection, blocks a bind but accepts no connection.
    """
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def postgres_database_name(project: Path) -> str:
    """One metadata database per project folder, so two checkouts never share runs."""
    import hashlib

    return "newslake_stack_" + hashlib.sha1(str(project.resolve()).encode()).hexdigest()[:10]


def choose_database(config: StackConfig, paths: StackPaths) -> str:
    """The metadata DB URL: as given, else the local PostgreSQL (its own database) when reachable, else SQLite.

    SQLite works for a look at the UI, but under load its single writer lock made `airflow backfill
    create` fail with "database is locked" while the scheduler was busy; PostgreSQL does not.
    """
    choice = config.database_url
    sqlite_url = f"sqlite:///{paths.airflow_home.resolve() / 'airflow.db'}"  # SQLite needs an absolute path
    if choice == "sqlite":
        return sqlite_url
    if choice and choice != "postgres":
        return choice
    from newslake.devcluster import ClusterError, _pg_connect

    try:
        conn, user = _pg_connect()
    except (ClusterError, ImportError) as exc:
        if choice == "postgres":
            raise StackError(f"--database postgres: {exc}") from None
        return sqlite_url
    name = postgres_database_name(paths.project)
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return f"postgresql+psycopg2://{user}@127.0.0.1:5432/{name}"


def drop_postgres_database(project: Path) -> bool:
    """Drop the project's stack database on the local PostgreSQL (`down --purge`); False when there was none."""
    from newslake.devcluster import ClusterError, _pg_connect

    try:
        conn, _ = _pg_connect()
    except (ClusterError, ImportError):
        return False
    name = postgres_database_name(project)
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                return False
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            return True
    finally:
        conn.close()


def stack_env(config: StackConfig, paths: StackPaths, api_port: int, sources_file: str, base: Mapping[str, str], db: str) -> dict[str, str]:
    """The environment every component and every `airflow` command of the stack shares."""
    home = paths.airflow_home.resolve()
    env = {k: v for k, v in base.items() if not k.startswith("AIRFLOW")}  # the user's NEWSLAKE_* settings carry over
    env.update(
        {
            "PATH": f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(default_dags_folder()),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(config.parallelism),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(48),  # the same for every component
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1]), base.get("PYTHONPATH", "")) if p),
            "NEWSLAKE_LAKE_ROOT": config.lake_root,
            "NEWSLAKE_SOURCES_FILE": sources_file,
        }
    )
    if config.sources_file is None:  # the sample site is on loopback, which the SSRF guard refuses by default
        env.setdefault("NEWSLAKE_ALLOWED_PRIVATE_NETWORKS", "127.0.0.0/8")
    return env


def default_dags_folder() -> Path:
    from newslake.cli import default_dags_folder as dags

    return dags().resolve()


def write_env_file(path: Path, env: Mapping[str, str]) -> None:
    lines = ["# source this file to run `airflow ...` / `newslake ...` against the local stack"]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in sorted(env.items()) if k.startswith(("AIRFLOW", "NEWSLAKE_", "PYTHONPATH", "NO_PROXY"))]
    lines.append(f"export PATH={shlex.quote(str(BIN))}:$PATH")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)  # holds the JWT secret


# --------------------------------------------------------------------------- processes
def _spawn(paths: StackPaths, name: str, args: list[str], env: Mapping[str, str]) -> int:
    log = paths.logs / f"{name}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(args, env=dict(env), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, cwd=paths.project)
    (paths.pids / f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of this process counts as gone
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def session_members(session_ids: Iterable[int]) -> list[int]:
    """Every live process whose session is one of `session_ids` (components and all their descendants)."""
    wanted = set(session_ids)
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            if os.getsid(pid) in wanted and pid != os.getpid():
                members.append(pid)
    return members


def read_pids(paths: StackPaths) -> dict[str, int]:
    out = {}
    for pid_file in sorted(paths.pids.glob("*.pid")) if paths.pids.is_dir() else []:
        with contextlib.suppress(ValueError, OSError):
            out[pid_file.stem] = int(pid_file.read_text().strip())
    return out


# --------------------------------------------------------------------------- up / down / status
def up(config: StackConfig, base_env: Mapping[str, str] | None = None, timeout: float = 180) -> dict:
    """Start the stack (or report the one already running); return its state (URL, login, paths)."""
    paths = StackPaths(config.project.resolve())
    running = {name: pid for name, pid in read_pids(paths).items() if _alive(pid)}
    if running:
        state = json.loads(paths.state_file.read_text()) if paths.state_file.is_file() else {}
        if set(COMPONENTS) <= set(running):
            return {**state, "already_running": True}
        down(config.project)  # a half-dead stack: clear it before starting again
    for folder in (paths.airflow_home, paths.logs, paths.pids):
        folder.mkdir(parents=True, exist_ok=True)
    for stale in paths.pids.glob("*.pid"):
        stale.unlink()
    deadline = time.monotonic() + timeout
    try:
        return _start(config, paths, dict(base_env if base_env is not None else os.environ), deadline)
    except BaseException:
        down(config.project)
        raise


def _start(config: StackConfig, paths: StackPaths, base_env: dict[str, str], deadline: float) -> dict:
    api_port = config.port or (8080 if _port_is_free(8080) else free_port())
    if not _port_is_free(api_port):
        raise StackError(f"port {api_port} on 127.0.0.1 is taken; pass --port or stop what holds it")
    sources = config.sources_file
    sample_url = None
    pids: dict[str, int] = {}

    def check_alive() -> None:
        for name, pid in pids.items():
            if not _alive(pid):
                raise StackError(f"{name} exited at start; last lines of {paths.logs / (name + '.log')}:\n{_tail(paths.logs / (name + '.log'), 40)}")

    if sources is None:
        sample_port = free_port()
        with contextlib.suppress(FileNotFoundError):
            paths.sample_sources.unlink()
        pids["sample-site"] = _spawn(
            paths, "sample-site", [str(BIN / "newslake"), "serve-sample", "--port", str(sample_port), "--sources-out", str(paths.sample_sources)], base_env
        )
        while not paths.sample_sources.is_file():
            check_alive()
            if time.monotonic() > deadline:
                raise StackError("the sample site did not write its sources file in time")
            time.sleep(0.2)
        sources = str(paths.sample_sources)
        sample_url = f"http://127.0.0.1:{sample_port}"
    env = stack_env(config, paths, api_port, str(Path(sources).resolve()), base_env, choose_database(config, paths))
    write_env_file(paths.env_file, env)
    migrate = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, capture_output=True, text=True, cwd=paths.project, timeout=max(30, deadline - time.monotonic()))
    if migrate.returncode != 0:
        raise StackError(f"airflow db migrate failed:\n{(migrate.stdout + migrate.stderr)[-3000:]}")
    airflow = str(BIN / "airflow")
    pids["api-server"] = _spawn(paths, "api-server", [airflow, "api-server", "--host", "127.0.0.1", "--port", str(api_port), "--workers", "1"], env)
    # --skip-serve-logs: the log servers would bind 0.0.0.0; the api-server reads the local log files
    pids["scheduler"] = _spawn(paths, "scheduler", [airflow, "scheduler", "--skip-serve-logs"], env)
    pids["dag-processor"] = _spawn(paths, "dag-processor", [airflow, "dag-processor"], env)
    pids["triggerer"] = _spawn(paths, "triggerer", [airflow, "triggerer", "--skip-serve-logs"], env)
    url = f"http://127.0.0.1:{api_port}"
    health = f"{url}/api/v2/monitor/health"
    if not wait_http_ok(health, check_alive, deadline):
        raise StackError(f"no answer from {health} in time")
    _wait_dag_parsed(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], "news_ingest", check_alive, deadline)
    while not paths.password_file.is_file():  # the api-server writes it at start
        check_alive()
        if time.monotonic() > deadline:
            raise StackError(f"no password file at {paths.password_file}")
        time.sleep(0.3)
    state = {
        "url": url,
        "user": ADMIN_USER,
        "password": json.loads(paths.password_file.read_text()).get(ADMIN_USER, ""),
        "password_file": str(paths.password_file),
        "env_file": str(paths.env_file),
        "logs": str(paths.logs),
        "lake": config.lake_root,
        "sources_file": str(Path(sources).resolve()),
        "sample_site": sample_url,
        "database": env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
        "parallelism": config.parallelism,
        "pids": pids,
        "ports": [api_port] + ([int(sample_url.rsplit(":", 1)[1])] if sample_url else []),
    }
    paths.state_file.write_text(json.dumps(state, indent=2))
    paths.state_file.chmod(0o600)
    return state


def _wait_dag_parsed(db_url: str, dag_id: str, check_alive, deadline: float) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        while True:
            check_alive()
            with contextlib.suppress(sa.exc.SQLAlchemyError, sqlite3.Error):
                with engine.connect() as conn:
                    if conn.execute(sa.text("select 1 from serialized_dag where dag_id = :d"), {"d": dag_id}).first():
                        return
            if time.monotonic() > deadline:
                raise StackError(f"{dag_id} was not parsed in time: see the dag-processor log and `airflow dags list-import-errors`")
            time.sleep(0.5)
    finally:
        engine.dispose()


def down(project: Path, grace_seconds: float = 20) -> dict:
    """Stop every process of the stack (TERM, then KILL after `grace_seconds`); return what was stopped."""
    paths = StackPaths(Path(project).resolve())
    pids = read_pids(paths)
    sessions = {pid for pid in pids.values()}
    members = session_members(sessions)
    for pid in members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and any(_alive(p) for p in session_members(sessions)):
        time.sleep(0.3)
    left = session_members(sessions)
    for pid in left:  # did not stop on SIGTERM (or were started while we waited)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    for pid in pids.values():
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
    for pid_file in paths.pids.glob("*.pid") if paths.pids.is_dir() else []:
        pid_file.unlink()
    state = json.loads(paths.state_file.read_text()) if paths.state_file.is_file() else {}
    ports = state.get("ports", [])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_port_is_listening(p) for p in ports):
        time.sleep(0.3)
    busy = [p for p in ports if _port_is_listening(p)]
    if busy:
        raise StackError(f"ports still taken after stopping the stack: {busy}")
    return {"stopped": len(members), "killed": len(left), "components": sorted(pids)}


def stack_status(project: Path) -> dict[str, bool]:
    """Which of the stack's processes are alive."""
    return {name: _alive(pid) for name, pid in read_pids(StackPaths(Path(project).resolve())).items()}


def run_airflow(project: Path, *args: str, timeout: float = 120) -> str:
    """Run an `airflow` CLI command against the running stack (its env file's settings)."""
    paths = StackPaths(Path(project).resolve())
    if not paths.env_file.is_file():
        raise StackError(f"no local stack under {paths.root}: start it with `newslake airflow up`")
    env = dict(os.environ)
    for line in paths.env_file.read_text().splitlines():
        if line.startswith("export ") and "=" in line and not line.startswith("export PATH="):
            key, value = line[len("export ") :].split("=", 1)
            env[key] = shlex.split(value)[0] if value else ""
    result = subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=paths.project, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise StackError(f"'airflow {' '.join(args)}' failed (exit {result.returncode}):\n{(result.stdout + result.stderr)[-2000:]}")
    return result.stdout


def backfill(project: Path, first, last, max_active_runs: int = 2) -> None:
    """Unpause news_ingest and create a backfill of UTC days first..last (run D covers [D, D+1))."""
    run_airflow(project, "dags", "unpause", "news_ingest")
    run_airflow(project, "backfill", "create", "--dag-id", "news_ingest", "--from-date", first.isoformat(), "--to-date", last.isoformat(),
                "--max-active-runs", str(max_active_runs))
    annotate_runs(project)  # the runs exist once `backfill create` returned


def wait_for_days(project: Path, first, last, timeout: float) -> dict:
    """Poll the stack's metadata DB until news_ingest has a finished run for every day first..last; {day: state}."""
    from newslake.status import days_between, read_runs

    state = json.loads(StackPaths(Path(project).resolve()).state_file.read_text())
    days = days_between(first, last)
    deadline = time.monotonic() + timeout
    while True:
        runs = read_runs(state["database"], first, last)
        states = {d: runs[d].state if d in runs else "none" for d in days}
        if all(s in ("success", "failed") for s in states.values()):
            return states
        if time.monotonic() > deadline:
            raise StackError(f"runs not finished after {timeout:.0f}s: {states}; logs under {state['logs']} and {state['password_file'].rsplit('/', 1)[0]}/logs")
        alive = stack_status(project)
        if not all(alive.get(name) for name in COMPONENTS):
            raise StackError(f"a component stopped while waiting: {alive}")
        time.sleep(2)


def annotate_runs(project: Path, dag_id: str = "news_ingest") -> int:
    """Give every run of `dag_id` without a note the note "covers D (UTC)"; return how many were annotated.

    Run ids and the grid's "Run After" carry the time a run could start (D+1), which misleads; the
    note shows in the grid's run details. Done through the REST API as the stack's admin.
    """
    from newslake.uishot import api_token

    state = json.loads(StackPaths(Path(project).resolve()).state_file.read_text())
    token = api_token(state["url"], state["user"], state["password"])
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with opener.open(urllib.request.Request(f"{state['url']}/api/v2/dags/{dag_id}/dagRuns?limit=1000", headers=headers), timeout=30) as response:
        runs = json.loads(response.read())["dag_runs"]
    done = 0
    for run in runs:
        if run.get("note") or not run.get("data_interval_start"):
            continue
        note = f"covers {run['data_interval_start'][:10]} (UTC day)"
        url = f"{state['url']}/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run['dag_run_id'], safe='')}?update_mask=note"
        request = urllib.request.Request(url, data=json.dumps({"note": note}).encode(), method="PATCH", headers=headers)
        with opener.open(request, timeout=30):
            done += 1
    return done


def screenshots(project: Path, out: Path, settle_seconds: float = 15.0) -> list[Path]:
    """PNGs of news_ingest's grid and of the mapped `fetch` tasks of its latest backfill run (docs/)."""

    from newslake import uishot

    state = json.loads(StackPaths(Path(project).resolve()).state_file.read_text())
    import sqlalchemy as sa

    engine = sa.create_engine(state["database"])
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text("select run_id from dag_run where dag_id = 'news_ingest' and run_type = 'backfill' order by data_interval_start desc limit 1")).first()
    finally:
        engine.dispose()
    if row is None:
        raise StackError("no backfill run to show yet: run `newslake airflow backfill --from D1 --to D2 --wait 900` first")
    run = urllib.parse.quote(row[0], safe="")
    token = uishot.api_token(state["url"], state["user"], state["password"])
    pages = {"airflow-grid": "/dags/news_ingest", "airflow-mapped": f"/dags/news_ingest/runs/{run}/tasks/fetch/mapped"}
    return uishot.save(uishot.capture(state["url"], token, pages, settle_seconds=settle_seconds), out)
