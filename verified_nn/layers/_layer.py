"""The layer protocol: a frozen value with a pure ``forward``/``backward`` pair, and the forward mode.

A layer maps a batch ``x`` of static shape ``InS`` (batch axis first) to a batch of shape ``OutS``.
``forward(x, mode=...)`` returns ``(y, cache)``; ``backward(dy, cache)`` returns ``(dx, grads)``, where
``grads`` is a layer of the same type whose parameters are the gradients (a layer without parameters
returns itself). Nothing is stored between the two calls but the cache, so both are pure functions of
their arguments. To add a layer, subclass :class:`Layer` with the two shape types, implement
``forward`` and ``backward`` (and, when it has parameters, ``parameters``, ``parameter_names`` and
``with_parameters``), as ``layers/_dense.py`` does.
"""

import abc
import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, Self, TypeAlias, TypeVar

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError, describe

OutS = TypeVar("OutS", bound=tuple[Any, ...])
InS = TypeVar("InS", bound=tuple[Any, ...])
_S = TypeVar("_S", bound=tuple[Any, ...])  # the shape of one draw

Array: TypeAlias = np.ndarray[Any, Any]

_OBJECT = np.dtype(object)
_SYMBOLIC = contextvars.ContextVar("verified_nn_symbolic_arrays", default=False)


class _FloatDTypes(tuple[np.dtype[Any], ...]):
    """float32 and float64: ``x.dtype in FLOAT_DTYPES`` is the dtype check of every layer and network.

    Inside :func:`symbolic_arrays` (and only there) the object dtype passes too, so that the proofs of
    ``verified_nn.proofs`` run the layers' own code on arrays of exact symbolic numbers.
    """

    def __contains__(self, dtype: object) -> bool:
        return tuple.__contains__(self, dtype) or (_SYMBOLIC.get() and dtype == _OBJECT)


FLOAT_DTYPES = _FloatDTypes((np.dtype(np.float32), np.dtype(np.float64)))


@contextlib.contextmanager
def symbolic_arrays() -> Iterator[None]:
    """Within the block (this thread or task only), layers, networks and batches accept object arrays.

    The one relaxation of the runtime checks, used by ``verified_nn.proofs`` (the verification entry
    point) to run the kernels on exact symbolic numbers: shapes are still checked; only the dtype test
    admits ``object`` besides float32 and float64. Outside the block an object array is refused.
    """
    token = _SYMBOLIC.set(True)
    try:
        yield
    finally:
        _SYMBOLIC.reset(token)


@dataclasses.dataclass(frozen=True)
class Mode:
    """How a forward pass runs: evaluation (the default) or training with a seed for random layers.

    In training mode, a random layer (dropout) draws from ``numpy.random.default_rng(key)``, so the same
    key gives the same mask: a forward pass is a pure function of its arguments, and a resumed run
    repeats an unbroken one. A network hands each layer ``mode.child(index)``.
    """

    training: bool = False  # whether random layers are active
    key: tuple[int, ...] = ()  # seed entropy for random layers; non-negative integers
    # (start, stop, total): the pass computes rows start .. stop - 1 of a batch of total rows, and random
    # layers draw for the whole batch and keep those rows (a batch split in parts draws what it would whole)
    rows: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        if any(isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0 for k in self.key):
            raise InvalidArgumentError(f"Mode: key entries must be integers >= 0, got {self.key!r}")
        if self.training and not self.key:
            raise InvalidArgumentError("Mode: training mode needs a key (Mode.train(seed, ...))")
        if self.rows is not None and not 0 <= self.rows[0] < self.rows[1] <= self.rows[2]:
            raise InvalidArgumentError(
                f"Mode: rows must be (start, stop, total) with 0 <= start < stop <= total, got {self.rows!r}"
            )

    @classmethod
    def train(cls, *key: int) -> "Mode":
        """Training mode seeded by ``key`` (for example ``Mode.train(seed, epoch, batch)``)."""
        return cls(training=True, key=tuple(int(k) for k in key))

    def child(self, index: int) -> "Mode":
        """The mode for the ``index``-th part of a composite: the same switch and rows, a key of its own."""
        return Mode(self.training, (*self.key, index), self.rows) if self.training else self

    def part(self, start: int, stop: int, total: int) -> "Mode":
        """The mode for rows ``start .. stop - 1`` of a batch of ``total`` rows, computed apart from the rest."""
        return Mode(self.training, self.key, (start, stop, total)) if self.training else self

    def rng(self) -> np.random.Generator:
        """A generator seeded by the key (training mode only)."""
        return np.random.default_rng(list(self.key))

    def draw(self, shape: _S) -> np.ndarray[_S, np.dtype[np.float64]]:
        """Uniform numbers in [0, 1) for a batch of ``shape``: the key's draws for the whole batch, or the rows
        of them this part computes (the same numbers whether the batch is computed whole or in parts)."""
        if self.rows is None:
            values: np.ndarray[Any, np.dtype[np.float64]] = self.rng().random(shape)
            return values
        start, stop, total = self.rows
        rows: np.ndarray[Any, np.dtype[np.float64]] = self.rng().random((total, *shape[1:]))[start:stop]
        return rows


EVAL = Mode()


def feature_text(shape: tuple[int, ...] | None) -> str:
    """``(784,)`` -> ``"batch, 784"``; None (any shape) -> ``"batch, ..."``."""
    return "batch, " + (", ".join(str(size) for size in shape) if shape is not None else "...")


