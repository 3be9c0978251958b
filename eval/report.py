"""Writes an eval report: JSON (every number), Markdown (tables), HTML (tables, plots, outputs).

The HTML page is self-contained: inline CSS, plots as inline SVG drawn here, no script
and no external resource, so it opens anywhere and can be archived with the run.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

METRIC_LABELS = {
    "rouge1": "ROUGE-1",
    "rouge2": "ROUGE-2",
    "rougeL": "ROUGE-L",
    "rougeLsum": "ROUGE-Lsum",
    "bertscore": "BERTScore",
    "bleu": "BLEU",
    "chrf": "chrF",
}
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def _metrics(report: dict[str, Any]) -> list[str]:
    seen = {m for s in report["systems"] for m in s["scores"]}
    return [m for m in METRIC_LABELS if m in seen]


def _cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "–"
    low, high = entry["ci"]
    return f"{entry['value']:.2f} [{low:.2f}, {high:.2f}]"


def _p(entry: dict[str, Any] | None) -> str:
    if entry is None or "p_vs_baseline" not in entry:
        return "–"
    return f"{entry['p_vs_baseline']:.3f}"


def _cost_rows(report: dict[str, Any]) -> list[list[str]]:
    def fmt(cost: dict[str, float], key: str, digits: int = 3) -> str:
        return f"{cost[key]:.{digits}f}" if key in cost else "–"

    return [
        [
            s["name"],
            fmt(s["cost"], "translate_s_per_article"),
            fmt(s["cost"], "summarize_s_per_article"),
            fmt(s["cost"], "translate_tokens_per_s", 0),
            fmt(s["cost"], "summarize_tokens_per_s", 0),
            s.get("translation_of") or "",
        ]
        for s in report["systems"]
    ]


COST_HEADER = [
    "system",
    "translate s/article",
    "summarize s/article",
    "translate tokens/s",
    "summarize tokens/s",
    "translation from",
]


FAITHFULNESS_HEADER = [
    "system",
    "low-confidence segments",
    "mismatched segments",
    "unsupported summary sentences",
]


def _faithfulness_rows(report: dict[str, Any]) -> list[list[str]]:
    """Per system: the share of its output each check flags (eval.faithfulness), as "4.17% (2/48)"."""

    def fmt(entry: dict[str, Any] | None) -> str:
        if entry is None or entry["percent"] is None:
            return "–"
        return f"{entry['percent']:.2f}% ({entry['flagged']}/{entry['total']})"

    rows = []
    for s in report["systems"]:
        f = s.get("faithfulness") or {}
        rows.append([s["name"], *(fmt(f.get(c)) for c in ("low_confidence", "mismatched", "unsupported"))])
    return rows


def to_markdown(report: dict[str, Any]) -> str:
    metrics = _metrics(report)
    lines = [
        "# precis eval report",
        "",
        f"Dataset: {report['reproducibility']['dataset']}",
        f"Baseline for p-values: `{report['baseline']}`",
        "",
        "## Scores (mean, 95% bootstrap interval)",
        "",
        "| system | " + " | ".join(METRIC_LABELS[m] for m in metrics) + " |",
        "|---|" + "---|" * len(metrics),
    ]
    for s in report["systems"]:
        lines.append(f"| {s['name']} | " + " | ".join(_cell(s["scores"].get(m)) for m in metrics) + " |")
    lines += [
        "",
        f"## Paired bootstrap p-values against `{report['baseline']}`",
        "",
        "| system | " + " | ".join(METRIC_LABELS[m] for m in metrics) + " |",
        "|---|" + "---|" * len(metrics),
    ]
    for s in report["systems"]:
        lines.append(f"| {s['name']} | " + " | ".join(_p(s["scores"].get(m)) for m in metrics) + " |")
    lines += ["", "## Cost", "", "| " + " | ".join(COST_HEADER) + " |", "|---" * len(COST_HEADER) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in _cost_rows(report)]
    lines += [
        "",
        "## Faithfulness (share of output the checks flag; lower is better)",
        "",
        "| " + " | ".join(FAITHFULNESS_HEADER) + " |",
        "|---" * len(FAITHFULNESS_HEADER) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in _faithfulness_rows(report)]
    lines += ["", "## Signatures", ""]
    lines += [f"- {k}: `{v}`" for k, v in report["signatures"].items()]
    versions = ", ".join(f"{k} {v}" for k, v in report["reproducibility"]["versions"].items())
    lines += [f"- versions: {versions}"]
    for s in report["systems"]:
        models = "; ".join(f"{m['stage']}: {m['name']}@{m['revision']} ({m['dtype']})" for m in s["models"])
        if s.get("signature") or models:
            lines.append(f"- {s['name']}: {models or 'no model'}; signature `{s.get('signature') or '–'}`")
    return "\n".join(lines) + "\n"


# --- HTML ------------------------------------------------------------------------


def _svg_distribution(report: dict[str, Any], metric: str = "rougeL") -> str:
    """Per-system strip plot of per-document scores, with the mean as a bar."""
    names = [s["name"] for s in report["systems"]]
    width, height, left, bottom, top = 120 + 110 * len(names), 300, 50, 40, 20
    plot_h = height - bottom - top
    values = [[d["rougeL"][n] for d in report["documents"]] for n in names]
    high = max([v for vs in values for v in vs] + [1.0])
    y_max = min(100.0, high * 1.1)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{METRIC_LABELS[metric]} F per document, by system">'
    ]
    for tick in range(0, 6):
        v = y_max * tick / 5
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">{v:.0f}</text>')
    for i, (name, vs) in enumerate(zip(names, values, strict=True)):
        cx = left + 60 + 110 * i
        color = PALETTE[i % len(PALETTE)]
        for j, v in enumerate(vs):
            jitter = (j % 7 - 3) * 4
            parts.append(
                f'<circle cx="{cx + jitter}" cy="{y(v):.1f}" r="3.5" fill="{color}" fill-opacity="0.6">'
                f"<title>{html.escape(report['documents'][j]['id'])}: {v:.2f}</title></circle>"
            )
        mean = sum(vs) / len(vs) if vs else 0.0
        parts.append(
            f'<line x1="{cx - 22}" x2="{cx + 22}" y1="{y(mean):.1f}" y2="{y(mean):.1f}" '
            'stroke="#000" stroke-width="2"/>'
        )
        parts.append(f'<text x="{cx}" y="{height - 15}" font-size="12" text-anchor="middle">{html.escape(name)}</text>')
    parts.append(
        f'<text x="14" y="{top + plot_h / 2}" font-size="12" transform="rotate(-90 14 {top + plot_h / 2})" '
        f'text-anchor="middle">{METRIC_LABELS[metric]} F</text></svg>'
    )
    return "".join(parts)


def _svg_length(report: dict[str, Any]) -> str:
    """ROUGE-L F against article length, one colour per system."""
    names = [s["name"] for s in report["systems"]]
    docs = report["documents"]
    width, height, left, bottom, top, right = 640, 320, 50, 45, 20, 150
    plot_w, plot_h = width - left - right, height - top - bottom
    x_max = max([d["length_words"] for d in docs] + [1]) * 1.05
    y_max = min(100.0, max([v for d in docs for v in d["rougeL"].values()] + [1.0]) * 1.1)

    def px(v: float) -> float:
        return left + plot_w * v / x_max

    def py(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="ROUGE-L F against article length">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>',
    ]
    for tick in range(0, 6):
        xv, yv = x_max * tick / 5, y_max * tick / 5
        parts.append(
            f'<text x="{px(xv):.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle">{xv:.0f}</text>'
        )
        parts.append(f'<text x="{left - 6}" y="{py(yv) + 4:.1f}" font-size="11" text-anchor="end">{yv:.0f}</text>')
    for i, name in enumerate(names):
        color = PALETTE[i % len(PALETTE)]
        for d in docs:
            v = d["rougeL"][name]
            parts.append(
                f'<circle cx="{px(d["length_words"]):.1f}" cy="{py(v):.1f}" r="4" fill="{color}" fill-opacity="0.7">'
                f"<title>{html.escape(name)} / {html.escape(d['id'])}: {v:.2f}</title></circle>"
            )
        ly = top + 14 + 18 * i
        parts.append(f'<circle cx="{width - right + 16}" cy="{ly - 4}" r="5" fill="{color}"/>')
        parts.append(f'<text x="{width - right + 26}" y="{ly}" font-size="12">{html.escape(name)}</text>')
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 8}" font-size="12" text-anchor="middle">'
        "article length (words)</text>"
    )
    parts.append(
        f'<text x="14" y="{top + plot_h / 2}" font-size="12" transform="rotate(-90 14 {top + plot_h / 2})" '
        f'text-anchor="middle">ROUGE-L F</text></svg>'
    )
    return "".join(parts)


def _table(header: list[str], rows: list[list[str]], table_id: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f3f3f3}td{font-variant-numeric:tabular-nums}code{background:#f3f3f3;padding:1px 3px}
.outputs{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:8px}
.outputs div{border:1px solid #ddd;padding:6px;border-radius:4px}.outputs h4{margin:0 0 4px 0}
details{margin:6px 0}summary{cursor:pointer}.small{font-size:0.85em;color:#555}
"""


