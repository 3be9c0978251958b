"""Inline markup kept: spans read from the French, put back into the English, each exactly once, well formed."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import config
from pipeline.document import Document, InlineSpan
from pipeline.html_input import html_to_markdown
from pipeline.inline import read, spans_of
from pipeline.io import render_markdown, to_record
from pipeline.markdown import strip_inline
from pipeline.markup import FLAG, place
from pipeline.runner import Pipeline

SPANS = [
    ("Le [Pentagone](https://x.fr) a choisi.", [("Pentagone", "link", "https://x.fr")]),
    ("Un *mot* et **deux mots** et `code`.", [("mot", "em", ""), ("deux mots", "strong", ""), ("code", "code", "")]),
    ("Un [**lien** fort](http://a.b).", [("lien fort", "link", "http://a.b"), ("lien", "strong", "")]),
    ("Voir <https://e.com> ici.", [("https://e.com", "link", "https://e.com")]),
    ("Espaces  *pliés\n  ici*.", [("pliés ici", "em", "")]),  # strip_inline folds whitespace
    ("Rien du tout.", []),
]


@pytest.mark.parametrize(("markdown", "expected"), SPANS)
def test_spans_of(markdown: str, expected: list[tuple[str, str, str]]) -> None:
    plain, _ = strip_inline(markdown)
    assert [(plain[s.start : s.end], s.kind, s.target) for s in spans_of(markdown, plain)] == expected


def spans(markdown: str) -> tuple[str, tuple[InlineSpan, ...]]:
    plain, _ = strip_inline(markdown)
    return plain, spans_of(markdown, plain)


PLACES = [
    # the French text copied (a name), the span's own translation, case, fuzzy, moved
    ("Le [Pentagone](https://x.fr) a choisi *Microsoft*.", "The Pentagon chose Microsoft.", ["Pentagon", "Microsoft"],
     "The [Pentagon](https://x.fr) chose *Microsoft*.", 0),
    ("Il a **refusé net**.", "He flatly Refused.", ["flatly refused"], "He **flatly Refused**.", 0),
    ("Une *décision surprenante*.", "A decision that surprised.", ["surprising decision"],
     "A decision that surprised. *surprising decision*", 1),
    ("Les *nuages publics*.", "The public clouds.", ["public cloud"], "The *public clouds*.", 0),
    ("Un [**lien** fort](http://a.b) ici.", "A strong link here.", ["strong link", "link"],
     "A [strong **link**](http://a.b) here.", 0),
    ("Un [**lien** fort](http://a.b) ici.", "Something here.", ["strong link", "link"],
     "Something here. [strong **link**](http://a.b)", 1),
    ("Tapez `ls -l` puis `cd`.", "Type ls -l then cd.", ["ls -l", "cd"], "Type `ls -l` then `cd`.", 0),
    ("Lien (<https://e.com>).", "Link (https://e.com).", ["https://e.com"], "Link (<https://e.com>).", 0),
]  # fmt: skip


@pytest.mark.parametrize(("markdown", "translation", "renderings", "expected", "moved"), PLACES)
def test_place(markdown: str, translation: str, renderings: list[str], expected: str, moved: int) -> None:
    source, found = spans(markdown)
    placed = place(source, translation, found, renderings)
    assert (placed.text, placed.moved) == (expected, moved)


def kinds(spans: tuple[InlineSpan, ...] | list[InlineSpan]) -> Counter[str]:
    return Counter(s.kind for s in spans)


WORD = st.text(alphabet="abcdéèàçABCDÉ0123456789'’-", min_size=1, max_size=8)
MARKED = st.tuples(st.lists(WORD, min_size=1, max_size=3), st.sampled_from(["*", "**", "`", "link"]))


@settings(max_examples=3000 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 150, deadline=None)
@given(
    st.lists(st.one_of(WORD, MARKED), min_size=1, max_size=12),
    st.lists(WORD, min_size=0, max_size=12),
    st.lists(st.lists(WORD, min_size=1, max_size=3), min_size=12, max_size=12),
)
def test_markup_is_well_formed_and_every_span_appears_once(parts, translation_words, rendering_words) -> None:
    pieces = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
        else:
            words, marker = part
            text = " ".join(words)
            link = f"[{text}](https://example.com/{len(text)})"
            pieces.append(link if marker == "link" else f"{marker}{text}{marker}")
    source, found = spans(" ".join(pieces) + ".")
    translation = " ".join([*translation_words, *(w for p in parts if isinstance(p, str) for w in [p])][:20]) + "."
    renderings = [" ".join(words) for words in rendering_words][: len(found)]
    placed = place(source, translation, found, renderings)
    assert kinds(read(placed.text)[1]) == kinds(found)  # each span once, as the parser reads it back
    plain = read(placed.text)[0]
    assert all(w in plain for w in translation.split())  # nothing of the translation lost


def test_html_inline_tags_become_markdown() -> None:
    html = (
        '<p>Le <em>Pentagone</em> a choisi <strong> Microsoft </strong> et <a href="https://a.fr">un <b>lien</b></a>.'
        "</p>"
    )
    assert html_to_markdown(html) == "Le *Pentagone* a choisi **Microsoft** et [un **lien**](https://a.fr)."


def test_the_sample_keeps_its_markup_on_tiny_models() -> None:
    cfg = config.load("configs/tiny.yaml", ["pipeline=[segment, translate]"])
    text = open("samples/jedi-cloud.fr.md", encoding="utf-8").read()
    (doc,) = Pipeline(cfg).run([Document("a", text)])
    marked = [s for s in doc.segments if s.spans]
    assert [s.index for s in marked] == [1, 2, 4, 5, 15]
    for seg in marked:  # random weights copy nothing: every span is moved to the end, once
        assert kinds(read(str(seg.markup))[1]) == kinds(seg.spans) and FLAG in seg.flags
    rendered = render_markdown(doc)
    assert "## Links" not in rendered  # the links are in their sentences
    assert rendered.count("](#)") == 4 and rendered.count("](") == 4
    record = to_record(doc, models=[], config={}, versions={}, signature="")
    assert record["segments"][1]["markup"] == marked[0].markup and "markup" not in record["segments"][0]
    off = config.load("configs/tiny.yaml", ["pipeline=[segment, translate]", "translate.markup=false"])
    (plain,) = Pipeline(off).run([Document("a", text)])
    assert all(s.markup is None and FLAG not in s.flags for s in plain.segments)
    linked = Document("b", "Voir [le rapport](https://example.com/r) du *Pentagone*.")
    assert "## Links\n\n- le rapport: <https://example.com/r>" in render_markdown(Pipeline(off).run([linked])[0])
    assert "## Links" not in render_markdown(Pipeline(cfg).run([linked])[0])
