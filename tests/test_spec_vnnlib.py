"""VNNLIB: the competition's forms read exactly, counterexamples decided exactly, malformed files refused in one line."""

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verified_nn.spec import Property, SpecError, parse_sexpr, parse_vnnlib, read_vnnlib
from verified_nn.spec._sexpr import MAX_DEPTH


def _declare(inputs: int, outputs: int) -> str:
    return "".join(f"(declare-const X_{i} Real)\n" for i in range(inputs)) + "".join(
        f"(declare-const Y_{j} Real)\n" for j in range(outputs)
    )


def _box(bounds: list[tuple[str, str]]) -> str:
    return "".join(f"(assert (<= X_{i} {high}))\n(assert (>= X_{i} {low}))\n" for i, (low, high) in enumerate(bounds))


MNIST_LIKE = (
    "; Mnist property with label: 1.\n"
    + _declare(2, 3)
    + _box([("0.0", "0.029999999329447746"), ("0.5", "0.6")])
    + "(assert (or\n    (and (>= Y_0 Y_1))\n    (and (>= Y_2 Y_1))\n))\n"
)


def test_the_mnist_form_is_one_box_with_one_row_per_other_class() -> None:
    spec = parse_vnnlib(MNIST_LIKE)
    assert (spec.inputs, spec.outputs, len(spec.regions)) == (2, 3, 1)
    region = spec.regions[0]
    assert region.box.lower == (Fraction(0), Fraction(1, 2))
    assert region.box.upper == (Fraction("0.029999999329447746"), Fraction(3, 5))  # exact, not a float
    rows = [conjunct.rows for conjunct in region.conjuncts]
    assert [[(r.coefficients, r.bound) for r in conj] for conj in rows] == [
        [((Fraction(-1), Fraction(1), Fraction(0)), Fraction(0))],  # Y_1 - Y_0 <= 0
        [((Fraction(0), Fraction(1), Fraction(-1)), Fraction(0))],
    ]


def test_a_counterexample_is_decided_exactly_including_ties_and_the_boxs_edge() -> None:
    spec = parse_vnnlib(MNIST_LIKE)
    # float32(0.03) = 0.0299999993294477462768..., just above the decimal bound 0.029999999329447746 but the
    # float32 it rounds to: an input of the box; the next float32 up is not.
    x = np.array([0.03, 0.5], dtype=np.float32)
    assert spec.violated_by(x, np.array([1.0, 1.0, 0.0], dtype=np.float32))  # a tie violates (>=)
    beyond = np.array([np.nextafter(np.float32(0.03), np.float32(1)), 0.5], dtype=np.float32)
    assert not spec.violated_by(beyond, np.array([1.0, 1.0, 0.0], dtype=np.float32))
    # In float64 the same decimal is its own rounding: float64(0.03) is another number, outside.
    assert not spec.violated_by(np.array([0.03, 0.5]), np.array([1.0, 1.0, 0.0]))
    assert not spec.violated_by(x, np.array([1.0, np.float32(1.0) + np.float32(2**-23), 0.0], dtype=np.float32))
    assert not spec.violated_by(np.array([-0.0, 0.6]), np.array([0.0, 1.0, 0.0]))
    assert spec.violated_by(np.array([-0.0, 0.6]), np.array([0.0, 0.0, 0.0]))


def test_disjunctive_input_boxes_become_regions_with_their_own_conditions() -> None:
    text = _declare(1, 2) + (
        "(assert (or (and (<= X_0 1) (>= X_0 0)) (and (<= X_0 5) (>= X_0 4))))\n"
        "(assert (or (and (<= Y_1 Y_0)) (and (<= Y_0 -2.5) (>= (+ Y_0 (* 2 Y_1)) 1e-3))))\n"
    )
    spec = parse_vnnlib(text)
    expected = [((Fraction(0),), (Fraction(1),)), ((Fraction(4),), (Fraction(5),))]
    assert [(r.box.lower, r.box.upper) for r in spec.regions] == expected
    assert all(len(region.conjuncts) == 2 for region in spec.regions)
    rows = spec.regions[0].conjuncts[1].rows
    assert [(r.coefficients, r.bound) for r in rows] == [
        ((Fraction(1), Fraction(0)), Fraction(-5, 2)),
        ((Fraction(-1), Fraction(-2)), Fraction(-1, 1000)),
    ]
    assert spec.violated_by(np.array([4.5]), np.array([-3.0, 2.0]))
    assert not spec.violated_by(np.array([3.0]), np.array([-3.0, 2.0]))  # between the boxes


