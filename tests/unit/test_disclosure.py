"""Disclosure control: primary suppression of small counts and secondary suppression so that
none can be worked out from the totals, against hand-worked tables and random ones."""

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.disclosure import PRIMARY, SECONDARY, TOTAL, recoverable, suppress


def test_a_small_count_and_the_smallest_other_count_in_its_line():
    # By sex: M 12, F 3, U 0 (total 15). F is under 5; alone it could be read off the total,
    # so the smallest other non-zero count (M) goes too; the zero stays.
    published = suppress(["ROTH"], ["M", "F", "U"], {("ROTH", "M"): 12, ("ROTH", "F"): 3})
    assert published.value("ROTH", "F") is None and published.reasons[("ROTH", "F")] == PRIMARY
    assert published.value("ROTH", "M") is None and published.reasons[("ROTH", "M")] == SECONDARY
    assert published.value("ROTH", "U") == 0 and published.value("ROTH", TOTAL) == 15
    assert recoverable(published) == []


def test_a_two_way_table_worked_by_hand():
    #            M   F   total
    # 10-12      2   6     8
    # 13-15      9   7    16
    # 16-17     11   1    12
    # total     22  14    36
    counts = {("10-12", "M"): 2, ("10-12", "F"): 6, ("13-15", "M"): 9, ("13-15", "F"): 7,
              ("16-17", "M"): 11, ("16-17", "F"): 1}
    published = suppress(["10-12", "13-15", "16-17"], ["M", "F"], counts)
    hidden = {cell for cell, value in published.values.items() if value is None}
    # Primary: 2 and 1. Row 10-12 then hides its 6 too, row 16-17 its 11; column M then has
    # 2 and 11 hidden, column F 6 and 1: every line hides none or two or more.
    assert {cell for cell, why in published.reasons.items() if why == PRIMARY} == {("10-12", "M"), ("16-17", "F")}
    assert hidden == {("10-12", "M"), ("10-12", "F"), ("16-17", "M"), ("16-17", "F")}
    assert published.value(TOTAL, TOTAL) == 36 and published.value("13-15", "M") == 9
    assert recoverable(published) == []


def test_a_small_total_is_suppressed_with_what_would_give_it_away():
    # A row of 1 and 2: both counts and the row's total (3) are small; the column totals
    # would give the row total away, so enough of the other row goes too.
    published = suppress(["A", "B"], ["x", "y"], {("A", "x"): 1, ("A", "y"): 2, ("B", "x"): 10, ("B", "y"): 20})
    assert published.value("A", TOTAL) is None and published.value("A", "x") is None
    assert recoverable(published) == []


def test_nothing_small_nothing_suppressed():
    published = suppress(["r"], ["a", "b"], {("r", "a"): 5, ("r", "b"): 0})
    assert published.reasons == {} and published.value("r", TOTAL) == 5


def test_an_unsafe_table_is_found_out():
    published = suppress(["r"], ["a", "b"], {("r", "a"): 7, ("r", "b"): 8})
    leaky = type(published)(published.rows, published.columns, {**published.values, ("r", "a"): None}, {})
    assert recoverable(leaky) == [("r", "a")]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.lists(st.integers(0, 12), min_size=16, max_size=16), st.integers(1, 6))
def test_random_tables_publish_nothing_small_and_nothing_recoverable(n_rows, n_columns, numbers, threshold):
    rows, columns = [f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_columns)]
    counts = {(r, c): numbers[i * 4 + j] for i, r in enumerate(rows) for j, c in enumerate(columns)}
    published = suppress(rows, columns, counts, threshold)
    for cell, value in published.values.items():
        if value is not None:
            # What is published is the true count, and never a small one.
            assert not 0 < value < threshold
            if cell[0] != TOTAL and cell[1] != TOTAL:
                assert value == counts[cell]
    assert recoverable(published) == []
