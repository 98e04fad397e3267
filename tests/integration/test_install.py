"""The installs users and the image actually do, each in a clean virtualenv.

`make test` runs in a venv with the `test` extra and an upgraded pip; the image and most users do
not. Here two fresh venvs (`python -m venv`, with the pip that venv ships) are installed from the
files a fresh clone has, both at once:

* `dockerfile`: exactly `deploy/Dockerfile`'s install step - its `COPY`s before the `pip install`
  laid out as in its `WORKDIR`, then its `RUN pip install ...` command, read from the Dockerfile so
  the two cannot drift;
* `bare`: the package without extras, `pip install -c constraints.txt .`.

In each, every `newslake` module must import, `newslake --help` must run and `newslake extract`
must extract (and enrich) sample-site pages. A runtime dependency that only an extra or the test
venv happens to pull in fails here. The pip cache is left on (no `--no-cache-dir`, although the
Dockerfile sets `PIP_NO_CACHE_DIR`), so runs after the first reuse downloaded wheels.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]
REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
INSTALL_TIMEOUT_SECONDS = 900
BARE_INSTALL = "pip install -c constraints.txt ."
SAMPLE_BASE_URL = "https://sample.invalid"

# Run by the venv's own interpreter: import the package and every module under it.
IMPORT_EVERY_MODULE = """
import importlib, json, pkgutil, traceback
import newslake
names = ["newslake"] + [m.name for m in pkgutil.walk_packages(newslake.__path__, "newslake.")]
failed = {}
for name in names:
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc(limit=-3)
print(json.dumps({"package_file": newslake.__file__, "modules": names, "failed": failed}))
"""


@dataclasses.dataclass(frozen=True)
class DockerfileInstallStep:
    """The part of a Dockerfile that installs the package: what it copies where, and the command."""

    workdir: PurePosixPath
    copies: tuple[tuple[tuple[str, ...], str], ...]  # (sources in the build context, destination)
    command: str


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; comments dropped, `\\` continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def dockerfile_install_step(text: str) -> DockerfileInstallStep:
    """The `RUN ... pip install ...` of the Dockerfile and the `COPY`s into its WORKDIR before it."""
    workdir = PurePosixPath("/")
    copies: list[tuple[tuple[str, ...], str]] = []
    for keyword, arguments in dockerfile_instructions(text):
        if keyword == "WORKDIR":
            workdir = workdir / arguments
        elif keyword == "COPY":
            *sources, destination = shlex.split(arguments)
            target = workdir / destination
            if target == workdir or workdir in target.parents:  # copies into the install's folder
                copies.append((tuple(sources), str(target.relative_to(workdir)) + ("/" if destination.endswith("/") else "")))
        elif keyword == "RUN" and "pip install" in arguments:
            return DockerfileInstallStep(workdir, tuple(copies), arguments)
    raise AssertionError(f"{DOCKERFILE}: no RUN with 'pip install' found")


def _files_of_a_fresh_clone(source: str) -> list[str]:
    """Files under `source` a clone would have (tracked, or new and not ignored): no build leftovers."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", source],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    return [path for path in listed if (REPO / path).is_file()]  # a deleted, not yet committed file is still listed


def lay_out_build_context(step: DockerfileInstallStep, folder: Path) -> None:
    """Place each copied source under `folder` as Docker would place it under the WORKDIR."""
    for sources, destination in step.copies:
        into_folder = destination.endswith("/") or len(sources) > 1
        for source in sources:
            for path in _files_of_a_fresh_clone(source):
                inside = Path(path).relative_to(source) if (REPO / source).is_dir() else Path(Path(path).name if into_folder else "")
                target = folder / destination / inside
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / path, target)


def _venv_env(venv: Path, home: Path) -> dict[str, str]:
    """The environment of a user's shell with only this venv: nothing from the repo on sys.path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_NO_CACHE_DIR")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["NEWSLAKE_CACHE_DIR"] = str(home / "newslake-cache")
    return env


@dataclasses.dataclass
class Install:
    name: str
    venv: Path
    context: Path
    log: Path
    process: subprocess.Popen | None = None
    seconds: float = 0.0

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run a command of the venv (by name, found on the venv's PATH) outside the repository."""
        return subprocess.run(
            list(args), env=_venv_env(self.venv, self.context.parent), cwd=self.context.parent,
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        )


