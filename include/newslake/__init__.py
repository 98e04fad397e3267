"""newslake: a news data lake on Apache Airflow 3.

Stages (one module each): discover -> fetch -> extract (+ pubdate) -> enrich -> lake, wired by
`pipeline`; records and tables in `schemas`; settings and sources in `config`.
"""

__version__ = "0.1.0"
