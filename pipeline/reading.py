"""The reading view: one processed article as a self-contained HTML page (``--format html``).

The page shows the summary, each sentence followed by links to the paragraphs that
support it (``doc.annotations["support"]``, when the support stage ran); then the French
and the English side by side, one row per paragraph, each sentence led by its number
(``§3``, the number the warnings give it; ``id="s-3"`` on the English one). A translated
sentence a stage flagged is highlighted, one cue per kind of flag so that they combine: a
fill for a ``mismatch:KIND`` (strong evidence: a number, date or name lost), a dotted
underline for a ``check:KIND`` (weaker evidence, a quiet note), a bar under the line for
``low_confidence``, a dashed frame for ``degenerate:REASON``. Each reason is written
under its row in plain words (``§3 mismatch: name 'Pentagone' (Pentagon): not found in
the English``) and again in the sentence's ``title``; the French words the English lost
are underlined. A summary sentence or item the translation doesn't support is highlighted
too. Then the links, the warnings (their ``segment N`` and ``paragraph N`` link to the
row), and what produced the output (signature, models, versions, config), as the JSON
has them.

Everything is escaped with ``html.escape``; the page has inline CSS and no script, and
its Content-Security-Policy forbids loading anything, so it opens anywhere, offline, and
can be archived as it is. The only URLs are the article's own links (http, https,
mailto), which a reader may follow, percent-encoded by ``io.link_target``; a relative
target is shown as text, and a link with another scheme (javascript:, data:) is dropped
with a warning (``io.safe_links``).
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from pipeline.document import Document, Paragraph, Segment
from pipeline.io import is_absolute, link_target, safe_links, title_of
from pipeline.reading_style import CSS

# Highlight class -> its legend entry. The class is also the flag's name (before any ":").
HIGHLIGHTS = {
    "mismatch": "mismatch: a number, date or name of the French is missing from the English",
    "check": "check: weaker evidence that something may be missing: worth a look",
    "low_confidence": "low confidence: the translator scored its own output low",
    "degenerate": "degenerate: the translation still looked broken after a retry",
    "unsupported": "unsupported: the summary says it, the translation doesn't",
}
NOTES = {
    "retried": "retried with safer settings",
    "verbatim": "copied as it is (code), not translated",
    "markup:moved": "inline markup moved to the end of the sentence",
}
# The consistency stage's severities (``expected`` items' ``severity``, and flag prefixes);
# an item without one is a mismatch (documents written before severities), and an item
# without a ``reason`` gets this one.
SEVERITIES = {"mismatch": "not found in the English", "check": "may be missing from the English"}
NO_SUPPORT = "matches no sentence of the translation"
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def segment_reasons(seg: Segment) -> tuple[list[str], list[str]]:
    """The highlight classes of a segment's flags, and the reasons and notes its title gives, in flag order."""
    reasons = flag_reasons(seg)
    return list(dict.fromkeys(cls for cls, _ in reasons if cls)), [text for _, text in reasons]


def flag_reasons(seg: Segment) -> list[tuple[str, str]]:
    """Each reason and note of a segment's flags, in flag order, with its highlight class ("" for a note).

    A ``mismatch:`` or ``check:`` flag gives a line per item of that severity the
    consistency stage found missing (its ``reason``, or one built from its kind and
    text; an item found twice is written once), then one per flagged kind no item explains.
    """
    out: list[tuple[str, str]] = []
    for flag in seg.flags:
        name, _, value = flag.partition(":")
        if name in SEVERITIES:
            if any(cls == name for cls, _ in out):
                continue
            items = [item for item in _lost(seg) if _severity(item) == name]
            lines = dict.fromkeys(f"{name}: {_describe(item)}: {_reason(item)}" for item in items)  # once each
            out += [(name, line) for line in lines]
            explained = {str(item.get("kind", "")) for item in items}
            kinds = dict.fromkeys(f.partition(":")[2] for f in seg.flags if f.partition(":")[0] == name)
            out += [
                (name, f"{name}: {kind}: {SEVERITIES[name]}" if kind else f"{name}: {SEVERITIES[name]}")
                for kind in kinds
                if kind not in explained and (kind or not items)
            ]
        elif name == "low_confidence":
            logprob = (seg.annotations.get("confidence") or {}).get("logprob")
            number = isinstance(logprob, int | float) and not isinstance(logprob, bool)
            out.append((name, f"low confidence (log-probability {logprob:.2f})" if number else "low confidence"))
        elif name == "degenerate":
            out.append((name, f"degenerate translation: {value.replace('_', ' ')}"))
        elif name == "split" and value.isdigit():
            out.append(("", f"translated in {value} pieces (longer than the model's input window)"))
        else:
            out.append(("", NOTES.get(flag, flag)))
    return out