def _start_install(name: str, command: str, step: DockerfileInstallStep, root: Path) -> Install:
    install = Install(name, root / "venv", root / "context", root / "pip.log")
    lay_out_build_context(step, install.context)
    subprocess.run([sys.executable, "-m", "venv", str(install.venv)], check=True, timeout=120)
    with install.log.open("w") as log:
        install.process = subprocess.Popen(
            ["sh", "-c", command], cwd=install.context, env=_venv_env(install.venv, root),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    return install


@pytest.fixture(scope="module")
def installs(tmp_path_factory) -> dict[str, Install]:
    """Both venvs, installed in parallel (pip is mostly one core of unpacking; the machine has two)."""
    step = dockerfile_install_step(DOCKERFILE.read_text())
    started = time.monotonic()
    running = {
        "dockerfile": _start_install("dockerfile", step.command, step, tmp_path_factory.mktemp("install-dockerfile")),
        "bare": _start_install("bare", BARE_INSTALL, step, tmp_path_factory.mktemp("install-bare")),
    }
    try:
        for install in running.values():
            code = install.process.wait(timeout=max(1.0, INSTALL_TIMEOUT_SECONDS - (time.monotonic() - started)))
            install.seconds = time.monotonic() - started
            assert code == 0, f"{install.name}: the install failed (exit {code}):\n{install.log.read_text()[-4000:]}"
    finally:
        for install in running.values():
            if install.process.poll() is None:
                install.process.kill()
                install.process.wait()
    return running


def _sample_pages(folder: Path) -> dict[str, object]:
    """One article page of each sample publisher (each has its own template) written as files."""
    from newslake.samplesite.render import articles_by_publisher, render_site

    routes = render_site(SAMPLE_BASE_URL)
    folder.mkdir(parents=True, exist_ok=True)
    pages = {}
    for prefix, articles in sorted(articles_by_publisher().items()):
        article = next(a for a in articles if a.syndicated_from is None and a.people)
        (folder / f"{prefix}.html").write_bytes(routes[article.path].body)
        pages[prefix] = article
    (folder.parent / "urls.json").write_text(json.dumps({stem: SAMPLE_BASE_URL + a.path for stem, a in pages.items()}))
    return pages


# ---------------------------------------------------------------------------- the Dockerfile parser


def test_install_step_is_read_from_the_dockerfile_with_its_copies():
    step = dockerfile_install_step(DOCKERFILE.read_text())
    assert step.command.startswith("pip install") and "-c constraints.txt" in step.command
    copied = {source for sources, _ in step.copies for source in sources}
    assert {"pyproject.toml", "constraints.txt", "include"} <= copied
    assert all(not destination.startswith("/") for _, destination in step.copies)


def test_build_context_is_laid_out_like_the_image_workdir(tmp_path):
    step = dockerfile_install_step(DOCKERFILE.read_text())
    lay_out_build_context(step, tmp_path)
    assert (tmp_path / "pyproject.toml").read_bytes() == (REPO / "pyproject.toml").read_bytes()
    assert (tmp_path / "include" / "newslake" / "extract.py").is_file()
    assert not list(tmp_path.rglob("__pycache__")) and not list(tmp_path.rglob("*.egg-info"))


def test_parser_joins_continued_lines_and_follows_workdir():
    text = "FROM x\n# a comment\nWORKDIR /opt/app\nCOPY a b ./\nCOPY src ./src\nCOPY dags /elsewhere\nRUN apt-get update \\\n  && pip install -c c.txt '.[x]'\n"
    step = dockerfile_install_step(text)
    assert step.workdir == PurePosixPath("/opt/app")
    assert step.copies == ((("a", "b"), "./"), (("src",), "src"))
    assert step.command == "apt-get update && pip install -c c.txt '.[x]'"


# ---------------------------------------------------------------------------- the installed package


@pytest.mark.parametrize("name", ["dockerfile", "bare"])
def test_every_newslake_module_imports_in_a_clean_install(installs, name):
    install = installs[name]
    result = install.run("python", "-c", IMPORT_EVERY_MODULE)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(report["package_file"]).is_relative_to(install.venv), report["package_file"]  # the installed copy, not the repo's
    expected = {"newslake.extract", "newslake.enrich", "newslake.pipeline", "newslake.cli", "newslake.samplesite.server"}
    assert expected <= set(report["modules"])
    assert report["failed"] == {}, "\n".join(f"{m}:\n{tb}" for m, tb in report["failed"].items())


@pytest.mark.parametrize("name", ["dockerfile", "bare"])
def test_newslake_help_runs_in_a_clean_install(installs, name):
    result = installs[name].run("newslake", "--help")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "extract" in result.stdout and "doctor" in result.stdout


@pytest.mark.parametrize("name", ["dockerfile", "bare"])
def test_newslake_extract_extracts_and_enriches_pages_in_a_clean_install(installs, name, tmp_path):
    pages = _sample_pages(tmp_path / "pages")
    result = installs[name].run("newslake", "extract", str(tmp_path / "pages"), "--url-map", str(tmp_path / "urls.json"), "--jsonl")
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert set(records) == set(pages)
    for stem, article in pages.items():
        record = records[stem]
        assert "error" not in record, record
        assert record["title"] == article.title
        assert record["published_at"] == article.published_at.isoformat().replace("+00:00", "Z")
        assert article.first_sentence in record["text"]
        assert record["nlp_applied"] is True
        found = {e["text"] for e in record["entities"]}
        assert found & set(article.people), (stem, sorted(found), article.people)


def test_dockerfile_install_has_the_celery_deployment_and_the_image_command_runs(installs):
    install = installs["dockerfile"]
    result = install.run("python", "-c", "import airflow.providers.celery.executors.celery_executor, psycopg2, redis, asyncpg")
    assert result.returncode == 0, result.stderr[-3000:]
    version = install.run("airflow", "version")  # the image's CMD
    assert version.returncode == 0 and version.stdout.strip(), version.stderr[-3000:]
