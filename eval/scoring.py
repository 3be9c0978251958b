"""Scores every system against the references: metrics, intervals, significance, cost.

The result is one plain dict (the JSON report), which ``eval.report`` renders. Every
number carries a signature so it can be reproduced, as sacrebleu's do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import Any

import numpy as np

from eval import metrics, stats
from eval.systems import SystemOutput
from pipeline.errors import ConfigError
from pipeline.signature import versions as pipeline_versions


@dataclass(frozen=True)
class ScoringOptions:
    rouge: metrics.RougeOptions = metrics.RougeOptions()
    bootstrap: int = 1000  # resamples for intervals and the paired test
    seed: int = 0
    level: float = 0.95
    translation_metrics: bool = True  # BLEU and chrF when reference translations exist
    bertscore: bool = False

    def signature(self) -> str:
        return f"bootstrap:{self.bootstrap}|seed:{self.seed}|level:{self.level}|test:paired-bootstrap-2sided"


def _versions() -> dict[str, str]:
    """precis's recorded versions plus the scoring libraries'."""
    from pipeline.signature import package_version

    return {**pipeline_versions(), **{p: package_version(p) for p in ("rouge-score", "sacrebleu", "numpy", "datasets")}}


def _corpus_statistic(metric_name: str, predictions: list[str], references: list[str]) -> stats.Statistic:
    """A corpus metric over a set of documents, from per-document sufficient statistics.

    sacrebleu sums per-sentence statistics to score a corpus; summing them over the
    resampled documents gives exactly ``corpus_score`` on those documents, 1,000 times
    over, at the cost of one pass.
    """
    import sacrebleu

    metric = sacrebleu.BLEU() if metric_name == "bleu" else sacrebleu.CHRF()
    per_doc = np.array(metric._extract_corpus_statistics(predictions, [references]))
    return lambda idx: float(metric._compute_score_from_stats(per_doc[idx].sum(axis=0).tolist()).score)


def _cost(system: SystemOutput) -> dict[str, Any]:
    if not system.timings:
        return {}
    stages = sorted({k for t in system.timings for k in t})
    cost: dict[str, Any] = {
        f"{s}_s_per_article": float(np.mean([t.get(s, 0.0) for t in system.timings])) for s in stages
    }
    for stage in ("translate", "summarize"):
        tokens = sum(t.get(stage, 0) for t in system.tokens)
        seconds = sum(t.get(stage, 0.0) for t in system.timings)
        if tokens and seconds:
            cost[f"{stage}_tokens_per_s"] = tokens / seconds
    return cost


def _statistics(
    systems: list[SystemOutput],
    references: list[str],
    reference_translations: list[str] | None,
    options: ScoringOptions,
) -> tuple[dict[str, dict[str, list[float]]], dict[str, dict[str, stats.Statistic]], dict[str, str]]:
    """Per-document scores, per-metric statistics of each system, and the metrics' signatures."""
    per_doc: dict[str, dict[str, list[float]]] = {}
    statistics: dict[str, dict[str, stats.Statistic]] = {}
    signatures = {"rouge": options.rouge.signature(), "statistics": options.signature()}
    for s in systems:
        rouge = metrics.rouge(predictions=s.summaries, references=references, options=options.rouge)
        per_doc[s.name] = {t: [d[t]["f"] for d in rouge] for t in metrics.ROUGE_TYPES}
        for t in metrics.ROUGE_TYPES:
            per_doc[s.name][f"{t}_precision"] = [d[t]["precision"] for d in rouge]
            per_doc[s.name][f"{t}_recall"] = [d[t]["recall"] for d in rouge]
        statistics[s.name] = {t: stats.mean_of(per_doc[s.name][t]) for t in metrics.ROUGE_TYPES}
        if options.bertscore:
            per_doc[s.name]["bertscore"] = metrics.bertscore(predictions=s.summaries, references=references)
            statistics[s.name]["bertscore"] = stats.mean_of(per_doc[s.name]["bertscore"])
            signatures["bertscore"] = f"bert-score:{version('bert-score')}|model:roberta-large|lang:en|scale:100"
        if options.translation_metrics and reference_translations and s.translations:
            for m, fn in (("bleu", metrics.bleu), ("chrf", metrics.chrf)):
                _, signatures[m] = fn(predictions=s.translations, references=reference_translations)
                statistics[s.name][m] = _corpus_statistic(m, s.translations, reference_translations)

    return per_doc, statistics, signatures


def _documents(
    systems: list[SystemOutput],
    references: list[str],
    ids: list[str],
    lengths: list[int],
    per_doc: dict[str, dict[str, list[float]]],
) -> list[dict[str, Any]]:
    """Each document's reference, every system's output, ROUGE-L and warnings, for the report."""
    return [
        {
            "id": ids[i],
            "length_words": lengths[i],
            "reference": references[i],
            "outputs": {s.name: s.summaries[i] for s in systems},
            "rougeL": {s.name: per_doc[s.name]["rougeL"][i] for s in systems},
            "warnings": {s.name: s.warnings[i] for s in systems if s.warnings and s.warnings[i]},
        }
        for i in range(len(references))
    ]


def score(
    *,
    systems: list[SystemOutput],
    references: list[str],
    reference_translations: list[str] | None,
    ids: list[str],
    lengths: list[int],
    baseline: str,
    options: ScoringOptions = ScoringOptions(),
    dataset: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole report as data: per-system metrics with intervals and p-values, cost, per-document outputs."""
    names = [s.name for s in systems]
    if baseline not in names:
        raise ConfigError(f"--baseline {baseline!r} is not one of the systems: {', '.join(names)}")
    n = len(references)
    for s in systems:
        if len(s.summaries) != n:
            raise ValueError(f"system {s.name!r} has {len(s.summaries)} outputs for {n} references")

    per_doc, statistics, signatures = _statistics(systems, references, reference_translations, options)
    everything = np.arange(n)
    base = statistics[baseline]
    report_systems = []
    for s in systems:
        scores = {}
        for m, statistic in statistics[s.name].items():
            low, high = stats.bootstrap_ci(
                statistic, n_docs=n, n=options.bootstrap, seed=options.seed, level=options.level
            )
            entry: dict[str, Any] = {"value": statistic(everything), "ci": [low, high]}
            if m.startswith("rouge"):
                entry["precision"] = float(np.mean(per_doc[s.name][f"{m}_precision"]))
                entry["recall"] = float(np.mean(per_doc[s.name][f"{m}_recall"]))
            if m in base:
                entry["p_vs_baseline"] = stats.paired_bootstrap(
                    statistic, base[m], n_docs=n, n=options.bootstrap, seed=options.seed
                )
            scores[m] = entry
        report_systems.append(
            {
                "name": s.name,
                "kind": s.kind,
                "translation_of": s.translation_of,
                "scores": scores,
                "cost": _cost(s),
                "faithfulness": s.faithfulness,
                "models": s.models,
                "config": s.config,
                "signature": s.signature,
            }
        )
    documents = _documents(systems, references, ids, lengths, per_doc)
    return {
        "baseline": baseline,
        "signatures": signatures,
        "reproducibility": {
            "versions": _versions(),
            "dataset": dataset,
            "seed": options.seed,
            "options": {**asdict(options), "rouge": asdict(options.rouge)},
        },
        "systems": report_systems,
        "documents": documents,
    }
