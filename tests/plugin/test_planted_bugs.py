"""Shape bugs planted in copies of the library's kernels are mypy errors, on the line of the bug.

Each case copies one module of the library (or of ``tests/plugin/copies/``), changes one line of a
kernel the way a tired programmer would, and checks the copy with mypy and the shape plugin. The
unchanged copies are checked too and must be clean. The line to change must occur exactly once in the
module, so a case cannot drift away from the code it copies.

Bugs that keep every shape (an activation's derivative replaced by another, softmax normalised over
the right axis of the wrong array) are not shape errors: the gradient checks and properties find those.
"""

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# This module runs mypy: seconds on a quiet machine, minutes on a loaded one (the quick tests' limit is 120 s).
pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).parents[2]
COPIES = Path(__file__).parent / "copies"
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<text>.*)  \[(?P<code>[\w-]+)\]$")


@dataclass(frozen=True)
class Planted:
    name: str
    source: Path  # the module copied
    line: str  # the text of the kernel line, found exactly once
    wrong: str  # what replaces it
    code: str  # the expected error code
    message: str  # and its text
    at: str | None = None  # the line where the error is reported, when it is not the changed one
    also: tuple[tuple[str, str], ...] = ()  # further errors on that line (code, text)


DENSE = ROOT / "verified_nn/layers/_dense.py"
LOSS = ROOT / "verified_nn/core/_loss.py"
SOFTMAX = ROOT / "verified_nn/core/_softmax.py"
DROPOUT = ROOT / "verified_nn/layers/_dropout.py"
IDX = COPIES / "idx_images.py"

PLANTED = [
    Planted(
        "forward_multiplies_by_w_not_w_transposed",
        DENSE,
        "outputs = inputs @ weights.T",
        "outputs = inputs @ weights",
        "shape",
        "matmul: inner sizes differ: In (inputs: (B, In)) and Out (weights: (Out, In))",
    ),
    Planted(
        "weight_gradient_misses_a_transpose",
        DENSE,
        "d_weights: np.ndarray[tuple[Out, In], Any] = (inputs.T @ dy).T",
        "d_weights: np.ndarray[tuple[Out, In], Any] = inputs.T @ dy",
        "assignment",
        'Incompatible types in assignment (expression has type "ndarray[tuple[In, Out], dtype[Any]]", '
        'variable has type "ndarray[tuple[Out, In], Any]")',
    ),
    Planted(
        "bias_gradient_sums_over_the_wrong_axis",
        DENSE,
        "d_bias: np.ndarray[tuple[Out], Any] = dy.sum(axis=0)",
        "d_bias: np.ndarray[tuple[Out], Any] = dy.sum(axis=1)",
        "assignment",
        'Incompatible types in assignment (expression has type "ndarray[tuple[B], dtype[Any]]", '
        'variable has type "ndarray[tuple[Out], Any]")',
    ),
    Planted(
        "input_gradient_multiplies_by_w_transposed",
        DENSE,
        "return dy @ self.weights, self._gradients(dy, cache)",
        "return dy @ self.weights.T, self._gradients(dy, cache)",
        "shape",
        "matmul: inner sizes differ: Out (dy: (B, Out)) and In (self.weights.T: (In, Out))",
    ),
    Planted(
        "reshape_multiplies_rows_by_rows",
        IDX,
        "return array.reshape(array.shape[0], array.shape[1] * array.shape[2])",
        "return array.reshape(array.shape[0], array.shape[1] * array.shape[1])",
        "shape",
        "reshape: element counts differ: N*R*C (array: (N, R, C)) and N*R*R (new shape: (N, ?))",
    ),
    Planted(
        "softmax_forgets_keepdims",
        SOFTMAX,
        "return exp / exp.sum(axis=1, keepdims=True)  # (B, C) / (B, 1)",
        "return exp / exp.sum(axis=1)",
        "shape",
        "divide: sizes differ and neither is 1: C (exp: (B, C)) and B (exp.sum(...): (B,))",
        # An operator that fails is Any to mypy, in a return statement too, as for its own operator errors.
        also=(("no-any-return", 'Returning Any from function declared to return "ndarray[tuple[B, C], dtype[Any]]"'),),
    ),
    Planted(
        "logsumexp_takes_a_row_not_a_column",
        SOFTMAX,
        "return (peak + np.log(np.exp(z - peak).sum(axis=1, keepdims=True)))[:, 0]  # (B, 1) -> (B,)",
        "return (peak + np.log(np.exp(z - peak).sum(axis=1, keepdims=True)))[0]",
        "return-value",
        'Incompatible return value type (got "ndarray[tuple[Literal[1]], dtype[Any]]", '
        'expected "ndarray[tuple[B], dtype[Any]]")',
    ),
    Planted(
        "loss_gradient_transposes_the_softmax",
        LOSS,
        "gradient = exp * (scale / sums)  # scale * softmax, (batch, classes)",
        "gradient = exp.T * (scale / sums)",
        "shape",
        "multiply: sizes differ and neither is 1: classes (exp.T: (classes, batch)) and batch (scale / sums: (batch, 1))",
    ),
    Planted(
        "dropout_draws_one_mask_per_feature",
        DROPOUT,
        "mask = self.mask(x.shape, x.dtype, mode)",
        "mask = self.mask(x.shape[1:], x.dtype, mode)",
        "return-value",
        'Incompatible return value type (got "tuple[Any, ndarray[tuple[Any, ...], dtype[Any]]]", '
        'expected "tuple[ndarray[S, dtype[Any]], ndarray[S, dtype[Any]] | None]")',
        at="return x * mask, mask",  # the mask has lost the batch's shape; the layer returns it
    ),
]


