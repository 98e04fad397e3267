"""The README documents what the code has: every setting and every CLI subcommand."""

import dataclasses
from pathlib import Path

from newslake.cli import build_parser
from newslake.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme():
    missing = [f.name for f in dataclasses.fields(Settings) if f"`{f.name}`" not in README and f" `{f.name}`," not in README]
    assert missing == []


def test_every_cli_subcommand_is_documented_in_the_readme():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    missing = [name for name in commands if f"newslake {name}" not in README and f"/{name} " not in README]
    assert missing == []
