"""Superset configuration for bench/bi_superset.sh: a local, single-user Superset over the lake.

Loaded through SUPERSET_CONFIG_PATH; metadata in SQLite under $NEWSLAKE_SUPERSET_DIR.
"""

import os

_home = os.environ["NEWSLAKE_SUPERSET_DIR"]
SECRET_KEY = os.environ.get("NEWSLAKE_SUPERSET_SECRET_KEY", "newslake-local-bench-only-not-a-deployment-secret")
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_home}/superset.db"
# a local recipe: no Redis, no Celery, no rate limiting
RATELIMIT_STORAGE_URI = "memory://"
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache"}
TALISMAN_ENABLED = False
SQLLAB_ASYNC_TIME_LIMIT_SEC = 60
