"""VNNLIB 1.0: the property files of the verification competition, read into a :class:`Property`.

A file declares inputs ``X_0 ... X_{n-1}`` and outputs ``Y_0 ... Y_{m-1}`` (``(declare-const X_0 Real)``)
and asserts what a counterexample satisfies: bounds on each input and linear conditions on the outputs,
combined with ``and`` and ``or`` (``(assert (or (and (>= Y_1 Y_0)) ...))``). Terms are variables, numbers
(decimals and integers, kept exact), ``(+ ...)``, ``(- a b)``, ``(- a)`` and ``(* number term)``. The
asserts are brought into disjunctive form; each disjunct is an input box (every input bounded above and
below) with output rows, and disjuncts with the same box form one :class:`Region`. Conditions that tie
inputs to outputs, or several inputs together, are refused.
"""

import itertools
import math
import re
import sys
from fractions import Fraction
from pathlib import Path
from typing import Final

from verified_nn.data import DataError, read_file

from ._errors import SpecError
from ._property import Box, Conjunct, Property, Region, Row
from ._sexpr import Expression, parse_sexpr

MAX_VNNLIB_BYTES: Final = 256 << 20  # read whole
MAX_DISJUNCTS: Final = 200_000  # the disjunctive form of the asserts, before it is grouped by box (nn4sys: 120,000)
_VARIABLE: Final = re.compile(r"([XY])_(0|[1-9][0-9]*)")
_NUMBER: Final = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")

# A linear term: variable -> coefficient, with the constant under the key "".
_LARGEST: Final = int(sys.float_info.max)  # float64's largest number, an integer: comparing integers is cheap
_ONE: Final = Fraction(1)
Linear = dict[str, Fraction]
# An atom: ``term <= 0`` (``< 0`` if strict), the term linear in the variables.
Atom = tuple[tuple[tuple[str, Fraction], ...], bool]
# What an atom says: an input bound (index, value, is_upper), an output row, or a constant condition's truth.
Meaning = tuple[int, Fraction, bool] | Row | bool


def _linear(term: Expression, where: str) -> Linear:
    if isinstance(term, str):
        if _VARIABLE.fullmatch(term):
            return {term: _ONE}
        if _NUMBER.fullmatch(term):
            value = Fraction(term)
            # No float holds it: the network's computation could not meet it.
            if abs(value.numerator) > _LARGEST * value.denominator:
                raise SpecError(f"{where}: the number {term} is beyond float64's range (±{sys.float_info.max:.4g})")
            return {"": value}
        raise SpecError(f"{where}: {term!r} is neither a declared variable nor a number")
    if not term or not isinstance(term[0], str):
        raise SpecError(f"{where}: an empty or malformed term")
    operator, arguments = term[0], [_linear(argument, where) for argument in term[1:]]
    if operator == "+" and arguments:
        return _sum(arguments, [1] * len(arguments))
    if operator == "-" and len(arguments) == 1:
        return _sum(arguments, [-1])
    if operator == "-" and len(arguments) >= 2:
        return _sum(arguments, [1] + [-1] * (len(arguments) - 1))
    if operator == "*" and len(arguments) == 2:
        constants = [a for a in arguments if set(a) <= {""}]
        if constants:
            factor = constants[0].get("", Fraction(0))
            other = arguments[1] if arguments[0] is constants[0] else arguments[0]
            return {name: factor * value for name, value in other.items()}
    raise SpecError(f"{where}: the term ({operator} ...) is not linear or not supported")


def _sum(arguments: list[Linear], signs: list[int]) -> Linear:
    total: Linear = {}
    for argument, sign in zip(arguments, signs, strict=True):
        for name, value in argument.items():
            signed = value if sign == 1 else -value  # the signs are 1 and -1: no product to normalise
            total[name] = total[name] + signed if name in total else signed
    return total


def _atom(operator: str, left: Linear, right: Linear) -> Atom:
    """``left op right`` as ``term <= 0`` (or ``< 0``)."""
    term = _sum([left, right], [1, -1] if operator in ("<=", "<") else [-1, 1])
    return tuple(sorted((k, v) for k, v in term.items() if v.numerator)), operator in ("<", ">")