def require_weights_and_bias(where: str, weights: object, bias: object, *, layout: str) -> None:
    """ShapeError unless ``weights`` is a float array with the axes of ``layout`` (``"out in"``, ...) and
    ``bias`` a vector of its first axis and dtype: the check of every layer with weights and a bias."""
    rank = len(layout.split())
    if not isinstance(weights, np.ndarray) or weights.ndim != rank or weights.dtype not in FLOAT_DTYPES:
        axes = ", ".join(layout.split())
        raise ShapeError(f"{where}: argument 'weights' expected float[{axes}], got {describe(weights)}")
    if not isinstance(bias, np.ndarray) or bias.shape != weights.shape[:1] or bias.dtype != weights.dtype:
        raise ShapeError(
            f"{where}: argument 'bias' expected {weights.dtype}[{weights.shape[0]}] "
            f"(out={weights.shape[0]} from weights: {describe(weights)}), got {describe(bias)}"
        )


def require_batch(where: str, argument: str, x: object, features: tuple[int, ...] | None) -> Array:
    """``x`` if it is a float32/float64 batch with per-sample shape ``features`` (None: any); else ShapeError."""
    if not isinstance(x, np.ndarray) or x.dtype not in FLOAT_DTYPES or x.ndim < 1:
        raise ShapeError(f"{where}: argument '{argument}' expected float[{feature_text(features)}], got {describe(x)}")
    if features is not None and x.shape[1:] != features:
        raise ShapeError(f"{where}: argument '{argument}' expected float[{feature_text(features)}], got {describe(x)}")
    return x


class Layer(abc.ABC, Generic[OutS, InS]):
    """Base of every layer; ``OutS`` and ``InS`` are the static shapes of output and input batches.

    Subclasses are frozen dataclasses. ``kind`` names the layer in model files (see ``register_layer``).
    """

    kind: ClassVar[str] = ""
    # Export (verified_nn.interop reads these, so a new layer brings its own): the torch.nn module class of the
    # same computation, e.g. "Linear" (None: none); ONNX nodes come from :meth:`onnx_nodes`.
    torch_name: ClassVar[str | None] = None

    def torch_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` that build the ``torch.nn`` module (its parameters are loaded afterwards)."""
        return (), {}

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        """This layer's settings (as :meth:`config` gives them) read from the equivalent torch module;
        InvalidArgumentError saying what the module has that this layer lacks."""
        return {}

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        """``(nodes, initializers)``: the ONNX graph of this layer from tensor ``x`` to ``y`` (layer ``index``
        names them) in a network computing in ``dtype`` (for constants a layer holds as settings); no nodes
        means the identity; None means the layer has no ONNX form."""
        return None

    @abc.abstractmethod
    def forward(self, x: np.ndarray[InS, np.dtype[Any]], *, mode: Mode = EVAL) -> tuple[np.ndarray[OutS, Any], Any]:
        """``(y, cache)``: the output batch and what ``backward`` needs."""

    @abc.abstractmethod
    def backward(self, dy: np.ndarray[OutS, np.dtype[Any]], cache: Any) -> tuple[np.ndarray[InS, Any], Self]:
        """``(dx, grads)`` from the gradient ``dy`` of the loss with respect to the output."""

    def parameter_gradients(self, dy: np.ndarray[OutS, np.dtype[Any]], cache: Any) -> Self:
        """Only the parameter gradients of :meth:`backward` (a layer may skip forming ``dx``)."""
        return self.backward(dy, cache)[1]

    def parameters(self) -> tuple[Array, ...]:
        """The parameter arrays, in a fixed order (none by default)."""
        return ()

    def parameter_names(self) -> tuple[str, ...]:
        """One name per parameter array, in the order of :meth:`parameters`."""
        return ()

    def with_parameters(self, arrays: Sequence[Array]) -> Self:
        """The same layer holding ``arrays`` (computed by our own code: shapes are trusted)."""
        if len(arrays):
            raise ShapeError(f"{type(self).__name__} has no parameters, got {len(arrays)} arrays")
        return self

    def input_shape(self) -> tuple[int, ...] | None:
        """The per-sample input shape this layer requires, or None if it takes any shape."""
        return None

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample output shape for ``input_shape`` (ShapeError if the layer cannot take it)."""
        required = self.input_shape()
        if required is not None and required != input_shape:
            raise ShapeError(f"{self!r} takes inputs of shape {required}, got {input_shape}")
        return input_shape

    def config(self) -> dict[str, Any]:
        """The layer's settings as JSON-ready values (its parameters excluded), for model files."""
        return {}

    @classmethod
    def from_config(cls, settings: dict[str, Any], parameters: Mapping[str, Array]) -> Self:
        """The layer that :meth:`config` and :meth:`parameters` describe (model files call this).

        The default builds ``cls(**settings)`` and accepts no parameters: a layer with parameters
        overrides it, checking the arrays like its constructor does.
        """
        if parameters:
            raise ShapeError(f"{cls.__name__} has no parameters, got {', '.join(sorted(parameters))}")
        try:
            return cls(**settings)
        except TypeError as error:
            raise InvalidArgumentError(f"{cls.__name__}: bad settings {settings!r} ({error})") from None

    def astype(self, dtype: Any) -> Self:
        """The same layer with every parameter converted to ``dtype``."""
        return self.with_parameters([array.astype(dtype) for array in self.parameters()])


class ShapePreserving:
    """Marks a layer whose output has the shape of its input (activations, dropout).

    ``Network.then`` keeps the static output shape across such a layer, so these classes need no type
    parameters: ``ReLU()`` is a complete type.
    """
