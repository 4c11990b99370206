"""Splits: stratified, seeded, exact in size, order kept; the validation split of data in random order is its tail."""

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.data import Dataset, held_count, holdout, split, stratified_indices

LABELS = np.repeat([0, 1, 2], [60, 30, 10])  # classes of 60%, 30% and 10%
DATA = Dataset(np.arange(100, dtype=np.float64).reshape(100, 1), LABELS, name="d")


@pytest.mark.parametrize(("size", "count"), [(0.25, 25), (0.1, 10), (0.333, 34), (7, 7), (7.0, 7)])
def test_a_fraction_rounds_up_and_a_count_is_exact(size: float, count: int) -> None:
    assert held_count(size, 100, what="test_size") == count


def test_each_class_is_held_out_in_proportion_and_the_rows_keep_their_order() -> None:
    rest, held = split(DATA, 0.2, seed=0)
    assert np.bincount(held.labels).tolist() == [12, 6, 2] and len(rest) == 80
    for part in (rest, held):
        values = np.asarray(part.inputs).ravel()
        assert (np.diff(values) > 0).all()  # file order kept
    assert set(np.asarray(rest.inputs).ravel()) | set(np.asarray(held.inputs).ravel()) == set(range(100))


def test_largest_remainders_make_the_counts_sum_exactly() -> None:
    chosen = stratified_indices(LABELS, 7, seed=1)  # shares 4.2, 2.1, 0.7: floors 4, 2, 0, then the 0.7
    assert len(chosen) == 7 and np.bincount(LABELS[chosen], minlength=3).tolist() == [4, 2, 1]


def test_the_seed_decides_the_draw_and_repeats_it() -> None:
    first, again, other = (split(DATA, 0.3, seed=s)[1] for s in (3, 3, 4))
    assert np.array_equal(first.inputs, again.inputs) and not np.array_equal(first.inputs, other.inputs)


def test_validation_holds_out_the_tail_of_data_in_random_order_and_draws_from_other_data() -> None:
    shuffled = Dataset(np.arange(100.0).reshape(100, 1), LABELS, random_order=True)
    rest, held = holdout(shuffled, 10, seed=0)
    assert np.asarray(held.inputs).ravel().tolist() == list(range(90, 100)) and len(rest) == 90
    rest, held = holdout(DATA, 10, seed=0)  # sorted by class: the tail would be one class alone
    assert np.bincount(held.labels).tolist() == [6, 3, 1]
    assert not np.array_equal(held.inputs, split(DATA, 10, seed=0)[1].inputs)  # not the test draw


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (100, "test_size 100 leaves no training examples out of 100; lower it"),
        (1.5, r"test_size must be a count or a fraction in \(0, 1\), got 1.5"),
        (0, "test_size 0 holds out no examples"),
        (0.0, "test_size 0.0 holds out no examples"),
        ("a", "test_size must be a count or a fraction"),
        (True, "test_size must be a count or a fraction"),
    ],
)
def test_sizes_that_leave_nothing_on_a_side_are_refused(size: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        split(DATA, size, seed=0)  # type: ignore[arg-type]
