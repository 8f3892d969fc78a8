"""The satisfaction index as PermenPAN-RB 14/2017 computes it, against hand-computed examples."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from ticketing.domain import ikm


def spread(respondents: int, fours: int) -> list[list[int]]:
    """`respondents` responses of all 3s, the first `fours` scores (row by row) raised to 4."""
    flat = [4 if i < fours else 3 for i in range(respondents * 9)]
    return [flat[i * 9:(i + 1) * 9] for i in range(respondents)]


def test_nine_elements_in_the_regulations_order():
    assert ikm.ELEMENT_KEYS == ("persyaratan", "prosedur", "waktu", "biaya", "produk",
                                "kompetensi", "perilaku", "pengaduan", "sarana")
    assert Fraction(1, 9) == ikm.WEIGHT
    assert all(len(answers) == 4 for *_, answers in ikm.ELEMENTS)


def test_all_best_is_exactly_100_and_all_worst_exactly_25():
    best = ikm.compute([[4] * 9] * 3)
    assert best.exact == 100 and best.value == Decimal("100.00") and best.category == "A"
    assert best.label == "Sangat baik"
    worst = ikm.compute([[1] * 9])
    assert worst.exact == 25 and worst.value == Decimal("25.00") and worst.category == "D"
    assert worst.label == "Tidak baik"


def test_four_respondents_by_hand():
    responses = [
        [4, 3, 3, 4, 3, 3, 4, 3, 3],
        [3, 3, 2, 4, 3, 4, 4, 3, 3],
        [4, 4, 3, 4, 4, 3, 3, 2, 3],
        [3, 3, 3, 4, 3, 3, 4, 3, 2],
    ]
    result = ikm.compute(responses)
    # Column sums by hand: 14 13 11 16 13 13 15 11 11 (total 117).
    assert [s for s, _ in result.sums] == [14, 13, 11, 16, 13, 13, 15, 11, 11]
    assert [n for _, n in result.sums] == [4] * 9
    assert result.nrr[2] == Fraction(11, 4) and result.nrr_value(2) == Decimal("2.75")
    assert result.nrr[3] == 4 and result.element_index(3) == Decimal("100.00")
    # 117 / 36 = 3.25 mean NRR; x 25 = 81.25 exactly. With the printed weight 0.111 it would
    # be 81.17: the exact 1/9 matters.
    assert result.exact == Fraction(325, 4)
    assert result.value == Decimal("81.25")
    assert result.category == "B" and result.label == "Baik"
    assert result.respondents == 4


def test_two_respondents_three_and_four_give_87_50():
    result = ikm.compute([[3] * 9, [4] * 9])
    assert result.value == Decimal("87.50") and result.category == "B"


@pytest.mark.parametrize("value, code", [
    (Decimal("100.00"), "A"), (Decimal("88.31"), "A"), (Decimal("88.30"), "B"),
    (Decimal("76.61"), "B"), (Decimal("76.60"), "C"), (Decimal("65.00"), "C"),
    (Decimal("64.99"), "D"), (Decimal("25.00"), "D"),
    # between the printed intervals: decided by rounding to two decimals, half up
    (Fraction(88305, 1000), "A"), (Fraction(883049, 10000), "B"),
    (Fraction(76605, 1000), "B"), (Fraction(7660499, 100000), "C"),
    (Fraction(64995, 1000), "C"), (Fraction(64994, 1000), "D"),
])
def test_category_boundaries(value, code):
    assert ikm.category(value)[0] == code


@pytest.mark.parametrize("value", [Decimal("24.99"), Decimal("100.01")])
def test_index_outside_25_100_is_refused(value):
    with pytest.raises(ValueError):
        ikm.category(value)


def test_real_responses_on_the_a_b_boundary():
    # 100 respondents, total 3179: 3179 / 900 x 25 = 88.3055... -> 88.31, category A
    result = ikm.compute(spread(100, 479))
    assert sum(s for s, _ in result.sums) == 3179
    assert result.exact == Fraction(3179, 36)
    assert result.value == Decimal("88.31") and result.category == "A"
    # one score less: 3178 / 36 = 88.2777... -> 88.28, category B
    assert ikm.compute(spread(100, 478)).category == "B"


def test_real_responses_on_the_b_c_boundary():
    # 19 respondents, total 524: 524 / 171 x 25 = 76.6081... -> 76.61, category B (a
    # truncation to 76.60 would wrongly give C)
    result = ikm.compute(spread(19, 11))
    assert result.exact == Fraction(13100, 171)
    assert result.value == Decimal("76.61") and result.category == "B"
    assert ikm.compute(spread(19, 10)).category == "C"


def test_no_responses_has_no_index():
    result = ikm.compute([])
    assert result.respondents == 0 and result.value is None and result.category is None
    assert result.nrr == (None,) * 9


def test_unanswered_element_counts_only_the_answers():
    result = ikm.compute([[4] * 9, [2] * 8 + [None]])
    assert result.sums[8] == (4, 1) and result.nrr[8] == 4
    assert result.nrr[0] == 3


@pytest.mark.parametrize("bad", [[5] + [3] * 8, [0] + [3] * 8, [3] * 8])
def test_invalid_responses_are_refused(bad):
    with pytest.raises(ValueError):
        ikm.compute([bad])


def test_check_scores_names_the_bad_elements():
    assert ikm.check_scores([3] * 9) == []
    assert ikm.check_scores([3, None, 5, 3, 3, "4", 3, True, 3]) == [1, 2, 5, 7]
    assert ikm.check_scores([3] * 7) == [7, 8]
