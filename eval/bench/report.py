"""The bench's report in Markdown (``bench.md``), and the batch-limit sweep's table."""

from __future__ import annotations

from typing import Any

from eval.bench.endtoend import DECODE_CONFIDENCE


def to_markdown(report: dict[str, Any]) -> str:
    """The whole report: machine and data, one section per measure, the targets, what could not run."""
    lines = list(_header(report))
    if "translate" in report:
        lines += [*_translation(report), *_summarization(report), *_flatness(report), *_targets(report)]
    if "endtoend" in report:
        lines += _endtoend(report)
    if report.get("failed"):
        lines += ["", "## Variants that could not run here", ""]
        lines += [f"- {name}: {why}" for name, why in report["failed"].items()]
    return "\n".join(lines) + "\n"


def _header(report: dict[str, Any]) -> list[str]:
    m, d = report["machine"], report["data"]
    return [
        "# precis speed benchmark",
        "",
        f"Machine: {m['processor']}, {m['cores']} cores, {m['threads']} threads, device {m['device']}"
        + (f" ({m['gpu']})" if m["gpu"] else ""),
        f"Data: {d['source']}: {d['sentences']} sentences. Beam 4; fixed decode lengths "
        f"(one output token per source token; {report['settings']['summary_tokens']}-token summaries).",
        f"Versions: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}",
    ]


