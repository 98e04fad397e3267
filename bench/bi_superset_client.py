"""Superset as an analyst's client of the lake: register newslake.duckdb read-only, run the analyst
queries of docs/queries.md through Superset's REST API, compare them with `newslake sql`, build a
chart and screenshot it in headless Chromium.

Run by bench/bi_superset.sh with the Superset virtualenv's Python (requests, selenium and duckdb
come with Superset there); prints one line per check and a summary, exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

DATABASE_NAME = "newslake"
CHART_NAME = "Articles per source per UTC day (partition_date)"


def analyst_queries(markdown: str) -> list[tuple[str, str]]:
    """(heading, SQL) of every numbered query section of docs/queries.md."""
    sections = re.split(r"^## ", markdown, flags=re.M)[1:]
    out = []
    for section in sections:
        heading = section.splitlines()[0].strip()
        block = re.search(r"```sql\n(.*?)```", section, flags=re.S)
        if block and re.match(r"\d+\.", heading):
            out.append((heading, block.group(1).strip()))
    return out


def refresh_outputs(markdown: str, newslake: str, lake: Path) -> str:
    """docs/queries.md with the table after each SQL block replaced by the query's output on `lake`."""
    parts = re.split(r"(```sql\n.*?```\n)", markdown, flags=re.S)
    out = [parts[0]]
    for block, after in zip(parts[1::2], parts[2::2], strict=True):
        sql = block[len("```sql\n") : -len("```\n")]
        table = subprocess.run(
            [newslake, "sql", "--lake", str(lake), "--format", "markdown", "--limit", "0", sql], capture_output=True, text=True, check=True
        ).stdout
        old_table = re.match(r"\n(\|.*\n)+", after)
        out += [block, "\n" + table + after[old_table.end() :] if old_table else after]
    return "".join(out)


