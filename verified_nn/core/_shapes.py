"""The shape vocabulary: named dimensions and array aliases read by both mypy and jaxtyping.

Each alias is written once, in jaxtyping's form: ``Floating[np.ndarray, "batch 784"]``. At run time
``checked`` verifies the dims string; mypy, with the shape plugin (``verified_nn.mypy_plugin``), reads the
same string as the static shape ``(batch, 784)``: ``784`` a literal size, ``batch`` a size shared by the
parameters and the return of the function that uses the alias. So passing a ``(100,)`` vector where a
``(784,)`` one is expected is a type error, and what beartype checks is what mypy checks.
"""

from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, TypeVar

import numpy as np
from jaxtyping import AbstractDtype, Integer

from ._errors import InvalidArgumentError, ShapeError

if TYPE_CHECKING:
    # jaxtyping's own trick: to a static checker each dtype class is typing.Annotated.
    from typing import Annotated as Floating
else:

    class Floating(AbstractDtype):
        """float32 or float64: the two precisions the library computes in."""

        dtypes = ("float32", "float64")


INPUT_DIM: Final = 784  # pixels of one 28 x 28 image, the width of the datasets' images
NUM_CLASSES: Final = 10  # classes of MNIST and Fashion-MNIST

InputDim: TypeAlias = Literal[784]
ClassDim: TypeAlias = Literal[10]

FloatDType: TypeAlias = np.dtype[np.floating[Any]]
IntDType: TypeAlias = np.dtype[np.integer[Any]]

__all__ = [
    "INPUT_DIM",
    "NUM_CLASSES",
    "ClassDim",
    "Features",
    "FloatArray",
    "FloatDType",
    "FloatT",
    "Floating",
    "Image",
    "ImageBatch",
    "InputDim",
    "IntDType",
    "LabelBatch",
    "Logits",
    "LogitsBatch",
    "OfDType",
    "ShapeT",
    "Probabilities",
    "ProbabilitiesBatch",
    "as_image",
    "as_image_batch",
    "as_labels",
]

# A whole shape, for a dims string the plugin cannot read as one: ``"*batch classes"`` (a named variadic
# beside other axes) is a shape of unknown rank to it, so ``softmax``'s result would lose its argument's
# sizes. ``Floating[np.ndarray[ShapeT, ...], "*batch classes"]`` says "the shape of the argument" in numpy's
# form (no size is written twice: the sizes are in the dims string only).
ShapeT = TypeVar("ShapeT", bound=tuple[int, ...])
FloatT = TypeVar("FloatT", bound=np.floating[Any])
_N = TypeVar("_N", bound=int)

# The static shape of a batch of vectors of width N: ``Features[Literal[784]]`` is ``tuple[Any, Literal[784]]``.
# The batch axis is Any (unknown), so arrays of any batch size, known or not, pass in and come out.
Features: TypeAlias = tuple[Any, _N]

# Single samples.
Image: TypeAlias = Floating[np.ndarray, "784"]
Logits: TypeAlias = Floating[np.ndarray, "10"]
Probabilities: TypeAlias = Floating[np.ndarray, "10"]

# Batches: the leading axis is always named ``batch`` and must agree across one call.
ImageBatch: TypeAlias = Floating[np.ndarray, "batch 784"]
LogitsBatch: TypeAlias = Floating[np.ndarray, "batch 10"]
ProbabilitiesBatch: TypeAlias = Floating[np.ndarray, "batch 10"]
LabelBatch: TypeAlias = Integer[np.ndarray, " batch"]

# Any-shaped float arrays for the generic functions (activations, softmax).
FloatArray: TypeAlias = Floating[np.ndarray, "..."]

# What a dims string cannot say: "the result has the dtype of the argument". ``Floating[OfDType[FloatT],
# "*shape"]`` ties the dtype through the type variable and leaves every size to the dims string (the array
# type's shape is Any, so the plugin takes the dims string's: nothing is written twice).
OfDType: TypeAlias = np.ndarray[Any, np.dtype[FloatT]]

def _require_shape(name: str, array: np.ndarray[Any, Any], shape: tuple[int | None, ...]) -> None:
    fits = array.ndim == len(shape) and all(
        want is None or want == got for want, got in zip(shape, array.shape, strict=True)
    )
    if not fits:
        expected = "(" + ", ".join("batch" if s is None else str(s) for s in shape) + ")"
        raise ShapeError(f"{name}: expected shape {expected}, got {array.shape}")


def as_float_array(values: Any, shape: tuple[int | None, ...], *, name: str, dtype: Any = None) -> np.ndarray[Any, Any]:
    """``values`` as a float32/float64 array of ``shape`` (None marks the batch axis), or ShapeError.

    Float32 and float64 input keep their dtype, integers and booleans become float64, and anything
    else (complex, other float widths, objects) is refused, unless ``dtype`` is given.
    """
    array = np.asarray(values, dtype=dtype)
    if dtype is None and array.dtype.kind in "biu":  # booleans and integers become float64; nothing else
        array = array.astype(np.float64)
    if array.dtype not in (np.float32, np.float64):
        raise ShapeError(f"{name}: expected a float32 or float64 array, got {array.dtype}")
    _require_shape(name, array, shape)
    return array


def as_image(values: Any, *, dtype: Any = None) -> Image:
    """Return ``values`` as a single image of shape (784,), the way into the static shape world."""
    return as_float_array(values, (INPUT_DIM,), name="as_image", dtype=dtype)


def as_image_batch(values: Any, *, dtype: Any = None) -> ImageBatch:
    """Return ``values`` as a batch of images of shape (batch, 784)."""
    return as_float_array(values, (None, INPUT_DIM), name="as_image_batch", dtype=dtype)


def as_labels(values: Any, *, classes: int = NUM_CLASSES) -> LabelBatch:
    """Return ``values`` as a batch of integer class labels in [0, classes) of shape (batch,)."""
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.integer):
        raise ShapeError(f"as_labels: expected an integer array, got {array.dtype}")
    _require_shape("as_labels", array, (None,))
    if array.size and (array.min() < 0 or array.max() >= classes):
        raise InvalidArgumentError(
            f"as_labels: labels must lie in [0, {classes}), got range [{array.min()}, {array.max()}]"
        )
    return array