def _disjuncts(expression: Expression, where: str) -> list[list[Atom]]:
    """The disjunctive form of ``expression``: a list of conjunctions of atoms."""
    if isinstance(expression, str) or not expression or not isinstance(expression[0], str):
        raise SpecError(f"{where}: expected a condition such as (<= X_0 1), got {_show(expression)}")
    operator = expression[0]
    if operator in ("<=", ">=", "<", ">") and len(expression) == 3:
        return [[_atom(operator, _linear(expression[1], where), _linear(expression[2], where))]]
    if operator == "and":
        common: list[Atom] = []  # the parts without a choice, gathered once (the input bounds, usually)
        choices: list[list[list[Atom]]] = []
        for part in expression[1:]:
            cases = _disjuncts(part, where)
            if len(cases) == 1:
                common.extend(cases[0])
            else:
                choices.append(cases)
        result: list[list[Atom]] = [common]
        for cases in choices:
            result = [left + right for left in result for right in cases]
            if len(result) > MAX_DISJUNCTS:
                raise SpecError(f"{where}: more than {MAX_DISJUNCTS:,} cases once the ands and ors are expanded")
        return result
    if operator == "or":
        return [conjunct for part in expression[1:] for conjunct in _disjuncts(part, where)]
    raise SpecError(f"{where}: the operator {operator!r} is not part of VNNLIB's linear properties")


def _show(expression: Expression) -> str:
    text = expression if isinstance(expression, str) else "(" + " ".join(map(_show, expression)) + ")"
    return text if len(text) <= 60 else text[:57] + "..."


def _declarations(expressions: list[Expression], source: str) -> tuple[int, int, list[Expression]]:
    counts = {"X": 0, "Y": 0}
    declared: set[str] = set()
    asserts: list[Expression] = []
    for expression in expressions:
        head = expression[0] if isinstance(expression, tuple) and expression else None
        if head == "declare-const" and len(expression) == 3:
            name, sort = expression[1], expression[2]
            match = _VARIABLE.fullmatch(name) if isinstance(name, str) else None
            if match is None or sort != "Real" or name in declared:
                raise SpecError(f"{source}: cannot declare {_show(expression)}: expected (declare-const X_i Real)")
            declared.add(match.group(0))
            counts[match.group(1)] += 1
        elif head == "assert" and len(expression) == 2:
            asserts.append(expression[1])
        else:
            raise SpecError(f"{source}: expected declare-const or assert, got {_show(expression)}")
    if not declared:
        raise SpecError(f"{source}: declares no inputs or outputs (an empty or unrelated file?)")
    for kind in "XY":
        missing = [f"{kind}_{i}" for i in range(counts[kind]) if f"{kind}_{i}" not in declared]
        if missing or not counts[kind]:
            raise SpecError(
                f"{source}: {kind}_0 ... must be declared without gaps (missing {missing[:1] or kind + '_0'})"
            )
    return counts["X"], counts["Y"], asserts


class _Case:
    """Input bounds and output rows gathered from atoms; ``feasible`` turns False on a false condition."""

    def __init__(self, inputs: int, outputs: int, where: str, meanings: dict[int, tuple[Atom, "Meaning"]]) -> None:
        self.lower: list[Fraction | None] = [None] * inputs
        self.upper: list[Fraction | None] = [None] * inputs
        self.rows: list[Row] = []
        self.feasible = True
        self.inputs, self.outputs, self.where = inputs, outputs, where
        # What each atom says, shared by the copies: the cases expanded from the ors repeat the same atom
        # objects, so they are keyed by identity rather than by hashing Fractions (each entry keeps its atom
        # alive, so no other object takes its identity).
        self.meanings = meanings

    def copy(self) -> "_Case":
        case = _Case(self.inputs, self.outputs, self.where, self.meanings)
        case.lower, case.upper, case.rows, case.feasible = (
            list(self.lower),
            list(self.upper),
            list(self.rows),
            self.feasible,
        )
        return case

    def add(self, atom: Atom) -> tuple[int, Fraction, bool] | None:
        """Record the atom; for an input bound, ``(index, value, is_upper)`` (for grouping cases by box)."""
        known = self.meanings.get(id(atom))
        meaning = known[1] if known is not None else _meaning(atom, self.inputs, self.outputs, self.where)
        if known is None:
            self.meanings[id(atom)] = (atom, meaning)
        if isinstance(meaning, Row):
            self.rows.append(meaning)
        elif isinstance(meaning, bool):
            self.feasible = self.feasible and meaning
        else:
            index, value, upper = meaning
            bounds, pick = (self.upper, min) if upper else (self.lower, max)
            old = bounds[index]
            bounds[index] = value if old is None else pick(old, value)
            return meaning
        return None

    def box(self) -> Box | None:
        """The case's input box, None if it is empty; SpecError if an input is unbounded."""
        for index in range(self.inputs):
            if self.lower[index] is None or self.upper[index] is None:
                side = "lower" if self.lower[index] is None else "upper"
                raise SpecError(
                    f"{self.where}: X_{index} has no {side} bound in some case: the input set must be a box"
                )
        box = Box(tuple(self.lower), tuple(self.upper))  # type: ignore[arg-type]
        return None if box.empty else box