def to_html(report: dict[str, Any]) -> str:
    metrics = _metrics(report)
    esc = html.escape
    header = ["system", *[METRIC_LABELS[m] for m in metrics]]
    scores = [[s["name"], *[_cell(s["scores"].get(m)) for m in metrics]] for s in report["systems"]]
    pvalues = [[s["name"], *[_p(s["scores"].get(m)) for m in metrics]] for s in report["systems"]]
    docs = []
    for d in report["documents"]:
        boxes = "".join(
            f"<div><h4>{esc(name)} <span class='small'>ROUGE-L {d['rougeL'][name]:.1f}</span></h4>"
            f"<p>{esc(text)}</p></div>"
            for name, text in d["outputs"].items()
        )
        docs.append(
            f"<details><summary>{esc(d['id'])} <span class='small'>({d['length_words']} words)</span></summary>"
            f"<div class='outputs'><div><h4>reference</h4><p>{esc(d['reference'])}</p></div>{boxes}</div></details>"
        )
    signatures = "".join(f"<li>{esc(k)}: <code>{esc(str(v))}</code></li>" for k, v in report["signatures"].items())
    signatures += "".join(
        f"<li>{esc(s['name'])}: <code>{esc(s['signature'])}</code></li>"
        for s in report["systems"]
        if s.get("signature")
    )
    versions = ", ".join(f"{k} {v}" for k, v in report["reproducibility"]["versions"].items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>precis eval report</title>
<style>{CSS}</style></head><body>
<h1>precis eval report</h1>
<p>Dataset: <code>{esc(json.dumps(report["reproducibility"]["dataset"]))}</code><br>
Baseline for p-values: <code>{esc(report["baseline"])}</code></p>
<h2>Scores</h2><p class="small">Mean over documents (corpus score for BLEU and chrF), with a 95% bootstrap interval.</p>
{_table(header, scores, "scores")}
<h2>Significance</h2><p class="small">Two-sided paired bootstrap p-values against {esc(report["baseline"])}.</p>
{_table(header, pvalues, "pvalues")}
<h2>Cost</h2>
{_table(COST_HEADER, _cost_rows(report), "cost")}
<h2>Faithfulness</h2><p class="small">Share of each system's output its checks flag, lower is better:
translated segments flagged low-confidence and mismatched (a number, date or name of the French
missing), summary sentences with a number or name the translation lacks; – where the system ran no such check.</p>
{_table(FAITHFULNESS_HEADER, _faithfulness_rows(report), "faithfulness")}
<h2>ROUGE-L per document</h2>
<figure id="plot-distribution">{_svg_distribution(report)}</figure>
<h2>ROUGE-L against article length</h2>
<figure id="plot-length">{_svg_length(report)}</figure>
<h2>Outputs, side by side</h2>
{"".join(docs)}
<h2>Reproducibility</h2><ul>{signatures}<li>versions: {esc(versions)}</li></ul>
</body></html>
"""


def write(report: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.md and report.html into ``out_dir`` (each atomically); return their paths.

    Raises:
        OutputError: ``out_dir`` is a file or can't be written.
    """
    from pipeline.files import output_folder, write_atomic

    output_folder(out_dir)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md", "html": out_dir / "report.html"}
    texts = {"json": json.dumps(report, ensure_ascii=False, indent=1) + "\n", "md": to_markdown(report)}
    texts["html"] = to_html(report)
    for kind, path in paths.items():
        write_atomic(path, texts[kind].encode("utf-8"))
    return paths