def _severity(item: dict[str, Any]) -> str:
    """``mismatch`` or ``check``: an item's severity (absent or unknown: ``mismatch``, as before severities)."""
    severity = item.get("severity")
    return severity if isinstance(severity, str) and severity in SEVERITIES else "mismatch"


def _reason(item: dict[str, Any]) -> str:
    """An item's reason, in words: its own, or what its severity means."""
    reason = item.get("reason")
    return " ".join(reason.split()) if isinstance(reason, str) and reason.strip() else SEVERITIES[_severity(item)]


def _lost(seg: Segment) -> list[dict[str, Any]]:
    """What the consistency stage found missing from the segment's English (``[]`` if it didn't run)."""
    found = seg.annotations.get("consistency")
    expected = found.get("expected") if isinstance(found, dict) else None
    return [item for item in expected if isinstance(item, dict)] if isinstance(expected, list) else []


def _describe(item: dict[str, Any], text: str = "source") -> str:
    """An item as the warnings write it: ``number '10 milliards' (10000000000)``, ``name 'Google'``."""
    kind, source, value = (str(item.get(k, "")) for k in ("kind", text, "value"))
    return f"{kind} {source!r}" if value in ("", source) else f"{kind} {source!r} ({value})"


def _marked(text: str, marks: list[tuple[str, str, str]]) -> str:
    """``text`` escaped, with the first free occurrence of each ``(needle, class, title)`` in a <mark>."""
    spans: list[tuple[int, int, str, str]] = []
    for needle, cls, title in marks:
        start = text.find(needle) if needle else -1
        while start >= 0 and any(start < e and start + len(needle) > s for s, e, _, _ in spans):
            start = text.find(needle, start + 1)
        if start >= 0:
            spans.append((start, start + len(needle), cls, title))
    out, pos = [], 0
    for start, end, cls, title in sorted(spans):
        out.append(
            f'{escape(text[pos:start])}<mark class="{cls}" title="{escape(title)}">{escape(text[start:end])}</mark>'
        )
        pos = end
    return "".join(out) + escape(text[pos:])


def _segment(seg: Segment, side: str) -> str:
    """One sentence's span: the French with its lost items underlined, or the English with its highlights."""
    if side == "fr":
        marks = [
            (str(i.get("source", "")), "lost" if _severity(i) == "mismatch" else "lost check", _lost_title(i))
            for i in _lost(seg)
        ]
        return f'<span class="seg" id="fr-{seg.index}">{_marked(seg.source, marks)}</span>'
    classes, lines = segment_reasons(seg)
    text = escape(seg.translation) if seg.translation is not None else '<i class="small">(not translated)</i>'
    cls = "seg hl " + " ".join(classes) if classes else "seg note" if lines else "seg"
    title = f' title="{escape(chr(10).join([f"segment {seg.index}", *lines]))}"' if lines else ""
    flags = f' data-flags="{escape(" ".join(seg.flags))}"' if seg.flags else ""
    return f'<span class="{cls}" id="en-{seg.index}"{flags}{title}>{text}</span>'


def _lost_title(item: dict[str, Any]) -> str:
    """A lost French item's title: ``name 'Pentagone' (Pentagon): not found in the English``."""
    return f"{_describe(item)}: {_reason(item)}"


def _numbered(segs: list[Segment], side: str) -> str:
    """A paragraph's (or cell's) sentences, each led by its number; the English one is its anchor, ``s-N``."""
    anchor = ' id="s-{}"' if side == "en" else ""
    return " ".join(f'<span class="sn"{anchor.format(s.index)}>§{s.index}</span>{_segment(s, side)}' for s in segs)