def _meaning(atom: Atom, inputs: int, outputs: int, where: str) -> Meaning:
    """What an atom says: an input bound ``(index, value, is_upper)``, an output row, or a constant condition's
    truth."""
    term, strict = atom
    coefficients = dict(term)
    constant = coefficients.pop("", Fraction(0))
    names = sorted(coefficients)
    for name in names:
        if int(name[2:]) >= (inputs if name[0] == "X" else outputs):
            raise SpecError(f"{where}: {name} is used but not declared")
    if names and all(name[0] == "X" for name in names):
        if len(names) != 1:
            raise SpecError(f"{where}: conditions on several inputs at once are not supported")
        index, factor = int(names[0][2:]), coefficients[names[0]]
        # factor x + constant <= 0: x <= value if factor > 0, else x >= value (a factor of 1 or -1 needs no division)
        value = -constant if factor == _ONE else constant if factor == -_ONE else -constant / factor
        return index, value, factor > 0
    if names and all(name[0] == "Y" for name in names):
        return Row(tuple(coefficients.get(f"Y_{j}", Fraction(0)) for j in range(outputs)), -constant, strict)
    if names:
        raise SpecError(f"{where}: conditions tying inputs to outputs are not supported")
    return not (constant > 0 or (strict and constant == 0))  # False: this case is empty


def parse_vnnlib(text: str, *, source: str = "property") -> Property:
    """The property of a VNNLIB text; SpecError (one line, naming ``source``) for what it cannot read.

    The asserts without a choice (usually the input bounds) are gathered once; each combination of the
    choices the others offer is a case, and cases with the same input bounds share one region.
    """
    inputs, outputs, asserts = _declarations(parse_sexpr(text, source=source), source)
    base = _Case(inputs, outputs, source, {})
    choices: list[list[list[Atom]]] = []
    for condition in asserts:
        cases = _disjuncts(condition, source)
        if len(cases) == 1:
            for atom in cases[0]:
                base.add(atom)
        else:
            choices.append(cases)
    for index, (low, high) in enumerate(zip(base.lower, base.upper, strict=True)):
        if low is not None and high is not None and low > high:  # a typo, not a property: say so, prove nothing
            raise SpecError(
                f"{source}: X_{index} is bounded below by {float(low):g} and above by {float(high):g}: no input "
                "lies in the box"
            )
    if math.prod(len(cases) for cases in choices) > MAX_DISJUNCTS:  # before any is built
        raise SpecError(f"{source}: more than {MAX_DISJUNCTS:,} cases once the ands and ors are expanded")
    combinations = [[]] if not choices else itertools.product(*choices)
    grouped: dict[tuple[tuple[int, int, int, bool], ...], tuple[Box, list[Conjunct]]] = {}
    boxes: dict[tuple[tuple[int, int, int, bool], ...], Box | None] = {}  # cases of the same bounds share a box
    for combination in combinations:
        case = base.copy()
        bounds = [case.add(atom) for atoms in combination for atom in atoms]
        # Keyed by integers: hashing and ordering Fractions costs more than the rest of the loop.
        key = tuple(sorted((b[0], b[1].numerator, b[1].denominator, b[2]) for b in bounds if b is not None))
        box = boxes[key] if key in boxes else boxes.setdefault(key, case.box())
        if box is not None and case.feasible:
            grouped.setdefault(key, (box, []))[1].append(Conjunct(tuple(case.rows)))
    return Property(inputs, outputs, tuple(Region(box, tuple(conjuncts)) for box, conjuncts in grouped.values()))


def read_vnnlib(path: str | Path) -> Property:
    """The property in the VNNLIB file at ``path``."""
    try:
        content = read_file(path, limit=MAX_VNNLIB_BYTES, what="VNNLIB file")
    except DataError as error:
        raise SpecError(str(error)) from None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a text file") from None
    return parse_vnnlib(text, source=str(path))
