"""``OUT/report.html``: one self-contained page on a batch run, written when the run ends.

What it shows comes from the run's own files (``runs/<run-id>/``): the manifest (status,
counts, signature, models), ``progress.jsonl`` (the counts after each group: the
throughput plot), ``articles.jsonl`` (each result's article size and seconds: the
time-by-length plot) and ``failures.jsonl`` (the failures table). The plots are inline
SVG and there is no script and nothing to fetch, so the page opens anywhere, offline,
mailed or archived. Like every output, it is written atomically.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from pipeline.batch.store import read_jsonl
from pipeline.files import write_atomic

WIDTH, HEIGHT, PAD = 560, 260, 44


def _scale(values: list[float], lo_px: float, hi_px: float):
    lo, hi = min(values, default=0.0), max(values, default=1.0)
    if hi <= lo:
        hi = lo + 1.0
    return lambda v: lo_px + (v - lo) / (hi - lo) * (hi_px - lo_px), lo, hi


def _axes(x_label: str, y_label: str, x_range: tuple[float, float], y_range: tuple[float, float]) -> str:
    left, bottom, right, top = PAD, HEIGHT - PAD, WIDTH - 12, 12
    return (
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#444"/>'
        f'<line x1="{left}" y1="{bottom}" x2="{left}" y2="{top}" stroke="#444"/>'
        f'<text x="{left}" y="{bottom + 16}" font-size="11">{x_range[0]:g}</text>'
        f'<text x="{right}" y="{bottom + 16}" font-size="11" text-anchor="end">{x_range[1]:g}</text>'
        f'<text x="{left - 4}" y="{bottom}" font-size="11" text-anchor="end">{y_range[0]:g}</text>'
        f'<text x="{left - 4}" y="{top + 10}" font-size="11" text-anchor="end">{y_range[1]:g}</text>'
        f'<text x="{(left + right) / 2}" y="{HEIGHT - 8}" font-size="12" text-anchor="middle">{x_label}</text>'
        f'<text x="14" y="{(top + bottom) / 2}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 14 {(top + bottom) / 2})">{y_label}</text>'
    )


def _svg(body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>{body}</svg>'
    )


def throughput_svg(timeline: list[dict[str, Any]]) -> str:
    """Articles done (cumulative) against seconds since the run started: the slope is the throughput."""
    points = [(0.0, 0.0), *((float(r["elapsed_s"]), float(r["done"])) for r in timeline)]
    x, x_lo, x_hi = _scale([p[0] for p in points], PAD, WIDTH - 12)
    y, y_lo, y_hi = _scale([p[1] for p in points], HEIGHT - PAD, 12)
    path = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in points)
    dots = "".join(f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="2.5" fill="#1f6fb2"/>' for a, b in points[1:])
    body = _axes("seconds since the run started", "articles done", (x_lo, round(x_hi, 1)), (y_lo, y_hi))
    return _svg(
        body + f'<polyline points="{path}" fill="none" stroke="#1f6fb2" stroke-width="1.5"/>' + dots,
        "articles done over time",
    )


def length_svg(articles: list[dict[str, Any]]) -> str:
    """Seconds per article against its length in characters."""
    rows = [(float(a["chars"]), float(a["seconds"])) for a in articles if a.get("chars") is not None]
    x, x_lo, x_hi = _scale([r[0] for r in rows], PAD, WIDTH - 12)
    y, y_lo, y_hi = _scale([r[1] for r in rows], HEIGHT - PAD, 12)
    dot = '<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="#b2541f" fill-opacity="0.7"/>'
    dots = "".join(dot.format(x(a), y(b)) for a, b in rows)
    body = _axes("article length (characters)", "seconds", (x_lo, x_hi), (round(y_lo, 3), round(y_hi, 3)))
    return _svg(body + dots, "seconds per article by length")


def _table(table_id: str, header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def to_html(manifest: dict[str, Any], timeline: list[dict], articles: list[dict], failures: list[dict]) -> str:
    """The page for one run."""
    m, c = manifest, manifest["counts"]
    summary = [
        ["run", m["run"]],
        ["status", m["status"] + (f" (exit {m['exit_code']})" if m.get("exit_code") is not None else "")],
        ["host", m["host"]],
        ["engine", m["engine"]],
        ["started", m["started"]],
        ["finished", m.get("finished") or "-"],
        ["articles", f"{c['total']} total: {c['done']} done, {c['skipped']} skipped, {c['failed']} failed"],
        ["ignored", f"{c.get('ignored', 0)} input entries not read"],
        ["throughput", f"{m['throughput']['articles_per_s']} articles/s"],
        ["wall", f"{m['timings']['wall_s']} s"],
    ]
    failure_rows = [
        [f.get("id") or f.get("source"), f.get("code"), f.get("stage") or "", f.get("message")] for f in failures
    ]
    ignored = m.get("ignored_files", [])
    ignored_rows = [[x.get("path"), x.get("reason"), x.get("detail")] for x in ignored if isinstance(x, dict)]
    listed = f", the first {len(ignored_rows)} listed" if c.get("ignored", 0) > len(ignored_rows) else ""
    model_rows = [
        [x.get("stage"), x.get("name"), x.get("revision"), x.get("backend"), x.get("quantization"), x.get("device")]
        for x in m["models"]
    ]
    style = (
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
        "pre{white-space:pre-wrap;word-break:break-all;background:#f5f5f5;padding:.6em}"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>precis batch report</title><style>{style}</style></head>
<body>
<h1>precis batch run {html.escape(m["run"])}</h1>
{_table("summary", ["field", "value"], summary)}
<h2>Throughput</h2>
<figure id="plot-throughput">{throughput_svg(timeline)}</figure>
<h2>Time per article by length</h2>
<figure id="plot-length">{length_svg(articles)}</figure>
<h2>Failures ({len(failures)})</h2>
{_table("failures", ["id (or source)", "code", "stage", "message"], failure_rows)}
<h2>Input entries not read ({c.get("ignored", 0)}{listed})</h2>
{_table("ignored", ["path", "reason", "detail"], ignored_rows)}
<h2>Signature and models</h2>
<pre id="signature">{html.escape(m["signature"])}</pre>
{_table("models", ["stage", "name", "revision", "backend", "quantization", "device"], model_rows)}
</body></html>
"""


def write_report(out: Path, manifest: dict[str, Any]) -> Path:
    """Write ``out/report.html`` for the run of ``manifest`` (as manifest.json has it), from its files.

    Raises:
        OutputError: the page can't be written.
    """
    run_dir = out / "runs" / manifest["run"]
    page = to_html(
        manifest,
        list(read_jsonl(run_dir / "progress.jsonl")),
        list(read_jsonl(run_dir / "articles.jsonl")),
        list(read_jsonl(run_dir / "failures.jsonl")),
    )
    path = out / "report.html"
    write_atomic(path, page.encode("utf-8", "backslashreplace"))  # a path that isn't UTF-8 shown as \\udcXX
    return path