def _notes(segs: list[Segment]) -> str:
    """Under a row, the reason of each highlight of its sentences, in words: ``§3 mismatch: ...``.

    A sentence's reasons go in the legend's order (mismatches first), each led by the
    sentence's number with its highlight's cue.
    """
    order = list(HIGHLIGHTS)
    items = [
        f'<li><span class="cue {cls}">§{seg.index}</span> {escape(text)}</li>'
        for seg in segs
        for cls, text in sorted((r for r in flag_reasons(seg) if r[0]), key=lambda r: order.index(r[0]))
    ]
    return f'<ul class="reasons">{"".join(items)}</ul>' if items else ""


def _emphasis(para: Paragraph, inner: str) -> str:
    """The markup wrapping a whole paragraph: ``*``/``_`` italics, ``**``/``__`` bold."""
    if not para.emphasis or para.kind == "code":
        return inner
    return f"<strong>{inner}</strong>" if len(para.emphasis) > 1 else f"<em>{inner}</em>"


def _block(para: Paragraph, inner: str) -> str:
    """A paragraph's sentences laid out as its kind: heading, list item, quote, code or text."""
    inner = _emphasis(para, inner)
    if para.kind == "heading":
        level = min(6, para.level + 1)
        return f"<h{level}>{inner}</h{level}>"
    if para.kind == "list_item":
        marker = escape(para.marker) if para.marker[:1].isdigit() else "•"
        return f'<p class="item" style="margin-left:{1.2 * para.level:g}em">{marker} {inner}</p>'
    if para.kind == "quote":
        return f"<blockquote>{inner}</blockquote>"
    if para.kind == "code":
        return f"<pre><code>{inner}</code></pre>"
    return f"<p>{inner}</p>"


def _row(row_id: str, number: int, fr: str, en: str, kind: str, notes: str) -> str:
    return (
        f'<div class="row kind-{kind}" id="{row_id}"><div class="n">¶{number}</div>'
        f'<div class="fr" lang="fr">{fr}</div><div class="en" lang="en">{en}</div>{notes}</div>'
    )