def test_strict_rows_and_contradictory_cases() -> None:
    spec = parse_vnnlib(_declare(1, 1) + "(assert (<= X_0 1))(assert (>= X_0 0))(assert (< Y_0 0))")
    assert spec.violated_by(np.array([0.5]), np.array([-1e-30]))
    assert not spec.violated_by(np.array([0.5]), np.array([0.0]))
    # Bounds that leave no input are a mistake, not a property to prove: refused, naming the input.
    with pytest.raises(SpecError, match=r"^p: X_0 is bounded below by 1 and above by 0: no input lies in the box$"):
        parse_vnnlib(_declare(1, 1) + "(assert (<= X_0 0))(assert (>= X_0 1))(assert (<= Y_0 0))", source="p")
    # A case of a disjunction that leaves no input is one the other cases do without.
    either = "(assert (or (and (>= X_0 2) (<= Y_0 0)) (and (<= Y_0 -1))))"
    spec = parse_vnnlib(_declare(1, 1) + "(assert (<= X_0 1))(assert (>= X_0 0))" + either)
    assert [len(region.conjuncts) for region in spec.regions] == [1]
    assert spec.violated_by(np.array([0.5]), np.array([-2.0])) and not spec.violated_by(
        np.array([0.5]), np.array([-0.5])
    )


def test_numbers_beyond_the_float_range_are_refused_or_met_at_its_edge() -> None:
    for text in (
        "(assert (<= X_0 1e400))(assert (>= X_0 0))(assert (<= Y_0 0))",
        _box([("0", "1")]) + "(assert (>= Y_0 -1e400))",
    ):
        with pytest.raises(SpecError, match=r"^p: the number -?1e400 is beyond float64's range \(±1.798e\+308\)$"):
            parse_vnnlib(_declare(1, 1) + text, source="p")
    # Beyond float32 but not float64: rounded as a float32 conversion rounds (infinite past the largest number
    # and half its last step), and the outer box holds the reals.
    spec = parse_vnnlib(
        _declare(2, 1) + _box([("-1e39", "1e39"), ("0", "3.4028235677973366e38")]) + "(assert (<= Y_0 0))"
    )
    low, high = spec.regions[0].box.inner(np.float32)
    largest = np.finfo(np.float32).max
    assert low[0] == -np.inf and high[0] == np.inf and high[1] == largest
    outer_low, outer_high = spec.regions[0].box.outer(np.float32)
    assert outer_low[0] <= -largest and outer_high[0] >= largest


def test_the_inputs_of_a_box_are_the_roundings_of_its_reals_and_the_outer_box_holds_both() -> None:
    text = _box([("0.1", "0.2"), ("-1e-40", "1e-40"), ("0.42109073316360257", "0.42109073316360257")])
    spec = parse_vnnlib(_declare(3, 1) + text + "(assert (<= Y_0 0))")
    box = spec.regions[0].box
    low, high = box.inner(np.float32)
    assert low.dtype == np.float32 and low[0] == np.float32(0.1) and high[0] == np.float32(0.2)
    assert low[2] == high[2] == np.float32(0.42109073316360257)  # one real, no float32: its rounding
    assert low[1] == np.float32(-1e-40) and high[1] == np.float32(1e-40)  # subnormal in float32
    assert box.contains(low) and box.contains(high)
    assert not box.contains(np.nextafter(low, np.float32(-1))) and not box.contains(np.nextafter(high, np.float32(1)))
    outer_low, outer_high = box.outer(np.float32)
    assert all(Fraction(float(v)) <= b for v, b in zip(outer_low, box.lower, strict=True))
    assert all(Fraction(float(v)) >= b for v, b in zip(outer_high, box.upper, strict=True))
    assert np.all(outer_low <= low) and np.all(outer_high >= high)


