"""Reading articles (encodings, HTML, bad input) and writing the translation layout."""

from __future__ import annotations

import pytest

from pipeline.document import Document
from pipeline.errors import InputError
from pipeline.html_input import html_to_markdown
from pipeline.io import Decoded, decode, read_article, render_markdown, render_translation, to_record
from pipeline.segment import FrenchSegmenter, FrenchSegmenterConfig

FRENCH = "L'été à Noël : « œuvre » coûte 5 € — déjà ?"

DECODE = [
    (FRENCH.encode("utf-8"), FRENCH, "utf-8", ()),
    (b"\xef\xbb\xbf" + FRENCH.encode("utf-8"), FRENCH, "utf-8", ()),
    (FRENCH.encode("cp1252"), FRENCH, "cp1252", ()),
    ("Élève à l'école".encode("latin-1"), "Élève à l'école", "cp1252", ()),
    (FRENCH.encode("utf-16"), FRENCH, "utf-16", ()),
    # A stray byte in UTF-8 text: UTF-8 with a replacement, not cp1252 mojibake of the whole article.
    (
        "Le cœur de l'été".encode() + b"\xff",
        "Le cœur de l'été\ufffd",
        "utf-8",
        ("input: 1 byte(s) of a.md are not valid UTF-8 (offsets 19); each was replaced with U+FFFD",),
    ),
    (
        b"\xff" + "é".encode() * 4 + b"\xfe\xfd" + b"x" * 7 + b"\xc3",
        "\ufffdéééé\ufffd\ufffdxxxxxxx\ufffd",
        "utf-8",
        ("input: 4 byte(s) of a.md are not valid UTF-8 (offsets 0, 9, 10, 18); each was replaced with U+FFFD",),
    ),
    # More invalid bytes than valid multi-byte characters: Windows-1252 (ASCII with one é byte).
    (b"caf\xe9 cr\xe8me", "café crème", "cp1252", ()),
]


@pytest.mark.parametrize(("data", "text", "encoding", "warnings"), DECODE)
def test_decode(data: bytes, text: str, encoding: str, warnings: tuple[str, ...]) -> None:
    assert decode(data, "a.md") == Decoded(text, encoding, warnings)


BAD_BYTES = [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (NUL bytes)"),
    (b"caf\x81 et th\x8d", "byte 0x81 at offset 3 is not valid UTF-8 or Windows-1252"),
    (bytes(range(1, 32)) * 4, "control characters"),
]


@pytest.mark.parametrize(("data", "message"), BAD_BYTES)
def test_decode_rejects(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        decode(data, "a.md")


def test_read_article_errors(tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_article(str(tmp_path / "missing.md"))
    with pytest.raises(InputError, match="is a directory"):
        read_article(str(tmp_path))
    blank = tmp_path / "blank.md"
    blank.write_text(" \n\t\n  ")
    with pytest.raises(InputError, match="empty"):
        read_article(str(blank))
    page = tmp_path / "empty.html"
    page.write_text("<html><body><script>var x = 1;</script></body></html>")
    with pytest.raises(InputError, match="empty"):
        read_article(str(page))


HTML = [
    (
        "<html><head><title>T</title><style>p{}</style></head>"
        "<body><h1>Titre</h1><p>Un <b>texte</b>.</p></body></html>",
        "# Titre\n\nUn **texte**.",
    ),
    (
        "<html><head><title>Le titre</title></head><body><p>A&amp;B &eacute;t&eacute;.</p></body></html>",
        "# Le titre\n\nA&B été.",
    ),
    (
        "<!DOCTYPE html><body><nav>Menu</nav><h2>Sous</h2><ul><li>un</li><li>deux</li></ul>"
        "<blockquote><p>cité</p></blockquote><script>x()</script></body>",
        "## Sous\n\n- un\n\n- deux\n\n> cité",
    ),
    (
        '<p>Selon le <a href="https://wsj.com/a b">Wall Street <i>Journal</i></a>, '
        '<a href="/relatif">ici</a> et <a href="mailto:a@b.fr"><img src="x.png"></a>.</p>',
        "Selon le [Wall Street *Journal*](https://wsj.com/a%20b), ici et .",  # inline tags kept as Markdown
    ),
    ('<p><a href="https://a.fr"><p>Un bloc</p></a> suite</p>', "Un bloc\n\nsuite"),
]


@pytest.mark.parametrize(("html", "markdown"), HTML)
def test_html_to_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown


def translated(markdown: str) -> Document:
    doc = FrenchSegmenter(FrenchSegmenterConfig())(Document("d", markdown))
    from dataclasses import replace

    return replace(
        doc,
        segments=tuple(s if s.verbatim else replace(s, translation=s.source.upper()) for s in doc.segments),
    )


def test_render_translation_keeps_layout() -> None:
    doc = translated(
        "# Titre\n\nUn. Deux.\n\n## Partie\n\n- un\n- deux\n\n> cité\n\n*Tout en italique.*\n\n```\nx = 1\n```"
    )
    assert render_translation(doc) == (
        "UN. DEUX.\n\n## PARTIE\n\n- UN\n- DEUX\n\n> CITÉ\n\n*TOUT EN ITALIQUE.*\n\n```\nx = 1\n```"
    )


def test_render_markdown_sections() -> None:
    from dataclasses import replace

    doc = replace(translated("# Titre\n\nUn. Deux."), summary="Résumé.", warnings=("w1",))
    assert render_markdown(doc) == (
        "# TITRE\n\n## Summary\n\nRésumé.\n\n## Translation\n\nUN. DEUX.\n\n## Warnings\n\n- w1\n"
    )


def test_links_are_listed_after_the_translation() -> None:
    from dataclasses import replace

    doc = replace(translated("# Titre\n\nLe [WSJ](https://wsj.com) et [rien](#).\n\n- <https://a.fr>"), summary="S.")
    assert render_markdown(doc) == (
        "# TITRE\n\n## Summary\n\nS.\n\n## Translation\n\nLE WSJ ET RIEN.\n\n- HTTPS://A.FR\n\n"
        "## Links\n\n- WSJ: <https://wsj.com>\n- https://a.fr: <https://a.fr>\n"
    )
    record = to_record(doc, models=[], config={}, versions={}, signature="precis:0.1.0|mt:x@y")
    assert [p["links"] for p in record["paragraphs"]] == [
        [],
        [{"text": "WSJ", "url": "https://wsj.com"}],
        [{"text": "https://a.fr", "url": "https://a.fr"}],
    ]