def _table(cells: list[Paragraph], by_para: dict[int, list[Segment]], side: str) -> str:
    """One table of the article, rebuilt from its cells; on the English side each cell is a link target."""
    grid = {(p.cell.row, p.cell.column): p for p in cells if p.cell is not None}
    rows = []
    for r in range(1 + max(r for r, _ in grid)):
        row = []
        for c in range(1 + max(c for _, c in grid)):
            para = grid.get((r, c))
            tag = "th" if r == 0 else "td"
            if para is None:
                row.append(f"<{tag}></{tag}>")
                continue
            inner = _emphasis(para, _numbered(by_para.get(para.index, []), side))
            align = f' style="text-align:{para.cell.align}"' if para.cell and para.cell.align else ""
            cell_id = f' id="p-{para.index}"' if side == "en" else ""
            row.append(f"<{tag}{cell_id}{align}>{inner}</{tag}>")
        rows.append("<tr>" + "".join(row) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _parallel(doc: Document) -> str:
    """The French and the English side by side, one row per paragraph (one per table)."""
    by_para: dict[int, list[Segment]] = {}
    for seg in doc.segments:
        by_para.setdefault(seg.paragraph, []).append(seg)
    tables: dict[int, list[Paragraph]] = {}
    for para in doc.paragraphs:
        if para.cell is not None:
            tables.setdefault(para.cell.table, []).append(para)
    rows = ['<div class="row head"><div></div><div>French</div><div>English</div></div>']
    for para in doc.paragraphs:
        if para.cell is not None:
            cells = tables.pop(para.cell.table, None)
            if cells:  # the table is written at its first cell
                fr, en = _table(cells, by_para, "fr"), _table(cells, by_para, "en")
                segs = sorted((s for c in cells for s in by_para.get(c.index, [])), key=lambda s: s.index)
                rows.append(_row(f"table-{para.cell.table}", para.index, fr, en, "table", _notes(segs)))
            continue
        segs = by_para.get(para.index, [])
        fr, en = _block(para, _numbered(segs, "fr")), _block(para, _numbered(segs, "en"))
        rows.append(_row(f"p-{para.index}", para.index, fr, en, para.kind, _notes(segs)))
    return '<div class="parallel">' + "".join(rows) + "</div>"


def _summary(doc: Document) -> str:
    """The summary, each sentence followed by links to its supporting paragraphs when the support stage ran."""
    if not doc.summary:
        if doc.failure is not None:
            return f'<p class="meta">No summary: the {escape(doc.failure.stage)} stage failed.</p>'
        return '<p class="meta">No summary (the pipeline has no summarize stage).</p>'
    support = doc.annotations.get("support")
    entries = support.get("sentences") if isinstance(support, dict) else None
    notes = [f"Summarized in {doc.summary_chunks} chunks."] if doc.summary_chunks > 1 else []
    if isinstance(entries, list):
        method = f" ({escape(str(support['method']))})" if support.get("method") else ""
        notes.append(f"¶ links: the paragraphs each sentence rests on, best first{method}.")
    else:
        from pipeline.sentences import split_english  # pysbd, only for a summary without support

        entries, support = [{"text": t} for t in split_english(doc.summary)], None
    paragraph_of = {s.index: s.paragraph for s in doc.segments}
    sentences = [e for e in entries if isinstance(e, dict)]
    text = " ".join(_sentence(n, e, paragraph_of, support is not None) for n, e in enumerate(sentences))
    note = f'<p class="small">{" ".join(notes)}</p>' if notes else ""
    return f'<p id="summary-text">{text}</p>{note}'


def _sentence(n: int, entry: dict[str, Any], paragraph_of: dict[int, int], supported: bool) -> str:
    """A summary sentence: its unsupported items marked, then its paragraph links (none: all of it unsupported)."""
    items = [u for u in entry.get("unsupported") or [] if isinstance(u, dict)]
    marks = [
        (str(u.get("text", "")), "hl unsupported", f"{_describe(u, 'text')}: not in the translation") for u in items
    ]
    refs: dict[int, list[str]] = {}
    scores = entry.get("scores") or []
    for i, index in enumerate(entry.get("support") or []):
        if isinstance(index, int) and index in paragraph_of:
            score = f" (score {scores[i]:.2f})" if i < len(scores) and isinstance(scores[i], int | float) else ""
            refs.setdefault(paragraph_of[index], []).append(f"segment {index}{score}")
    body = _marked(str(entry.get("text", "")), marks)
    if supported and not refs:
        return f'<span class="sentence hl unsupported" id="sum-{n}" title="{NO_SUPPORT}">{body}</span>'
    links = "".join(f'<a href="#p-{p}" title="{escape(", ".join(t))}">¶{p}</a>' for p, t in refs.items())
    return f'<span class="sentence" id="sum-{n}">{body}</span>' + (f'<sup class="refs">{links}</sup>' if links else "")


def _legend(doc: Document, summary: str) -> str:
    """What each highlight means, with how many this page has (the summary's counted in its HTML)."""
    counts = {name: 0 for name in HIGHLIGHTS}
    for seg in doc.segments:
        for name in segment_reasons(seg)[0]:
            counts[name] += 1
    counts["unsupported"] = summary.count("hl unsupported")
    items = [
        f'<li{"" if counts[name] else " class=none"}><span class="swatch {name}"></span>{escape(text)}'
        f" ({counts[name]})</li>"
        for name, text in HIGHLIGHTS.items()
    ]
    items += [
        '<li><span class="swatch mismatch low_confidence"></span>cues combine: a mismatch, in low confidence</li>',
        '<li><mark class="lost sample">10 milliards</mark> French the English lost</li>',
        '<li><mark class="lost check sample">Keith</mark> French the English may have lost (check)</li>',
        '<li><span class="sn">§3</span> a sentence\'s number, as the warnings give it; '
        "its reasons are written under its paragraph</li>",
        '<li><span class="note">dotted</span> split, retried or verbatim: hover for what was done</li>',
    ]
    return '<ul class="legend" id="legend">' + "".join(items) + "</ul>"


_REFERENCE = re.compile(r"\b(segment|paragraph) (\d+)\b")


def _warning(text: str, doc: Document) -> str:
    """A warning, escaped, its ``segment N`` and ``paragraph N`` linked to where they are on the page."""
    targets = {"segment": ("s", {s.index for s in doc.segments}), "paragraph": ("p", {p.index for p in doc.paragraphs})}

    def link(match: re.Match[str]) -> str:
        prefix, indices = targets[match[1]]
        return f'<a href="#{prefix}-{match[2]}">{match[0]}</a>' if int(match[2]) in indices else match[0]

    return _REFERENCE.sub(link, escape(text))  # the pattern matches no character escape() writes


def _links(doc: Document) -> str:
    rows = []
    for para in doc.paragraphs:
        for label, url in para.links:
            safe = link_target(url)  # None: javascript:, data:... (safe_links dropped them already)
            if safe is None or safe == "#":
                continue
            target = escape(safe)
            if is_absolute(safe):  # a relative target points into the article's site: text, not a link
                target = f'<a href="{target}" rel="noopener noreferrer">{target}</a>'
            rows.append(f"<li>¶{para.index} {escape(label)}: {target}</li>")
    return f'<h2>Links</h2><ul id="links">{"".join(rows)}</ul>' if rows else ""


def _provenance(doc: Document, meta: dict[str, Any]) -> str:
    keys = ("stage", "name", "revision", "backend", "quantization", "dtype", "device")
    head = "".join(f"<th>{k}</th>" for k in keys)
    models = "".join(
        "<tr>" + "".join(f"<td>{escape(str(m.get(k) or ''))}</td>" for k in keys) + "</tr>"
        for m in meta.get("models") or []
        if isinstance(m, dict)
    )
    versions = ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items())
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in doc.timings.items())
    signature = escape(str(meta.get("signature") or "–")).replace("|", "|<wbr>")  # breaks between fields
    rows = [("signature", f'<code class="signature">{signature}</code>')]
    if models:
        rows.append(("models", f'<table class="models"><tr>{head}</tr>{models}</table>'))
    rows += [(k, escape(v)) for k, v in (("versions", versions), ("timings", timings)) if v]
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    config = meta.get("config")
    if config:
        body += "<dt>config</dt><dd><details><summary>resolved, every default filled in</summary><pre>"
        body += f"{escape(json.dumps(config, indent=2, ensure_ascii=False))}</pre></details></dd>"
    return f'<h2>Signature and models</h2><dl class="provenance" id="provenance">{body}</dl>'