def test_rounding_to_nearest_breaks_ties_to_even() -> None:
    from verified_nn.spec._property import _nearest

    largest = Fraction(float(np.finfo(np.float32).max))
    half_step = Fraction(2**103)  # half the distance from float32's largest number to the one below
    assert _nearest(largest + half_step - 1, np.float32) == np.finfo(np.float32).max  # below IEEE's overflow
    assert _nearest(largest + half_step, np.float32) == np.inf  # at it: infinite, as a float32 conversion
    assert _nearest(-largest - half_step, np.float32) == -np.inf

    one = Fraction(1)
    half_ulp = Fraction(1, 2**24)  # float32: 1 and 1 + 2**-23 are neighbours
    assert _nearest(one + half_ulp, np.float32) == 1  # a tie: 1 is even
    assert _nearest(one + 3 * half_ulp, np.float32) == np.float32(1 + 2**-22)  # a tie: 1 + 2**-22 is even
    assert _nearest(one + half_ulp + Fraction(1, 2**40), np.float32) == np.float32(1 + 2**-23)


def _awkward_values(kind: Any) -> list[Fraction]:
    """Rationals where a conversion can go wrong: floats of ``kind`` and float64, the midpoints between
    neighbours of ``kind`` and a hair either side, subnormals, 0, the range's ends, random decimals."""
    rng = np.random.default_rng(4)
    finfo = np.finfo(kind)
    floats = [kind(v) for v in rng.standard_normal(40) * 10.0 ** rng.integers(-40, 36, 40)]
    floats += [kind(0), finfo.smallest_subnormal, finfo.tiny, finfo.max, kind(1), kind(0.1)]
    values = []
    for f in floats:
        for sign in (1, -1):
            if f == finfo.max:
                values.append(Fraction(float(f)) * sign)
                continue
            here, up = Fraction(float(f)) * sign, Fraction(float(np.nextafter(f, kind(np.inf)))) * sign
            middle = (here + up) / 2
            values += [here, middle, middle + Fraction(1, 2**1100), middle - Fraction(1, 2**1100)]
    values += [Fraction(int(n), int(d)) for n, d in rng.integers(1, 10**12, (40, 2))]
    values += [Fraction(f"{x:.17g}") for x in rng.standard_normal(40)]
    return values


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_exact_conversions_meet_their_definitions(dtype: Any) -> None:
    """The conversions work on integers rather than Fractions (for speed); held here to their definitions."""
    from verified_nn.spec._property import _error, _float_at_least, _float_at_most, _nearest

    kind = np.dtype(dtype).type
    largest = Fraction(float(np.finfo(kind).max))
    for value in _awkward_values(kind):
        low, high = _float_at_most(value, kind), _float_at_least(value, kind)
        assert low.dtype == kind and high.dtype == kind
        if -largest <= value < largest:
            assert Fraction(float(low)) <= value < Fraction(float(np.nextafter(low, kind(np.inf))))
        if -largest < value <= largest:
            assert Fraction(float(np.nextafter(high, kind(-np.inf)))) < value <= Fraction(float(high))
        if abs(value) < largest:
            near = _nearest(value, kind)
            other = high if near == low else low
            assert near in (low, high)
            distance, other_distance = abs(Fraction(float(near)) - value), abs(Fraction(float(other)) - value)
            even = int(np.array([near]).view(f"int{8 * kind(0).itemsize}")[0]) % 2 == 0
            assert low == high or distance < other_distance or (distance == other_distance and even)
            if kind is np.float64 or Fraction(float(value)) == value:  # float(): one rounding to nearest, then exact
                assert near == kind(float(value))
        if kind is np.float64 and abs(value) < largest:
            rounded = float(value)
            slack = _error(rounded, value)
            exact = abs(Fraction(rounded) - value)
            assert Fraction(slack) >= exact and (slack == 0 or Fraction(float(np.nextafter(slack, 0.0))) < exact)


