"""Fuzzing the whole pipeline on the tiny models: random Unicode and Markdown in, sound output out.

Articles are drawn by hypothesis from Markdown blocks (headings, lists, tables, code,
quotes, HTML, rules) whose text mixes French words with links, emphasis, inline code,
emoji, control characters, right-to-left text, very long words and arbitrary Unicode.
Each one is read from bytes as ``precis summarize`` reads a file, run through segment,
translate and summarize, and rendered as Markdown and JSON. What must hold, however
tables or other layout are rendered:

- no traceback: reading may refuse an article only with a coded input error (E2xx),
  and no stage may fail on it;
- every segment with a source has a translation (or is flagged degenerate), verbatim
  ones their source unchanged;
- the JSON parses and has every segment; the Markdown parses (markdown-it-py) into the
  title, "Summary" and "Translation" sections, in that order.

Examples that once failed are kept below as literal ``@example`` cases. Few examples
by default, the same on every run; ``HYPOTHESIS_PROFILE=fuzz`` runs 40 times as many,
random ones, and keeps failures in runs/hypothesis.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from markdown_it import MarkdownIt

from pipeline import config, io
from pipeline.errors import InputError
from pipeline.runner import Pipeline

ROOT = Path(__file__).resolve().parent.parent
FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"

FUZZ_SETTINGS = settings(
    max_examples=600 if FUZZ else 15,
    deadline=None,
    derandomize=not FUZZ,
    database=DirectoryBasedExampleDatabase(str(ROOT / "runs" / "hypothesis")) if FUZZ else None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

FRENCH = (
    "le la les un une des et ou mais donc or ni car dans sur pour avec sans sous chez entre vers "
    "gouvernement ministre président ville conseil budget projet année semaine jeudi élection "
    "Paris Lyon Marseille France Europe Microsoft Amazon Pentagone contrat milliards euros "
    "a été est sont sera annoncé décidé rapporté selon aujourd'hui hier c'est qu'il l'État"
).split()
EMOJI = ["😀", "🙂", "🎉", "👍🏽", "❤️", "🇫🇷", "👩‍👩‍👧", "🏳️‍🌈"]
CONTROL = ["\x01", "\x07", "\x08", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\u00ad", "\ufeff", "\u200b", "\r"]
RTL = ["مرحبا بالعالم", "שלום עולם", "\u200fمرحبا\u200f", "\u202eتجربة\u202c", "العربية ١٢٣"]
# Lines a code block may hold that a renderer must not take for the end of its fence.
CODE_LINES = ["```", "~~~", "````", "# pas un titre", "- pas une liste", "| a | b |", "<div>", "    indenté", ""]
KINDS = ["text", "text", "text", "heading", "list", "table", "code", "indented", "quote", "html", "rule", "raw"]
KINDS += ["setext", "reference"]
LONG_LETTERS = "abcdefghijklmnopqrstuvwxyzéèàç漢字кириллица"

words = st.sampled_from(FRENCH)
long_word = st.text(alphabet=LONG_LETTERS, min_size=100, max_size=3000)
url = st.builds(lambda p: f"https://exemple.fr/{p}", st.text(alphabet="abcdefghij/-_.?=&%0123456789", max_size=80))
inline = st.one_of(
    words,
    words,
    words,
    st.sampled_from(EMOJI),
    st.sampled_from(CONTROL),
    st.sampled_from(RTL),
    long_word,
    url,
    st.builds(lambda t, u: f"[{t}]({u})", words, url),
    st.builds(lambda u: f"<{u}>", url),
    st.builds(lambda t: f"![{t}](image.png)", words),
    st.builds(lambda t: f"*{t}*", words),
    st.builds(lambda t: f"**{t} {t}**", words),
    st.builds(lambda t: f"_{t}_", words),
    st.builds(lambda t: f"`{t}`", st.text(max_size=20)),
    st.text(max_size=30),  # anything at all: symbols, scripts, surrogate-free Unicode
    st.sampled_from([".", ",", ";", ":", "!", "?", "…", "«", "»", "—", "(", ")", "\\", "|", "#", ">", "*", "_", "`"]),
)


@st.composite
def line(draw: st.DrawFn, max_size: int = 40) -> str:
    """A line of inline text: French words with everything else mixed in."""
    return " ".join(draw(st.lists(inline, min_size=1, max_size=max_size)))


@st.composite
def block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(KINDS))
    if kind == "heading":
        return "#" * draw(st.integers(1, 6)) + " " + draw(line(max_size=8))
    if kind == "list":
        markers = draw(st.sampled_from(["-", "*", "+", "1."]))
        items = draw(st.lists(st.tuples(st.integers(0, 2), line(max_size=12)), min_size=1, max_size=5))
        return "\n".join("  " * depth + f"{markers} {text}" for depth, text in items)
    if kind == "table":
        cols = draw(st.integers(1, 4))
        rows = draw(st.lists(st.lists(line(max_size=3), min_size=cols, max_size=cols), min_size=1, max_size=4))
        head = "| " + " | ".join(f"col{i}" for i in range(cols)) + " |"
        rule = "|" + "---|" * cols
        return "\n".join([head, rule] + ["| " + " | ".join(r) + " |" for r in rows])
    if kind == "code":
        body = "\n".join(draw(st.lists(st.one_of(st.text(max_size=60), st.sampled_from(CODE_LINES)), max_size=6)))
        fence = draw(st.sampled_from(["```", "```python", "~~~", "````"]))
        return fence + "\n" + body + "\n" + fence.rstrip("python")
    if kind == "indented":
        lines = draw(st.lists(st.one_of(line(max_size=5), st.sampled_from(CODE_LINES)), min_size=1, max_size=4))
        return "\n".join("    " + t for t in lines)
    if kind == "quote":
        return "\n".join("> " + t for t in draw(st.lists(line(max_size=10), min_size=1, max_size=3)))
    if kind == "html":
        return f"<div>{draw(line(max_size=6))}</div>"
    if kind == "setext":
        return draw(line(max_size=6)) + "\n" + draw(st.sampled_from(["===", "---"]))
    if kind == "reference":
        return f"[{draw(words)}]: {draw(url)}\n\nVoir [{draw(words)}][{draw(words)}]."
    if kind == "rule":
        return draw(st.sampled_from(["---", "***", "___"]))
    if kind == "raw":
        return draw(st.text(max_size=120))
    stops = st.sampled_from([".", "!", "?", " ?", "…"])
    return " ".join(draw(line()) + draw(stops) for _ in range(draw(st.integers(1, 4))))


articles = st.lists(block(), min_size=1, max_size=8).map("\n\n".join)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    # The language check refuses most random text as "not French": turned off, so that the
    # translator and summarizer see it (the check itself has its own tests).
    cfg = config.load(ROOT / "configs" / "tiny.yaml", ["segment.language_check=off"])
    return Pipeline(cfg)


def run(pipeline: Pipeline, markdown: str) -> None:
    """Read ``markdown`` as a file's bytes, run the pipeline, render both formats, check the invariants."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.md"
        path.write_bytes(markdown.encode("utf-8"))
        try:
            doc = io.read_article(str(path))
        except InputError as exc:  # empty, binary-looking: refused with a code, no traceback
            assert exc.code.startswith("E2"), exc
            return
    [doc] = pipeline.run([doc])
    assert doc.failure is None, doc.failure
    for seg in doc.segments:
        if seg.verbatim:
            assert seg.translation == seg.source
        elif seg.source.strip():
            assert seg.translation is not None, seg
            assert seg.translation.strip() or any(f.startswith("degenerate:") for f in seg.flags), seg
    record = json.loads(io.render_json(doc, **pipeline.meta()))
    assert [s["index"] for s in record["segments"]] == [s.index for s in doc.segments]
    assert all(isinstance(s["translation"], str) for s in record["segments"])
    assert isinstance(record["summary"], str)
    tokens = MarkdownIt("commonmark").enable("table").parse(io.render_markdown(doc))
    headings = [
        (tok.tag, tokens[i + 1].content)
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open" and tok.level == 0
    ]
    assert headings[0][0] == "h1", headings
    sections = [content for tag, content in headings if tag == "h2"]
    assert sections[:2] == ["Summary", "Translation"], headings
    # Code is copied verbatim: each code block of the article is one code block of the output,
    # unless the article has code that hits a known rendering bug (CODE, below).
    expected = [seg.source for seg in doc.segments if seg.verbatim]
    if not any(known_code_bug(c) for c in expected):
        code = [tok.content.removesuffix("\n") for tok in tokens if tok.type in ("fence", "code_block")]
        assert in_order(expected, code), (expected, code)


