"""Errors injected into human references (eval/injection.py): names and spelled-out numbers, read
apart from the checker; the exact corrupted English for a fixed seed, and lines that offer no place."""

from __future__ import annotations

import pytest

from eval.injection import ERRORS, english_numbers, french_numbers, inject
from eval.parallel import Pair


def _inject(error: str, french: str, english: str, seed: int = 0) -> tuple[str, bool] | None:
    out = inject(Pair("t", 1, french, english), error, seed)
    return None if out is None else (out["english"], out["elsewhere"])


@pytest.mark.parametrize(
    ("french", "english", "seed", "expected"),
    [
        ("Keith Alexander dirige la NSA.", "Keith Alexander heads the NSA.", 0, "Keith Alexander heads the."),
        ("Keith Alexander dirige la NSA.", "Keith Alexander heads the NSA.", 1, "heads the NSA."),
        (
            "Le président Barack Obama est arrivé à New York.",
            "President Barack Obama arrived in New York.",
            1,
            "President arrived in New York.",  # "président": no capital in the French, no name
        ),
        (
            "Il a vendu ses parts à Disneyland Paris.",
            "He sold his shares to Disneyland Paris.",
            0,
            "He sold his shares to.",
        ),
        ("Le plan de Hosni Moubarak a échoué.", "Hosni Mubarak's plan failed.", 0, "plan failed."),  # Mubarak: close
        (
            "Selon le député, Gianfranco Fini, a parlé.",
            "According to the deputy, Gianfranco Fini, spoke.",
            0,
            "According to the deputy, spoke.",
        ),
        ("L'innovateur IBM commence.", "The Innovator IBM Starts.", 0, "The Innovator Starts."),
        (
            "Le directeur Samuel J. Palmisano parle.",
            "Director Samuel J. Palmisano speaks.",
            0,
            "Director speaks.",  # an initial inside a name
        ),
        ("Il est venu en Septembre.", "He came in September.", 0, None),  # months and weekdays are dates
        ("Tom a vu Marie.", "Tom saw Mary.", 0, None),  # Tom opens the sentence; Mary/Marie not close enough
        ("Il pleut à Paris.", "Paris is rainy.", 0, None),  # a single word opening the sentence
        ("Il fait beau.", "It is nice.", 0, None),
    ],
)
def test_name_dropped_deletes_a_whole_name(french: str, english: str, seed: int, expected: str | None) -> None:
    assert _inject("name_dropped", french, english, seed) == (None if expected is None else (expected, False))


@pytest.mark.parametrize(
    ("french", "english", "expected"),
    [
        ("Keith Alexander dirige la NSA.", "Keith Alexander heads the NSA.", "Alexander heads the NSA."),
        ("Les actions de Wall Street ont chuté.", "Wall Street shares fell.", "Street shares fell."),
        ("Il vit à New York.", "He lives in New York.", "He lives in York."),
        ("Le plan de Hosni Moubarak a échoué.", "Hosni Mubarak's plan failed.", "Mubarak's plan failed."),
        ("Il est allé à Disneyland Paris.", "He went to Disneyland Paris.", "He went to Paris."),
        ("Samuel J. Palmisano parle.", "Samuel J. Palmisano speaks.", "J. Palmisano speaks."),  # never the initial
        ("Le président Obama parle.", "President Obama speaks.", None),  # one word of a name only
        ("Il pleut à Paris.", "It rains in Paris.", None),
    ],
)
def test_name_word_dropped_deletes_one_word_of_a_name(french: str, english: str, expected: str | None) -> None:
    assert _inject("name_word_dropped", french, english) == (None if expected is None else (expected, False))


def test_name_word_dropped_keeps_the_possessive_and_says_when_the_word_is_elsewhere() -> None:
    seeds = range(20)
    assert {_inject("name_word_dropped", "Le plan de Barack Obama.", "Barack Obama's plan.", s) for s in seeds} == {
        ("Barack's plan.", False),
        ("Obama's plan.", False),
    }
    # "Obama" opening the sentence alone is no name; "Barack Obama" is, and its "Obama" is still there
    assert {_inject("name_word_dropped", "Obama a vu Barack Obama.", "Obama met Barack Obama.", s) for s in seeds} == {
        ("Obama met Obama.", False),
        ("Obama met Barack.", True),
    }


