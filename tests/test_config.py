import pytest

from newslake.config import Settings, parse_sources
from newslake.errors import ConfigError

GOOD = """
sources:
  - name: meridian
    timezone: Asia/Dubai
    feeds: ["http://127.0.0.1:8000/meridian/feed.xml"]
    sitemaps: http://127.0.0.1:8000/meridian/sitemap.xml
    politeness: {min_delay_seconds: 0.5, respect_robots: false}
  - name: harbour
    sitemaps: ["http://127.0.0.1:8000/harbour/news-sitemap.xml"]
"""


def test_valid_sources_parse_with_defaults():
    sources = parse_sources(GOOD)
    assert [s.name for s in sources] == ["meridian", "harbour"]
    assert sources[0].timezone == "Asia/Dubai"
    assert sources[0].sitemaps == ("http://127.0.0.1:8000/meridian/sitemap.xml",)
    assert sources[0].politeness.min_delay_seconds == 0.5 and sources[0].politeness.respect_robots is False
    assert sources[1].politeness.min_delay_seconds == 1.0 and sources[1].feeds == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources:\n  - name: a\n    feedz: [http://x/y]\n", "<sources>:3: unknown key 'feedz'"),
        ("sources:\n  - name: a\n    feeds: [ftp://x/y]\n", "<sources>:3: a.feeds entry 'ftp://x/y' is not an http(s) URL"),
        ("sources:\n  - name: a\n    feeds: [http://x/y]\n    timezone: Mars/Base\n", "<sources>:4: a.timezone 'Mars/Base' is not an IANA zone"),
        ("sources:\n  - name: a\n", "needs at least one of 'feeds', 'sitemaps' or 'warcs'"),
        ("sources:\n  - feeds: [http://x/y]\n", "<sources>:2: sources[0] has no 'name'"),
        ("sources:\n  - {name: a, feeds: [http://x]}\n  - {name: a, feeds: [http://y]}\n", "<sources>:3: duplicate source name 'a'"),
        ("sources:\n  - name: a\n    feeds: [http://x/y]\n    politeness: {min_delay_seconds: fast}\n", "<sources>:4: a.politeness.min_delay_seconds must be a number"),
        ("sources: [\n", "not valid YAML"),
        ("", "empty sources file"),
        ("feeds: []\n", "unknown key 'feeds'"),
    ],
)
def test_bad_sources_name_the_line_and_key(text, message):
    with pytest.raises(ConfigError) as info:
        parse_sources(text)
    assert message in str(info.value)


def test_settings_env_overrides_file(tmp_path):
    config = tmp_path / "newslake.yaml"
    config.write_text("batch_size: 10\nlake_root: /data/lake\n")
    settings = Settings.load(config, env={"NEWSLAKE_BATCH_SIZE": "25", "NEWSLAKE_STORAGE_AWS_REGION": "eu-west-1"})
    assert settings.batch_size == 25
    assert settings.lake_root == "/data/lake"
    assert settings.storage_options == {"AWS_REGION": "eu-west-1"}


@pytest.mark.parametrize(("env", "message"), [({"NEWSLAKE_BATCH_SIZE": "many"}, "'batch_size' must be a int"), ({"NEWSLAKE_MAX_RETRIES": "-1"}, "must not be negative")])
def test_bad_settings_are_reported(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load(env=env)


def test_unknown_setting_in_file_is_reported(tmp_path):
    config = tmp_path / "newslake.yaml"
    config.write_text("batch_sise: 10\n")
    with pytest.raises(ConfigError, match="unknown setting 'batch_sise'"):
        Settings.load(config, env={})