def _copy(
    source: Path, name: str, directory: Path, replace: tuple[str, str, str | None] | None = None
) -> tuple[Path, int]:
    """The module at ``source`` as ``directory/name.py``, relative imports made absolute, one line replaced.

    Returns the path and the (1-based) number of the line where the error is expected (0: no change).
    """
    text = source.read_text()
    if source.is_relative_to(ROOT / "verified_nn"):
        package = ".".join(source.relative_to(ROOT).parent.parts)
        text = re.sub(r"^from \.(\w)", rf"from {package}.\1", text, flags=re.M)
    number = 0
    if replace is not None:
        line, wrong, at = replace
        assert text.count(line) == 1, f"{source.name}: {line!r} must occur exactly once"
        text = text.replace(line, wrong)
        assert text.count(at or wrong) == 1, f"{source.name}: {at or wrong!r} must occur exactly once"
        number = text[: text.index(at or wrong)].count("\n") + 1
    path = directory / f"{name}.py"
    path.write_text(text)
    return path, number


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[tuple[int, str, str]]], dict[str, int]]:
    """mypy's errors per copy, and the changed line of each planted copy."""
    directory = tmp_path_factory.mktemp("planted")
    lines: dict[str, int] = {}
    files = []
    for case in PLANTED:
        path, lines[case.name] = _copy(case.source, case.name, directory, (case.line, case.wrong, case.at))
        files.append(path)
    for source in sorted({case.source for case in PLANTED}):
        files.append(_copy(source, f"clean_{source.stem.lstrip('_')}", directory)[0])
    config = directory / "mypy.ini"
    config.write_text(f"[mypy]\nstrict = True\nplugins = verified_nn.mypy_plugin\nmypy_path = {ROOT}\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(directory / "cache")]
        + [path.name for path in files],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    errors: dict[str, list[tuple[int, str, str]]] = {path.stem: [] for path in files}
    for match in map(ERROR.match, result.stdout.splitlines()):
        if match:
            errors.setdefault(Path(match["file"]).stem, []).append((int(match["line"]), match["code"], match["text"]))
    return errors, lines


@pytest.mark.parametrize("case", PLANTED, ids=lambda case: case.name)
def test_the_planted_bug_is_one_error_on_its_line(
    case: Planted, checked: tuple[dict[str, list[tuple[int, str, str]]], dict[str, int]]
) -> None:
    errors, lines = checked
    expected = [(case.code, case.message), *case.also]
    assert sorted(errors[case.name]) == sorted((lines[case.name], code, text) for code, text in expected)


def test_the_unchanged_copies_are_clean(checked: tuple[dict[str, list[tuple[int, str, str]]], dict[str, int]]) -> None:
    errors, _ = checked
    assert {name: found for name, found in errors.items() if name.startswith("clean_") and found} == {}
    assert not set(errors) - {case.name for case in PLANTED} - {n for n in errors if n.startswith("clean_")}
