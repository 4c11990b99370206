"""Every public array annotation in verified_nn is written once: its sizes in a jaxtyping dims string.

What beartype checks at run time is the dims string, and with the plugin mypy reads the same string, so
a shape written a second time in numpy's form (``Floating[np.ndarray[tuple[int, Literal[784]], ...],
"batch 784"]``) could only drift from it. The source is read (jaxtyping keeps no trace of the array
type's arguments at run time): in a public signature, field or alias of any module (names without a
leading underscore), a jaxtyping annotation's array type has no shape of its own (bare, or ``Any``: a
type variable for the dtype is the one thing a dims string cannot say), and a numpy-typed array names no
sizes in a ``tuple[...]``. (Besides ``Any``, the array type's shape may be a whole-shape type variable where
the plugin cannot read the dims string as a whole shape: ``softmax``'s ``"*batch classes"``.) What stays
numpy-typed is what jaxtyping cannot write: a whole shape that is a
class's type argument (``Network``'s ``InS``, a layer's ``Maps[In, Any, Any]``), a ``*Rest`` unpacked, or
sizes that are all type parameters of the generic class around them (``Unlabelled[B, *Rest].labelled``
takes ``np.ndarray[tuple[B], ...]``: mypy without the plugin checks that too).
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "verified_nn"
# The jaxtyping dtype classes the library uses, and its own ``Floating``.
DTYPE_CLASSES = frozenset(
    {"Float", "Float16", "Float32", "Float64", "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8"}
    | {"UInt16", "UInt32", "UInt64", "Integer", "Bool", "Shaped", "Num", "Real", "Inexact", "Floating"}
)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _first_argument(subscript: ast.Subscript) -> ast.expr:
    index = subscript.slice
    return index.elts[0] if isinstance(index, ast.Tuple) else index


def _unreadable_as_a_whole(dims: ast.expr) -> bool:
    """Whether the plugin reads a dims string as a shape of unknown rank: a named variadic beside other axes
    (``"*batch classes"``). There a whole-shape type variable (``ShapeT``) says "the argument's shape", which
    the dims string says to jaxtyping only."""
    words = dims.value.split() if isinstance(dims, ast.Constant) and isinstance(dims.value, str) else []
    return len(words) > 1 and any(word.startswith("*") for word in words)


def _class_parameters(node: ast.ClassDef) -> frozenset[str]:
    """The type parameters of a generic class: the names in its ``Generic[...]`` base."""
    generic = [base for base in node.bases if isinstance(base, ast.Subscript) and _name(base.value) == "Generic"]
    return frozenset(n.id for base in generic for n in ast.walk(base.slice) if isinstance(n, ast.Name))


def problems_in(annotation: ast.expr, parameters: frozenset[str] = frozenset()) -> Iterator[str]:
    """What is written twice (or not in jaxtyping form) in one annotation or alias value; ``parameters`` are
    the type parameters of the class around it."""
    if isinstance(annotation, ast.Subscript):
        base = _name(annotation.value)
        index = annotation.slice
        if base in DTYPE_CLASSES and isinstance(index, ast.Tuple) and len(index.elts) == 2:
            array = index.elts[0]
            if isinstance(array, ast.Subscript) and _name(array.value) == "ndarray":
                shape = _first_argument(array)
                whole = isinstance(shape, ast.Name) and _unreadable_as_a_whole(index.elts[1])
                if not ((isinstance(shape, ast.Name) and shape.id == "Any") or whole):
                    yield f"shape written twice: {ast.unparse(annotation)}"
            return
        if base == "ndarray":
            shape = _first_argument(annotation)
            if isinstance(shape, ast.Subscript) and _name(shape.value) == "tuple":
                sizes = shape.slice.elts if isinstance(shape.slice, ast.Tuple) else [shape.slice]
                unpacks = any(isinstance(size, ast.Starred) for size in sizes)
                of_the_class = all(isinstance(size, ast.Name) and size.id in parameters for size in sizes)
                if not (unpacks or of_the_class):
                    yield f"sizes in numpy's form, not a dims string: {ast.unparse(annotation)}"
            return
    for child in ast.iter_child_nodes(annotation):
        if isinstance(child, ast.expr):
            yield from problems_in(child, parameters)


Found = tuple[int, ast.expr, frozenset[str]]  # a line, an annotation on it, the class's type parameters


def _public_annotations(body: list[ast.stmt], parameters: frozenset[str] | None = None) -> Iterator[Found]:
    """The annotations of public functions, classes' fields and methods, and module-level aliases
    (``parameters`` is None at module level)."""
    around = parameters or frozenset()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            yield from ((node.lineno, a.annotation, around) for a in arguments if a.annotation is not None)
            if node.returns is not None:
                yield node.lineno, node.returns, around
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            yield from _public_annotations(node.body, around | _class_parameters(node))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if not node.target.id.startswith("_"):
                yield node.lineno, node.annotation, around
                if parameters is None and node.value is not None:  # ``Images: TypeAlias = Float[...]``
                    yield node.lineno, node.value, around
        elif isinstance(node, ast.Assign) and parameters is None and all(  # ``Images = Float[...]``
            isinstance(t, ast.Name) and not t.id.startswith("_") for t in node.targets
        ):
            yield node.lineno, node.value, around


def problems(source: str, filename: str) -> list[str]:
    tree = ast.parse(source)
    return [
        f"{filename}:{line}: {problem}"
        for line, annotation, parameters in _public_annotations(tree.body)
        for problem in problems_in(annotation, parameters)
    ]


MODULES = sorted(path for path in PACKAGE.rglob("*.py") if "mypy_plugin" not in path.parts)


def test_there_are_modules_to_read() -> None:
    assert len(MODULES) > 100


def test_every_public_array_annotation_is_written_once() -> None:
    found = [p for path in MODULES for p in problems(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        'Images: TypeAlias = Floating[np.ndarray[tuple[int, Literal[784]], FloatDType], "batch 784"]',
        'Images = Float[np.ndarray[tuple[int, int], np.dtype[np.float32]], "batch 784"]',
        "def f(x: np.ndarray[tuple[int, Literal[784]], np.dtype[Any]]) -> None: ...",
        'def f(x: Float[np.ndarray, "b 784"]) -> tuple[float, np.ndarray[tuple[B, C], Any]]: ...',
        'class Layer:\n    weights: Shaped[np.ndarray[tuple[Out, In], Any], "Out In"]',
        'def relu(x: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*shape"]) -> None: ...',
        "class Layer:\n    def forward(self, x: Any) -> np.ndarray[tuple[Any], IntDType]: ...",
        "class Unlabelled(Generic[B]):\n    def labelled(self, labels: np.ndarray[tuple[B, C], IntDType]) -> None: ...",
    ],
)
def test_a_shape_written_twice_or_in_numpys_form_is_found(source: str) -> None:
    assert len(problems(source, "m.py")) == 1


@pytest.mark.parametrize(
    "source",
    [
        'Images: TypeAlias = Floating[np.ndarray, "batch 784"]',
        'def f(x: Floating[OfDType[FloatT], "*shape"]) -> Floating[OfDType[FloatT], "*shape"]: ...',
        'def f(x: Floating[np.ndarray[Any, np.dtype[FloatT]], "*shape"]) -> None: ...',
        'def softmax(x: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*batch classes"]) -> None: ...',
        "class Network:\n    def logits(self, x: np.ndarray[InS, np.dtype[Any]]) -> np.ndarray[OutS, FloatDType]: ...",
        "def of(images: np.ndarray[tuple[B, *Rest], FloatDType]) -> None: ...",
        "def _kernel(x: np.ndarray[tuple[B, C], Any]) -> None: ...",
        "class Unlabelled(Generic[B, *Rest]):\n    def labelled(self, labels: np.ndarray[tuple[B], IntDType]) -> None: ...",
        "class _Private:\n    x: np.ndarray[tuple[int], Any]",
    ],
)
def test_jaxtyping_forms_and_what_jaxtyping_cannot_say_pass(source: str) -> None:
    assert problems(source, "m.py") == []