def test_rows_as_matrices_round_coefficients_with_a_slack() -> None:
    spec = parse_vnnlib(_declare(1, 2) + _box([("0", "1")]) + "(assert (<= (+ (* 0.1 Y_0) Y_1) 0.3))")
    matrix, bound, slack = spec.regions[0].conjuncts[0].matrix(2)
    assert matrix.tolist() == [[0.1, 1.0]] and slack[0, 1] == 0 and 0 < slack[0, 0] < 1e-17
    assert Fraction(float(bound[0])) >= Fraction(3, 10)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_declare(1, 1) + "(assert (<= X_0 1))(assert (<= Y_0 0))", "X_0 has no lower bound"),
        (_declare(2, 1) + "(assert (<= (+ X_0 X_1) 1))", "several inputs"),
        (_declare(1, 1) + _box([("0", "1")]) + "(assert (<= X_0 Y_0))", "tying inputs to outputs"),
        (_declare(1, 1) + _box([("0", "1")]) + "(assert (<= (* Y_0 Y_0) 1))", "not linear"),
        (_declare(1, 1) + _box([("0", "1")]) + "(assert (=> (<= Y_0 1) (<= Y_0 2)))", "operator '=>'"),
        (_declare(1, 1) + _box([("0", "1")]) + "(assert (<= Y_3 0))", "Y_3 is used but not declared"),
        ("(declare-const X_1 Real)(declare-const Y_0 Real)", "X_0 ... must be declared"),
        ("(declare-const X_0 Int)", "cannot declare"),
        ("", "declares no inputs or outputs"),
        ("; only a comment\n", "declares no inputs or outputs"),
        (_declare(1, 1) + "(assert (<= X_0 1)", "1 '\\(' never closed"),
        (_declare(1, 1) + "(assert (<= X_0 0x1F))(assert (>= X_0 0))", "neither a declared variable nor a number"),
    ],
)
def test_what_cannot_be_read_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as caught:
        parse_vnnlib(text, source="p.vnnlib")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("p.vnnlib")


def test_sexpressions_skip_comments_and_nest() -> None:
    assert parse_sexpr("; a comment (\n(a (b c)) d ; more\n") == [("a", ("b", "c")), "d"]
    with pytest.raises(SpecError, match="without a matching"):
        parse_sexpr("a)")


def test_nesting_is_read_to_the_ceiling_and_refused_in_one_line_beyond_it() -> None:
    header = _declare(2, 2) + _box([("0", "1"), ("0", "1")])
    ors = MAX_DEPTH - 2  # (assert, the ors, (>=: MAX_DEPTH levels of parentheses
    negations = MAX_DEPTH - 2  # (assert, (>=, the negations
    for condition in (
        "(or " * ors + "(>= Y_0 Y_1)" + ")" * ors,
        "(>= " + "(- " * negations + "Y_0" + ")" * negations + " Y_1)",
    ):
        assert len(parse_vnnlib(header + f"(assert {condition})").regions) == 1
        deeper = condition.replace("(>= ", "(or (>= ", 1) + ")"  # one level more
        with pytest.raises(SpecError, match=rf"^p.vnnlib: nested deeper than {MAX_DEPTH} levels$"):
            parse_vnnlib(header + f"(assert {deeper})", source="p.vnnlib")
    with pytest.raises(SpecError, match="nested deeper"):  # 600 levels: once a RecursionError's traceback
        parse_vnnlib(header + "(assert " + "(or " * 600 + "(>= Y_0 Y_1)" + ")" * 601, source="p.vnnlib")


def test_files_are_read_and_a_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.vnnlib"
    path.write_text(MNIST_LIKE)
    assert isinstance(read_vnnlib(path), Property)
    path.write_bytes(b"\xff\xfe(")
    with pytest.raises(SpecError, match="not a text file"):
        read_vnnlib(path)
    with pytest.raises(SpecError, match="missing"):
        read_vnnlib(tmp_path / "missing.vnnlib")


def test_the_cases_are_counted_before_they_are_built_and_refused_over_the_ceiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from verified_nn.spec import _vnnlib

    head = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n(assert (>= X_0 0))\n(assert (<= X_0 100))\n"
    choice = "(assert (or (<= Y_0 1) (<= Y_1 1)))\n"
    flat = "(assert (or " + " ".join(f"(and (<= X_0 {k + 1}) (<= Y_0 {k}))" for k in range(9)) + "))\n"
    assert _vnnlib.MAX_DISJUNCTS == 200_000  # VNN-COMP 2022's nn4sys lindex_60000 has 120,000
    monkeypatch.setattr(_vnnlib, "MAX_DISJUNCTS", 8)
    assert sum(len(region.conjuncts) for region in parse_vnnlib(head + choice * 3).regions) == 8
    for text in (head + choice * 4, head + flat, head + choice * 40):  # 40 asserts: 2**40 cases, none built
        with pytest.raises(SpecError, match=r"^property: more than 8 cases once the ands and ors are expanded$"):
            parse_vnnlib(text)
