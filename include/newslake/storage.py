"""Where the lake lives: a local folder or an S3-compatible bucket, behind one pyarrow filesystem.

`LakeLocation` turns the configured `lake_root` (`./lake` or `s3://bucket/prefix`) plus storage
options (endpoint, keys, region; from env or an Airflow connection, never from code) into what
pyarrow (staging, WARC) and deltalake (tables) each need.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from pyarrow import fs as pafs

from newslake.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class LakeLocation:
    root: str  # absolute local path or s3://bucket/prefix (no trailing slash)
    storage_options: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_settings(cls, lake_root: str, storage_options: Mapping[str, str] | None = None) -> LakeLocation:
        scheme = urlsplit(lake_root).scheme
        if scheme in {"", "file"}:
            path = lake_root[len("file://") :] if scheme == "file" else lake_root
            return cls(os.path.abspath(path), {})
        if scheme in {"s3", "s3a"}:
            return cls("s3://" + lake_root.split("://", 1)[1].rstrip("/"), dict(storage_options or {}))
        raise ConfigError(f"lake_root '{lake_root}' is not supported: use a local path or s3://bucket/prefix")

    @property
    def is_local(self) -> bool:
        return not self.root.startswith("s3://")

    def uri(self, *parts: str) -> str:
        """Table or file URI under the lake root (what deltalake takes)."""
        return "/".join([self.root, *parts])

    def delta_options(self) -> dict[str, str] | None:
        if self.is_local:
            return None
        options = {k.upper(): v for k, v in self.storage_options.items()}
        if options.get("AWS_ENDPOINT_URL", "").startswith("http://"):
            options.setdefault("AWS_ALLOW_HTTP", "true")
        # SeaweedFS/MinIO honour If-None-Match, so Delta's safe conditional commits work on them
        options.setdefault("AWS_CONDITIONAL_PUT", "etag")
        return options

    @property
    def path(self) -> str:
        """The lake root as a path inside `filesystem()` (no scheme), without building the filesystem."""
        return self.root if self.is_local else self.root[len("s3://") :]

    def filesystem(self) -> tuple[pafs.FileSystem, str]:
        """(pyarrow filesystem, path of the lake root inside it)."""
        if self.is_local:
            return pafs.LocalFileSystem(), self.path
        options = {k.upper(): v for k, v in self.storage_options.items()}
        endpoint = options.get("AWS_ENDPOINT_URL", "")
        parts = urlsplit(endpoint) if endpoint else None
        s3 = pafs.S3FileSystem(
            access_key=options.get("AWS_ACCESS_KEY_ID"),
            secret_key=options.get("AWS_SECRET_ACCESS_KEY"),
            region=options.get("AWS_REGION", "us-east-1"),
            endpoint_override=parts.netloc if parts else None,
            scheme=parts.scheme if parts else "https",
        )
        return s3, self.path