@pytest.mark.parametrize(
    ("french", "english", "seed", "expected"),
    [
        ("Il a deux chats.", "He has two cats.", 0, "He has five cats."),
        ("Il a deux chats.", "He has two cats.", 1, "He has twelve cats."),
        ("Il a deux chats.", "He has 2 cats.", 0, "He has 3 cats."),
        ("Une vingtaine de personnes sont venues.", "About twenty people came.", 0, "About forty people came."),
        ("C'est la deuxième fois.", "It is the second time.", 0, "It is the fourth time."),
        ("Il a quarante-cinq ans.", "He is forty-five years old.", 0, "He is forty years old."),
        ("Au dix-huitième siècle.", "In the 18th century.", 0, "In the 78th century."),
        ("Trois mille personnes.", "3,000 people.", 0, "3,300 people."),
        ("Cinq millions de personnes.", "Five million people.", 0, "Two million people."),
        ("Vingt pour cent.", "Twenty percent.", 0, "Forty percent."),
        ("Un homme est venu.", "A man came.", 0, None),  # un, une: articles too
        ("Il a 3 chats.", "He has three cats.", 0, None),  # digits in the French: number_changed's
        ("Il a deux chats.", "He has a pair of cats.", 0, None),  # no English value 2
        ("La fusée à deux étages RM-2.", "The RM-2 rocket with stages.", 0, None),  # a code's digit
    ],
)
def test_number_word_changed(french: str, english: str, seed: int, expected: str | None) -> None:
    assert _inject("number_word_changed", french, english, seed) == (None if expected is None else (expected, False))


def test_number_word_changed_never_gives_a_value_the_french_spells_out() -> None:
    for seed in range(20):
        out = _inject("number_word_changed", "Deux chats et trois chiens.", "Two cats and three dogs.", seed)
        assert out is not None
        values = sorted(n.value for n in english_numbers(out[0]))
        assert len(values) == 2 and len({2, 3} & set(values)) == 1, (seed, out)


def test_number_word_changed_elsewhere() -> None:
    assert _inject("number_word_changed", "Les deux premiers.", "The first two, the first.", 0) == (
        "The fifth two, the first.",
        True,
    )


@pytest.mark.parametrize(
    ("french", "expected"),
    [
        ("Il a deux chats et trois chiens.", [(2, False), (3, False)]),
        ("une vingtaine de personnes", [(20, False)]),
        ("la Seconde Guerre mondiale", [(2, True)]),
        ("le premier jour, une seconde", [(1, True)]),
        ("dix-huitième siècle", [(18, True)]),
        ("quatre-vingt-dix-neuf", [(99, False)]),
        ("deux cent mille", [(200000, False)]),
        ("20 pour cent, 2 millions, quelques millions", []),
        ("Un homme et une femme", []),
    ],
)
def test_french_numbers(french: str, expected: list[tuple[int, bool]]) -> None:
    assert [(n.value, n.ordinal) for n in french_numbers(french)] == expected


@pytest.mark.parametrize(
    ("english", "expected"),
    [
        ("two cats and 3 dogs", [(3, False, "3"), (2, False, "two")]),
        ("one hundred and twenty-five", [(125, False, "one hundred and twenty-five")]),
        ("a hundred people, a dozen eggs", [(100, False, "a hundred"), (12, False, "a dozen")]),
        ("the 18th and twenty-first centuries", [(18, True, "18th"), (21, True, "twenty-first")]),
        ("1,000 and 2 million; millions", [(1000, False, "1,000"), (2000000, False, "2 million")]),
        ("RM-2, 3.5", []),
    ],
)
def test_english_numbers(english: str, expected: list[tuple[int, bool, str]]) -> None:
    assert [(n.value, n.ordinal, english[n.start : n.end]) for n in english_numbers(english)] == expected


def test_every_error_is_known_and_an_unknown_one_is_refused() -> None:
    assert ERRORS == ("number_changed", "name_dropped", "name_word_dropped", "number_word_changed", "unit_swapped")
    with pytest.raises(ValueError, match="unknown error 'typo'"):
        inject(Pair("t", 1, "Il a deux chats.", "He has two cats."), "typo", 0)
