"""The reading view's stylesheet (``pipeline.reading``), inlined in every page.

One constant, so the page needs no file beside it. The highlight classes are also the
legend's swatches and the cues of the reasons under a row: a class here is a kind of
highlight there. Each kind of flag owns its own CSS property, so a sentence with several
shows them all at once: ``mismatch`` the background colour, ``low_confidence`` the box
shadow (a bar under the line), ``check`` the text decoration (a dotted underline),
``degenerate`` the outline (a dashed frame). Hovering darkens with a background image,
which takes none of them.
"""

CSS = """
:root{--mismatch:#ffd9a6;--mismatch-line:#d97706;--low-line:#b39200;--check-line:#1f63b5;--degenerate:#ffd4d4;
--degenerate-line:#c62828;--unsupported:#e9ddff;--unsupported-line:#6d3fc0;--muted:#667;--rule:#e3e3ea}
*{box-sizing:border-box}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d24;margin:0;background:#fafafc}
main{max-width:1280px;margin:0 auto;padding:1.5em 2em 3em}
h1{font-size:1.7em;line-height:1.25;margin:0.2em 0}
h2{font-size:1.15em;margin:1.8em 0 0.6em;padding-bottom:0.2em;border-bottom:1px solid var(--rule)}
.meta,.small{color:var(--muted);font-size:0.85em}
code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,monospace;font-size:0.85em}
.failure{background:var(--degenerate);border-left:4px solid var(--degenerate-line);padding:0.6em 1em;margin:1em 0}
#summary-text{font-size:1.08em;background:#fff;border:1px solid var(--rule);border-radius:6px;padding:0.8em 1.1em}
.refs{font-size:0.7em;margin-left:0.15em;white-space:nowrap}
.refs a{color:#1b5fb0;text-decoration:none;padding:0 0.15em}.refs a:hover{text-decoration:underline}
.legend{display:flex;flex-wrap:wrap;gap:0.4em 1.4em;list-style:none;padding:0;margin:0.4em 0;font-size:0.88em}
.legend li{display:flex;align-items:center;gap:0.4em}.legend .none{opacity:0.55}
.swatch{display:inline-block;width:2.2em;height:1.1em;border-radius:3px;border:1px solid var(--rule)}
.swatch.check{border:none;border-bottom:2px dotted var(--check-line);border-radius:0}
.hl{border-radius:3px;padding:0 1px;cursor:help}
.mismatch{background-color:var(--mismatch)}
.low_confidence{box-shadow:inset 0 -3px var(--low-line);padding-bottom:0.22em}
.check{text-decoration:underline dotted 2px var(--check-line);text-underline-offset:2px}
.degenerate{outline:2px dashed var(--degenerate-line);outline-offset:1px}
.unsupported{background:var(--unsupported);box-shadow:inset 0 -2px var(--unsupported-line)}
mark.lost{background:none;color:inherit;text-decoration:underline wavy var(--mismatch-line);
text-underline-offset:3px;cursor:help}
mark.lost.check{text-decoration:underline dotted 2px var(--check-line)}
.note{text-decoration:underline dotted var(--muted);text-underline-offset:4px;cursor:help}
.hl:hover,mark.lost:hover,.note:hover{background-image:linear-gradient(#0000001a,#0000001a)}
.sn{font-size:0.66em;color:var(--muted);margin:0 0.3em 0 0.15em;vertical-align:0.25em;line-height:0;
font-weight:normal;font-style:normal;font-variant-numeric:tabular-nums;user-select:none}
.sn:target{color:#fff;background:#1b5fb0;border-radius:3px;padding:0.1em 0.3em}
.parallel{background:#fff;border:1px solid var(--rule);border-radius:6px}
.row{display:grid;grid-template-columns:2.6em 1fr 1fr;border-top:1px solid var(--rule)}
.row:first-child{border-top:none}
.row.head{font-size:0.8em;color:var(--muted);text-transform:uppercase;letter-spacing:0.05em}
.row>div{padding:0.45em 0.9em;min-width:0}.row>.fr{background:#fbfbfd;border-right:1px solid var(--rule)}
.row>.n{color:var(--muted);font-size:0.75em;text-align:right;padding-top:0.75em}
.row:target,td:target,.row:has(.sn:target){background:#e6f0ff}
.row:target>.fr,.row:has(.sn:target)>.fr{background:#dde9fb}
.row>.reasons{grid-column:2/4;margin:0;padding:0.3em 0.9em 0.5em;list-style:none;font-size:0.82em;color:#3a3a44;
border-top:1px dashed var(--rule)}
.reasons li{margin:0.15em 0}.reasons .cue{display:inline-block;min-width:2.4em;padding:0 0.3em;border-radius:3px;
margin-right:0.3em;text-align:center;font-variant-numeric:tabular-nums}
.row h2,.row h3,.row h4,.row h5,.row h6{margin:0.2em 0;border:none;padding:0}
.row p{margin:0.2em 0}.row blockquote{margin:0.2em 0;padding-left:0.8em;border-left:3px solid #ccd}
.row pre{margin:0.2em 0;white-space:pre-wrap;background:#f3f3f7;padding:0.4em}
.row .item{margin:0.2em 0}
.row table{border-collapse:collapse;font-size:0.92em}.row td,.row th{border:1px solid var(--rule);padding:2px 6px}
.provenance dt{font-weight:600;margin-top:0.5em}.provenance dd{margin:0.1em 0 0 0}
table.models{border-collapse:collapse;font-size:0.85em}
table.models th,table.models td{border:1px solid var(--rule);padding:2px 8px;text-align:left}
details pre{white-space:pre-wrap;background:#f3f3f7;padding:0.6em;max-height:30em;overflow:auto}
#warnings li,#links li{font-size:0.9em;margin:0.15em 0}
"""