def render_html(doc: Document, **meta: Any) -> str:
    """The article as one self-contained HTML page.

    Args:
        meta: what ``io.render_json`` gets (``Pipeline.meta()``): ``signature``, ``models``,
            ``config``, ``versions``; any may be missing.
    """
    doc = safe_links(doc)
    title = title_of(doc)
    summary = _summary(doc)
    failure = ""
    if doc.failure is not None:
        stage, code, message = (escape(v) for v in (doc.failure.stage, doc.failure.code, doc.failure.message))
        failure = f'<p class="failure" role="alert">The {stage} stage failed ({code}): {message}</p>'
    warnings = "".join(f"<li>{_warning(w, doc)}</li>" for w in doc.warnings)
    if warnings:
        warnings = f'<h2>Warnings ({len(doc.warnings)})</h2><ul id="warnings">{warnings}</ul>'
    facts = f"{escape(doc.id)} · {len(doc.paragraphs)} paragraphs, {len(doc.segments)} sentences · French → English"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · precis</title><style>{CSS}</style></head><body><main>
<h1 id="title">{escape(title)}</h1><p class="meta">{facts}</p>{failure}
<h2>Summary</h2><section id="summary">{summary}</section>
<h2>Translation, side by side</h2>{_legend(doc, summary)}
{_parallel(doc)}
{_links(doc)}{warnings}
{_provenance(doc, meta)}
</main></body></html>
"""
