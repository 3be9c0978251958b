"""Metrics, wrapping the reference libraries rather than rewriting them.

- ROUGE-1/2/L/Lsum: Google's rouge-score (a re-implementation of ROUGE-1.5.5 checked
  against it). Reported x100 as papers do. rougeLsum needs one sentence per line: by
  default precis splits each line of a text into English sentences with pysbd
  (``pipeline.sentences.split_english``) and joins them with "\\n" (what the
  CNN/DailyMail papers do with nltk); the signature names the splitter and its version
  (``lsum:sentences(pysbd-0.3.4-en)``), since another splitter gives other Lsum scores.
  ``lsum_split="newlines"`` keeps the texts' own line breaks. rouge-score's default
  tokenizer keeps only [a-z0-9] (it drops accented letters); ``tokenizer="unicode"``
  keeps every letter, for non-English text.
- BLEU and chrF: sacrebleu, with its own signatures.
- BERTScore: the optional ``bert-score`` package (``pip install 'precis[bertscore]'``).

Metric functions take keyword arguments only (as huggingface/evaluate does), so
predictions and references can't be swapped by mistake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.metadata import version
from typing import Literal

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


@dataclass(frozen=True)
class RougeOptions:
    use_stemmer: bool = True  # Porter stemming, as ROUGE-1.5.5's -m
    tokenizer: Literal["default", "unicode"] = "default"
    lsum_split: Literal["sentences", "newlines"] = "sentences"

    def signature(self) -> str:
        lsum = self.lsum_split
        if lsum == "sentences":
            from pipeline.sentences import ENGLISH_SPLITTER

            lsum = f"sentences({ENGLISH_SPLITTER})"
        return (
            f"rouge-score:{version('rouge-score')}|stem:{'yes' if self.use_stemmer else 'no'}"
            f"|tok:{self.tokenizer}|lsum:{lsum}|agg:mean|scale:100"
        )


class UnicodeTokenizer:
    """rouge-score's default tokenization, but keeping every Unicode letter and digit.

    Same steps as ``rouge_score.tokenize``: lowercase, non-word characters to spaces,
    Porter-stem tokens longer than 3 characters when stemming is on.
    """

    def __init__(self, use_stemmer: bool) -> None:
        from nltk.stem import porter

        self.stemmer = porter.PorterStemmer() if use_stemmer else None

    def tokenize(self, text: str) -> list[str]:
        tokens = re.sub(r"[\W_]+", " ", text.lower()).split()
        if self.stemmer is not None:
            tokens = [self.stemmer.stem(t) if len(t) > 3 else t for t in tokens]
        return tokens


def _lsum_text(text: str, split: str) -> str:
    if split == "newlines":
        return text
    from pipeline.sentences import split_english

    # Line by line: a text's own line breaks stay sentence breaks.
    return "\n".join(s for line in text.splitlines() for s in split_english(line))


def rouge(
    *, predictions: list[str], references: list[str], options: RougeOptions = RougeOptions()
) -> list[dict[str, dict[str, float]]]:
    """Per-document ROUGE: for each pair, {rouge type: {precision, recall, f}} x100."""
    from rouge_score import rouge_scorer

    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    tokenizer = UnicodeTokenizer(options.use_stemmer) if options.tokenizer == "unicode" else None
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=options.use_stemmer, tokenizer=tokenizer)
    out = []
    for prediction, reference in zip(predictions, references, strict=True):
        # One call serves all four types: tokenization turns "\n" into a space for
        # rouge1/2/L, and rougeLsum reads it as the sentence break. (target, prediction)
        # is rouge-score's argument order.
        scores = scorer.score(_lsum_text(reference, options.lsum_split), _lsum_text(prediction, options.lsum_split))
        out.append(
            {
                t: {"precision": 100 * s.precision, "recall": 100 * s.recall, "f": 100 * s.fmeasure}
                for t, s in scores.items()
            }
        )
    return out


def bleu(*, predictions: list[str], references: list[str]) -> tuple[float, str]:
    """Corpus BLEU (sacrebleu defaults) and its signature."""
    import sacrebleu

    metric = sacrebleu.BLEU()
    return metric.corpus_score(predictions, [references]).score, str(metric.get_signature())


def chrf(*, predictions: list[str], references: list[str]) -> tuple[float, str]:
    """Corpus chrF2 (sacrebleu defaults) and its signature."""
    import sacrebleu

    metric = sacrebleu.CHRF()
    return metric.corpus_score(predictions, [references]).score, str(metric.get_signature())


def bertscore(*, predictions: list[str], references: list[str], model: str = "roberta-large") -> list[float]:
    """Per-document BERTScore F1 x100 (optional: needs bert-score and its model).

    Raises:
        ImportError: bert-score is not installed.
    """
    from bert_score import score

    _, _, f1 = score(predictions, references, model_type=model, lang="en", verbose=False)
    return [100 * float(v) for v in f1]
