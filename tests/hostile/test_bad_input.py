"""Bad configuration and bad command lines: one clear line naming the problem, exit 2, lake untouched."""

from __future__ import annotations

import os

import pytest

from newslake.cli import main

GOOD_SOURCES = "sources:\n  - name: s\n    feeds: [http://127.0.0.1:9/feed.xml]\n"


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    for key in [k for k in os.environ if k.startswith("NEWSLAKE_")]:
        monkeypatch.delenv(key)
    (tmp_path / "sources.yaml").write_text(GOOD_SOURCES)
    return tmp_path


def _run(workspace, capsys, *args: str, sources: str = "sources.yaml") -> tuple[int, list[str]]:
    lake = workspace / "lake"
    code = main(["run", "--lake", str(lake), "--sources", str(workspace / sources), *args])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert not lake.exists(), "a rejected command must not touch the lake"
    return code, lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-13-01", "--to", "2025-03-02"], "'2025-13-01' is not a date in YYYY-MM-DD form"),
        (["--from", "2025-03-02", "--to", "yesterday"], "'yesterday' is not a date"),
        (["--from", "2025-03-02", "--to", "2025-03-01"], "--to 2025-03-01 is before --from 2025-03-02"),
        (["--to", "2025-03-01"], "the following arguments are required: --from"),
        (["--from", "2025-03-01", "--to", "2025-03-01", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_command_line_is_one_line_and_exit_2(workspace, capsys, args, message):
    code, lines = _run(workspace, capsys, *args)
    assert code == 2
    assert len(lines) == 1 and message in lines[0], lines


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sources:\n  - name: s\n    feedz: [http://x/y]\n", "bad.yaml:3: unknown key 'feedz'"),
        ("sources:\n  - name: s\n    feeds: [ftp://x/y]\n", "is not an http(s) URL"),
        ("sources: [\n  - {name: broken\n", "not valid YAML"),
        (b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "cannot read sources file as UTF-8 text"),
        (None, "sources file not found"),
    ],
)
def test_bad_sources_file_is_one_line_and_exit_2(workspace, capsys, content, message):
    path = workspace / "bad.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    code, lines = _run(workspace, capsys, "--from", "2025-03-01", "--to", "2025-03-01", sources="bad.yaml")
    assert code == 2
    assert len(lines) == 1 and message in lines[0], lines


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSLAKE_BATCH_SIZE": "many"}, "'batch_size' must be a int"),
        ({"NEWSLAKE_MAX_RETRIES": "-1"}, "'max_retries' must not be negative"),
        ({"NEWSLAKE_ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8, 10.0.0.0/33"}, "'10.0.0.0/33' is not an IP network"),
        ({"NEWSLAKE_CONFIG": "/nonexistent/newslake.yaml"}, "settings file not found"),
    ],
)
def test_bad_settings_are_one_line_and_exit_2(workspace, capsys, monkeypatch, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, lines = _run(workspace, capsys, "--from", "2025-03-01", "--to", "2025-03-01")
    assert code == 2
    assert len(lines) == 1 and message in lines[0], lines


def test_unknown_command_is_one_line_and_exit_2(capsys):
    assert main(["frobnicate"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "invalid choice: 'frobnicate'" in lines[0]