def _translation(report: dict[str, Any]) -> list[str]:
    t, paired = report["translate"], report["targets"]["translate_ctranslate2_variant"]
    lines = [
        "",
        "## Translation (Marian, opus-mt-fr-en size)",
        "",
        "| variant | backend / dtype | seconds | source tok/s | generated tok/s | articles/min | peak MB "
        "| vs naive | sentences = fp32 | tokens = fp32 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in t.items():
        a = r["agreement_vs_fp32"]
        lines.append(
            f"| {name} | {r['backend']} / {r['dtype']} | {r['seconds']:.1f} | {r['source_tokens_per_s']:.0f} "
            f"| {r['generated_tokens_per_s']:.0f} | {r['articles_per_min']:.1f} | {r['peak_mb']:.0f} "
            f"| **{r['speedup']:.2f}x** | {100 * a['sentences']:.0f}% | {100 * a['tokens']:.1f}% |"
        )
    limits = t["precis-default"]["batch_limits"]
    lines += [
        "",
        f"precis batches: sentences sorted by length, at most {limits['tokens']} padded source tokens and "
        f"{limits['sentences']} sentences per batch (the device's defaults).",
    ]
    if paired:
        lines[-1] += (
            f" {paired} and ctranslate2-int8-direct ran in one process, alternately, "
            f"{report['settings']['repeats']} times each; their seconds are the medians "
            f"({', '.join(f'{x:.1f}' for x in t[paired]['all_seconds'])} "
            f"and {', '.join(f'{x:.1f}' for x in t['ctranslate2-int8-direct']['all_seconds'])})."
        )
    for name in ("transformers-fp32", "precis-default"):
        g = t.get(name, {}).get("greedy_batched_equals_single")
        if g:
            lines.append(
                f"Greedy, batched vs one sentence at a time ({name}, {t[name]['backend']} / {t[name]['dtype']}): "
                f"{g['equal']}/{g['total']} sentences equal."
            )
    return lines


def _first_length(report: dict[str, Any]) -> str:
    """The article length (tokens) the summarization variants are compared on."""
    return str(min(int(k) for k in report["summarize"]["fp32"]["seconds"]))


def _summarization(report: dict[str, Any]) -> list[str]:
    first = _first_length(report)
    lines = [
        "",
        f"## Summarization (BART, distilbart-cnn-12-6 size), {first}-token article",
        "",
        "| variant | backend / dtype | seconds | peak MB | vs fp32 | tokens = fp32 |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in report["summarize"].items():
        lines.append(
            f"| {name} | {r['backend']} / {r['dtype']} | {r['seconds'][first]:.2f} | {r['peak_mb']:.0f} "
            f"| **{r['speedup']:.2f}x** | {100 * r['agreement_vs_fp32']['tokens']:.1f}% |"
        )
    return lines


def _flatness(report: dict[str, Any]) -> list[str]:
    f = report["flatness"]
    lines = [
        "",
        f"## Time per input token, map-reduce summarizer ({f['variant']})",
        "",
        "| article tokens | chunks | seconds per 1k tokens |",
        "|---|---|---|",
    ]
    for n, s in f["seconds_per_1k_tokens"].items():
        lines.append(f"| {n} | {f['chunks'].get(n, '')} | {s:.2f} |")
    return [
        *lines,
        "",
        f"Spread of time per token: {100 * f['spread']:.0f}% (target: within 25%). "
        f"Slowest length per token against the shortest article: {100 * f['worst_vs_shortest']:+.0f}%.",
    ]


def _targets(report: dict[str, Any]) -> list[str]:
    f, t, first = report["flatness"], report["targets"], _first_length(report)
    return [
        "",
        "## Targets",
        "",
        f"- translation, precis default vs naive: {t['translate_default_vs_naive']:.2f}x; "
        f"best precis backend vs naive: {t['translate_best_precis_vs_naive']:.2f}x (target >= 8x)",
        f"- translation, precis {t['translate_ctranslate2_variant']} vs CTranslate2 int8 called directly "
        f"on the same batches: {_ratio(t['translate_ctranslate2_precis_vs_direct'])} (target >= 1x)",
        f"- summarization of a {first}-token article, precis default vs fp32: "
        f"{t['summarize_default_vs_fp32']:.2f}x; best precis backend: {t['summarize_best_vs_fp32']:.2f}x "
        "(target >= 2x)",
        f"- time per token from {min(f['seconds_per_1k_tokens'], key=int)} to "
        f"{max(f['seconds_per_1k_tokens'], key=int)} tokens, precis default: spread {100 * f['spread']:.0f}% "
        "(target: within 25%)",
        *(
            [
                f"- end to end, precis batch today vs {report['endtoend']['baseline_commit']}: "
                f"{t['endtoend_today_vs_baseline']:.2f}x articles/min (target >= 2x)"
            ]
            if "endtoend_today_vs_baseline" in t
            else []
        ),
    ]


def _endtoend(report: dict[str, Any]) -> list[str]:
    e = report["endtoend"]
    stages = list(dict.fromkeys(k for r in e["rows"].values() for k in r["stages_s"]))
    lines = [
        "",
        "## End to end: precis batch, default config",
        "",
        f"`precis batch` over the {report['data']['articles']} articles, no translation cache, "
        f"`--set {' '.join(e['overrides'])}` (and the row's models: see eval/bench/endtoend.py). "
        "Articles/min over the processing time (models' load left out); each stage's share of the stage time.",
        "",
        "| code | articles | processing s | articles/min | " + " | ".join(stages) + " |",
        "|---|---|---|---|" + "---|" * len(stages),
    ]
    for name, r in e["rows"].items():
        label = f"baseline {e['baseline_commit']}" if name == "baseline" else name
        shares = [
            f"{r['stages_s'][k]:.1f} s ({100 * r['stage_shares'][k]:.0f}%)" if k in r["stages_s"] else "-"
            for k in stages
        ]
        lines.append(
            f"| {label} | {r['articles']} | {r['processing_s']:.1f} | {r['articles_per_min']:.2f} | "
            + " | ".join(shares)
            + " |"
        )
    if e.get("baseline_skipped"):
        lines += ["", f"Baseline not run: {e['baseline_skipped']}"]
    if "speedup" in e:
        a = e["agreement"]
        lines += [
            "",
            f"Today against the baseline: **{e['speedup']:.2f}x** articles/min (target >= 2x). Same outputs: "
            f"{a['summaries_equal']}/{a['articles']} summaries, {a['translations_equal']}/{a['sentences']} "
            "sentence translations; today-no-markup (`translate.markup=false`) against the baseline: "
            f"{e['agreement_no_markup']['summaries_equal']}/{a['articles']} summaries, "
            f"{e['agreement_no_markup']['translations_equal']}/{a['sentences']} sentence translations.",
        ]
    if "decode_confidence_vs_today" in e:
        d = e["agreement_decode_confidence"]
        lines += [
            "",
            f"today-decode-confidence (`--set {' '.join(DECODE_CONFIDENCE)}`: the confidence the search gave "
            f"its outputs, no rescoring pass) against today: **{e['decode_confidence_vs_today']:.2f}x** "
            f"articles/min; same outputs: {d['summaries_equal']}/{d['articles']} summaries, "
            f"{d['translations_equal']}/{d['sentences']} sentence translations (only the confidence values differ)"
            + (
                f"; against the baseline: **{e['decode_confidence_vs_baseline']:.2f}x**."
                if "decode_confidence_vs_baseline" in e
                else "."
            ),
        ]
    if "stage_sum_s" in e:
        lines += [
            f"Sum of the per-stage rows above for the same articles (translation of their sentences plus "
            f"{report['data']['articles']} {e['stage_sum_article_tokens']}-token summaries, precis-default): "
            f"{e['stage_sum_s']:.1f} s, against today's translate and summarize stage time "
            f"{e['today_model_stages_s']:.1f} s.",
        ]
    return lines


def _ratio(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}x"


def sweep_row(variant: str, result: dict[str, Any]) -> str:
    """One row of the sweep's table: the limits as the stage applied them, and the throughput."""
    used = result["batch_limits"]
    return (
        f"| {variant} | {result['backend']} / {result['dtype']} | {used['tokens']} | {used['sentences']} "
        f"| {result['seconds']:.1f} | {result['source_tokens'] / result['seconds']:.0f} |"
    )


def sweep_table(rows: list[str], source: str, sentences: int, device: str, threads: int) -> str:
    """The sweep's Markdown: what it ran on, and one row per variant and batch limit."""
    lines = [
        "# precis batch-limit sweep (translation, beam 4, fixed decode lengths)",
        "",
        f"Data: {source}: {sentences} sentences; device {device}, {threads} threads.",
        "",
        "| variant | backend / dtype | batch tokens | batch sentences | seconds | source tok/s |",
        "|---|---|---|---|---|---|",
        *rows,
    ]
    return "\n".join(lines) + "\n"