def normalise(value):
    """One comparable form for a cell from Superset's JSON or from `newslake sql --format json`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        number = float(value)
        return round(number, 6) if not math.isnan(number) else None
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T00:00:00(\.0+)?)?", text):
        return text[:10]
    try:
        return round(float(text), 6)
    except ValueError:
        return text


def epoch_ms_to_day(value):
    """Superset returns DATE columns as epoch milliseconds in SQL Lab results."""
    if isinstance(value, (int, float)) and value > 10**11:
        return dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc).date().isoformat()
    return value


class Superset:
    """A logged-in REST client (JWT + CSRF token on one session)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        token = self.http.post(f"{self.base}/api/v1/security/login", json={"username": username, "password": password, "provider": "db", "refresh": True}, timeout=30)
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        csrf = self.http.get(f"{self.base}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        self.http.headers["X-CSRFToken"] = csrf.json()["result"]
        self.http.headers["Referer"] = self.base

    def call(self, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, f"{self.base}{path}", timeout=120, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else {}

    def find(self, resource: str, field: str, value: str) -> int | None:
        query = f"(filters:!((col:{field},opr:eq,value:'{value}')))"
        result = self.call("GET", f"/api/v1/{resource}/", params={"q": query})["result"]
        return result[0]["id"] if result else None


def register_database(api: Superset, db_path: Path) -> int:
    """The lake as a Superset database: read-only (never locks out the pipeline or other readers), UTC sessions."""
    # lower-case "timezone": duckdb-engine then SETs it after connecting, when DuckDB can autoload
    # ICU; "TimeZone" goes into duckdb.connect's config and fails ("icu extension ... could not be
    # autoloaded"). The session zone otherwise follows the Superset server's TZ.
    extra = {"engine_params": {"connect_args": {"read_only": True, "config": {"timezone": "UTC"}}}}
    body = {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": f"duckdb:///{db_path.resolve()}",
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "extra": json.dumps(extra),
    }
    api.call("POST", "/api/v1/database/test_connection/", json={k: body[k] for k in ("database_name", "sqlalchemy_uri", "extra")})
    existing = api.find("database", "database_name", DATABASE_NAME)
    if existing:
        api.call("PUT", f"/api/v1/database/{existing}", json=body)
        return existing
    return api.call("POST", "/api/v1/database/", json=body)["id"]


def own_limit(sql: str) -> int | None:
    """The LIMIT closing a query, if any."""
    found = re.search(r"\bLIMIT\s+(\d+)\s*;?\s*$", sql, flags=re.I)
    return int(found.group(1)) if found else None


def run_sql(api: Superset, database_id: int, sql: str) -> tuple[list[str], list[tuple]]:
    """Run through SQL Lab. SQL Lab replaces a query's closing LIMIT with its row-limit selector
    (plus one row, to tell whether there are more), so the selector is set to the query's own LIMIT
    and the extra row dropped, as the SQL Lab page does."""
    limit = own_limit(sql) or 100000
    body = {"database_id": database_id, "sql": sql, "schema": "main", "runAsync": False, "queryLimit": limit}
    result = api.call("POST", "/api/v1/sqllab/execute/", json=body)
    columns = [c["column_name"] if isinstance(c, dict) else c for c in result.get("columns", [])]
    rows = [tuple(normalise(epoch_ms_to_day(row.get(c))) for c in columns) for row in result.get("data", [])]
    return columns, rows[:limit]


def newslake_sql(newslake: str, lake: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """The same query through `newslake sql` (Delta log -> Arrow, no views file): the reference."""
    out = subprocess.run([newslake, "sql", "--lake", str(lake), "--format", "json", "--limit", "0", sql], capture_output=True, text=True, check=True).stdout
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    columns = list(records[0]) if records else []
    return columns, [tuple(normalise(r[c]) for c in columns) for r in records]


def column_comments(api: Superset, database_id: int, table: str) -> dict[str, str | None]:
    """Column comments as Superset reflects them through duckdb-engine (what its dataset editor shows)."""
    meta = api.call("GET", f"/api/v1/database/{database_id}/table_metadata/", params={"name": table, "schema": "main"})
    return {c["name"]: c.get("comment") for c in meta.get("columns", [])}


def create_chart(api: Superset, database_id: int) -> tuple[int, dict]:
    """A bar chart of articles per source per UTC day over the `articles` view; returns (chart id, its data)."""
    dataset = api.find("dataset", "table_name", "articles")
    if dataset is None:
        dataset = api.call("POST", "/api/v1/dataset/", json={"database": database_id, "schema": "main", "table_name": "articles"})["id"]
    params = {
        "datasource": f"{dataset}__table",
        "viz_type": "echarts_timeseries_bar",
        "x_axis": "partition_date",
        "time_grain_sqla": "P1D",
        "metrics": ["count"],
        "groupby": ["source"],
        "adhoc_filters": [],
        "row_limit": 10000,
        "stack": "Stack",
        "show_legend": True,
        "x_axis_title": "partition_date (UTC day)",
        "x_axis_title_margin": 30,
        "y_axis_title_margin": 30,
        "y_axis_title": "articles",
    }
    chart = api.find("chart", "slice_name", CHART_NAME)
    body = {"slice_name": CHART_NAME, "viz_type": params["viz_type"], "datasource_id": dataset, "datasource_type": "table", "params": json.dumps(params)}
    if chart:
        api.call("PUT", f"/api/v1/chart/{chart}", json=body)
    else:
        chart = api.call("POST", "/api/v1/chart/", json=body)["id"]
    query_context = {
        "datasource": {"id": dataset, "type": "table"},
        "queries": [{"columns": ["partition_date", "source"], "metrics": ["count"], "row_limit": 10000, "orderby": [], "filters": []}],
        "result_format": "json",
        "result_type": "full",
    }
    data = api.call("POST", "/api/v1/chart/data", json=query_context)
    return chart, data


def settled_screenshot(driver, timeout_seconds: float = 30.0) -> bytes:
    """A PNG of the page once two consecutive shots agree: echarts animates its bars in."""
    deadline = time.monotonic() + timeout_seconds
    previous = driver.get_screenshot_as_png()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        current = driver.get_screenshot_as_png()
        if current == previous:
            return current
        previous = current
    return previous


def screenshot(base_url: str, username: str, password: str, chart_id: int, out: Path) -> None:
    """Log in through the form in headless Chromium and save the standalone chart page as PNG."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,700", "--hide-scrollbars"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(f"{base_url}/login/")
        wait = WebDriverWait(driver, 60)
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "input[name='username'], #username")))
        driver.find_element(By.CSS_SELECTOR, "input[name='username'], #username").send_keys(username)
        password_box = driver.find_element(By.CSS_SELECTOR, "input[name='password'], #password")
        password_box.send_keys(password, Keys.RETURN)
        wait.until(lambda d: "/login" not in d.current_url)
        driver.get(f"{base_url}/explore/?slice_id={chart_id}&standalone=1")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".chart-container canvas, .chart-container svg, canvas")))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(settled_screenshot(driver))
    finally:
        driver.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8088")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", required=True)
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--newslake", required=True, help="the project's newslake CLI (reference results)")
    parser.add_argument("--queries", type=Path, default=Path("docs/queries.md"))
    parser.add_argument("--screenshot", type=Path, default=Path("docs/bi_superset_chart.png"))
    parser.add_argument("--schema-json", type=Path, required=True, help="{view: {column: doc}} from schemas.py")
    parser.add_argument("--refresh-outputs", action="store_true", help="rewrite the output tables of --queries from the lake first")
    args = parser.parse_args(argv)

    started = time.monotonic()
    api = Superset(args.url, args.user, args.password)
    database_id = register_database(api, args.lake / "newslake.duckdb")
    print(f"database registered read-only: id {database_id}")
    failures = 0

    expected_docs = json.loads(args.schema_json.read_text())
    documented = total = 0
    for view, docs in expected_docs.items():
        seen = column_comments(api, database_id, view)
        for column, doc in docs.items():
            total += 1
            documented += seen.get(column) == doc
    print(f"column comments shown by Superset equal to schemas.py: {documented}/{total}")
    failures += documented != total

    if args.refresh_outputs:
        args.queries.write_text(refresh_outputs(args.queries.read_text(), args.newslake, args.lake))
        print(f"outputs in {args.queries} refreshed from {args.lake}")
    queries = analyst_queries(args.queries.read_text())
    equal = 0
    for heading, sql in queries:
        columns, rows = run_sql(api, database_id, sql)
        ref_columns, ref_rows = newslake_sql(args.newslake, args.lake, sql)
        same = columns == ref_columns and rows == ref_rows
        equal += same
        print(f"  {'equal' if same else 'DIFFERENT'}: {heading} ({len(rows)} rows via Superset, {len(ref_rows)} via newslake sql)")
        if not same:
            print(f"    superset: {columns} {rows[:3]}\n    newslake: {ref_columns} {ref_rows[:3]}")
    print(f"analyst queries equal through Superset and newslake sql: {equal}/{len(queries)}")
    failures += equal != len(queries)

    _, tz_rows = run_sql(api, database_id, "SELECT current_setting('TimeZone') AS tz")
    print(f"Superset session time zone: {tz_rows[0][0]}")
    failures += tz_rows[0][0] != "UTC"

    chart_id, data = create_chart(api, database_id)
    chart_rows = sorted((normalise(epoch_ms_to_day(r["partition_date"])), r["source"], normalise(r["count"])) for r in data["result"][0]["data"])
    _, ref = newslake_sql(args.newslake, args.lake, "SELECT partition_date, source, count(*) AS n FROM articles GROUP BY ALL ORDER BY ALL")
    same_chart = chart_rows == sorted(ref)
    print(f"chart {chart_id} data equal to newslake sql: {same_chart} ({len(chart_rows)} day x source points)")
    failures += not same_chart

    screenshot(args.url, args.user, args.password, chart_id, args.screenshot)
    print(f"screenshot: {args.screenshot} ({args.screenshot.stat().st_size} bytes)")
    print(f"client checks: {'all passed' if not failures else f'{failures} failed'} in {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