def in_order(expected: list[str], found: list[str]) -> bool:
    """Whether ``expected`` is a subsequence of ``found`` (other blocks may render as code too)."""
    rest = iter(found)
    return all(any(e == f for f in rest) for e in expected)


@FUZZ_SETTINGS
@given(markdown=articles)
def test_pipeline_on_random_markdown(pipeline: Pipeline, markdown: str) -> None:
    run(pipeline, markdown)


@FUZZ_SETTINGS
@given(text=st.text(min_size=1, max_size=2000))
def test_pipeline_on_random_unicode(pipeline: Pipeline, text: str) -> None:
    run(pipeline, text)


# Found by the fuzz: io._render_block strips a block's text, so a code block loses its
# leading blank lines and its first line's indentation; and it always fences code with
# three backticks, so code holding a line of three backticks ends its fence early and
# what follows (the rest of the code, the Links and Warnings sections) is misread.
CODE = [
    ("le.\n\n```\n\n0\n```", "\n0"),  # as the fuzz found it
    ("Texte.\n\n```\n    indenté\nx = 1\n```", "    indenté\nx = 1"),
    ("le.\n\n~~~\n```\n~~~", "```"),  # as the fuzz found it
    ("Texte.\n\n````\nx\n```\ny\n````", "x\n```\ny"),
]


def known_code_bug(code: str) -> bool:
    """Whether ``code`` hits a rendering bug of CODE (io._render_block, not fixed yet)."""
    return code != code.strip() or "```" in code


@pytest.mark.parametrize(("markdown", "code"), CODE)
def test_code_renders_verbatim(pipeline: Pipeline, markdown: str, code: str) -> None:
    [doc] = pipeline.run([io.to_document(markdown, "a.md", "a")])
    assert [s.source for s in doc.segments if s.verbatim] == [code]  # the segmenter keeps it whole
    tokens = MarkdownIt("commonmark").parse(io.render_markdown(doc))
    assert [t.content for t in tokens if t.type == "fence"] == [code + "\n"]
