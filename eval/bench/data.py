"""What the bench runs on: French articles and their sentences, the tokenizer corpus, English articles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "jedi-cloud.fr.md"
ORANGESUM = ROOT.parent / "shared" / "data" / "orangesum-sample" / "articles.fr.txt"


def bench_corpus(data: Path) -> Path:
    """Tokenizer training text: the repo's corpus plus every OrangeSum article (whatever --articles says)."""
    from models.tiny import CORPUS, cache_root

    folder = cache_root() / "bench-corpus"
    folder.mkdir(parents=True, exist_ok=True)
    fr = (CORPUS / "fr.txt").read_text(encoding="utf-8")
    if data.is_file():
        fr += "\n" + data.read_text(encoding="utf-8")
    (folder / "fr.txt").write_text(fr, encoding="utf-8")
    (folder / "en.txt").write_text((CORPUS / "en.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def load_articles(n: int, data: Path) -> tuple[list[str], str]:
    """The sample article and up to ``n - 1`` OrangeSum articles, with a description of them."""
    articles = [SAMPLE.read_text(encoding="utf-8")]
    if data.is_file():
        lines = [line.strip() for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
        articles += lines[: max(0, n - 1)]
        return articles, f"samples/jedi-cloud.fr.md + {len(articles) - 1} articles of {data.name}"
    return articles, "samples/jedi-cloud.fr.md (OrangeSum sample not found)"


def sentences_of(articles: list[str]) -> list[str]:
    """The sentences precis's French segmenter finds in the articles, in order."""
    from pipeline.document import Document
    from pipeline.segment import FrenchSegmenter, FrenchSegmenterConfig

    segmenter = FrenchSegmenter(FrenchSegmenterConfig())
    return [s.source for a in articles for s in segmenter(Document("a", a)).segments]


def english_article(tokens: int, tokenizer_dir: str) -> str:
    """English news text (the repo's corpus, repeated) cut to about ``tokens`` tokens."""
    from transformers import AutoTokenizer

    from models.tiny import CORPUS
    from pipeline.segment import split_sentences

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    sentences = [
        s for line in (CORPUS / "en.txt").read_text(encoding="utf-8").splitlines() for s in split_sentences(line)
    ]
    out, used, i = [], 2, 0
    while True:
        s = sentences[i % len(sentences)]
        n = len(tok(s, add_special_tokens=False)["input_ids"]) + 1
        if used + n > tokens:
            return " ".join(out)
        out.append(s)
        used += n
        i += 1


def english_doc(text: str) -> Any:
    """An English article as the summarizer receives it: one paragraph, its sentences translated already."""
    from pipeline.document import Document, Paragraph, Segment
    from pipeline.segment import split_sentences

    sentences = split_sentences(text)
    return Document("bench", text, (Paragraph(0, "text"),), tuple(Segment(i, 0, s, s) for i, s in enumerate(sentences)))
