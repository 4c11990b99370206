"""A network: a sequence of layers applied in order, itself a layer, typed by its input and output shapes.

``Network.of(first).then(second).then(third)`` composes layers; mypy rejects a layer whose input shape
differs from the output shape so far (``Dense[Literal[10], Literal[100]]`` after a 128-wide output),
and the constructor rejects the same at run time. The output is logits: softmax and the loss are not
layers.
"""

import dataclasses
from collections.abc import Sequence
from typing import Any, Generic, Self, TypeVar, overload

import numpy as np
from jaxtyping import Integer

from verified_nn.core import FloatDType, ShapeError, describe, softmax_unchecked
from verified_nn.layers import EVAL, Layer, Mode, ShapePreserving, require_batch
from verified_nn.layers._layer import FLOAT_DTYPES, Array

from ._backprop import backprop, batch_loss
from ._batch import Batch

OutS = TypeVar("OutS", bound=tuple[Any, ...])
InS = TypeVar("InS", bound=tuple[Any, ...])
# Method-level type variables (static methods and the shape a new layer produces).
_S = TypeVar("_S", bound=tuple[Any, ...])
_NewS = TypeVar("_NewS", bound=tuple[Any, ...])


def _shapes(layers: Sequence[Layer[Any, Any]]) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """The per-sample input and output shapes of ``layers`` in order; ShapeError naming a misfit."""
    first = next((index for index, layer in enumerate(layers) if layer.input_shape() is not None), None)
    if first is None:
        return None, None  # only shape-preserving layers: any shape goes through
    if not all(_keeps_shape(layer) for layer in layers[:first]):
        return None, None  # a layer before it (a convolution, a flatten) computes its shape from an unknown input
    start = layers[first].input_shape()
    assert start is not None
    shape = start
    for index, layer in enumerate(layers[first:], start=first):
        try:
            shape = layer.output_shape(shape)
        except ShapeError as error:
            raise ShapeError(f"Network: layer {index}: {error}") from None
    return start, shape


def _keeps_shape(layer: Layer[Any, Any]) -> bool:
    """Whether a layer of unknown input shape gives its input's shape (it does unless it computes its own)."""
    return isinstance(layer, ShapePreserving) or type(layer).output_shape is Layer.output_shape


@dataclasses.dataclass(frozen=True)
class Network(Layer[OutS, InS], Generic[OutS, InS]):
    """Layers applied in order; a frozen value (its gradients have the same type and structure).

    Its parameters are those of its layers in order (``0.weight``, ``0.bias``, ``2.weight``, ... by
    layer index, as in ``torch.nn.Sequential``).
    """

    layers: tuple[Layer[Any, Any], ...]
    # Derived in __post_init__: the per-sample input and output shapes (None: any shape passes).
    _input: tuple[int, ...] | None = dataclasses.field(init=False, repr=False, compare=False, default=None)
    _output: tuple[int, ...] | None = dataclasses.field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        layers = tuple(self.layers) if isinstance(self.layers, list | tuple) else None
        if not layers:
            raise ShapeError(f"Network: expected a non-empty tuple of layers, got {self.layers!r}")
        for index, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise ShapeError(f"Network: layer {index} is not a Layer, got {type(layer).__name__}")
        dtypes = {array.dtype for layer in layers for array in layer.parameters()}
        if len(dtypes) > 1:
            raise ShapeError(f"Network: all parameters must share a dtype, got {sorted(str(d) for d in dtypes)}")
        object.__setattr__(self, "layers", layers)
        inputs, outputs = _shapes(layers)
        object.__setattr__(self, "_input", inputs)
        object.__setattr__(self, "_output", outputs)

    @classmethod
    def trusted(cls, layers: tuple[Layer[Any, Any], ...], like: "Network[Any, Any]") -> "Network[Any, Any]":
        """A network of ``layers`` shaped like ``like``'s, from our own code: no checks (hot path)."""
        network: Network[Any, Any] = object.__new__(cls)
        _fill(network, layers, like)
        return network

    def _holding(self, layers: tuple[Layer[Any, Any], ...]) -> Self:
        """A network of this type and shape holding ``layers`` (gradients, new parameters): unchecked."""
        network = object.__new__(type(self))
        _fill(network, layers, self)
        return network

    # Composition, typed: the new layer's input shape must be the output shape so far.

    @overload
    @staticmethod
    def of(layer: ShapePreserving) -> "Network[Any, Any]": ...

    @overload
    @staticmethod
    def of(layer: Layer[_NewS, _S]) -> "Network[_NewS, _S]": ...

    @staticmethod
    def of(layer: Any) -> "Network[Any, Any]":
        """A network of one layer, to be extended with :meth:`then`."""
        return Network((layer,))

    @overload
    def then(self, layer: ShapePreserving) -> "Network[OutS, InS]": ...

    @overload
    def then(self, layer: Layer[_NewS, OutS]) -> "Network[_NewS, InS]": ...

    def then(self, layer: Any) -> "Network[Any, Any]":
        """This network followed by ``layer`` (a new value; ``self`` is unchanged).

        mypy checks that ``layer`` takes the output shape so far; a shape-preserving layer (activation,
        dropout) keeps it.
        """
        return Network((*self.layers, layer))

    # Shapes and dtype.

    def input_shape(self) -> tuple[int, ...] | None:
        """The per-sample input shape, e.g. ``(784,)`` (None: any)."""
        return self._input

    def output_shape(self, input_shape: tuple[int, ...] | None = None) -> tuple[int, ...]:
        """The per-sample output shape, e.g. ``(10,)``, or the one for ``input_shape`` (ShapeError if it misfits)."""
        if input_shape is None:
            if self._output is None:
                raise ShapeError("Network: its output shape depends on the input shape; pass one")
            return self._output
        shape = input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
        return shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of every parameter (float32 or float64; float64 for a network without parameters)."""
        for layer in self.layers:
            for array in layer.parameters():
                dtype: np.dtype[Any] = array.dtype
                return dtype
        return np.dtype(np.float64)

    @property
    def classes(self) -> int:
        """The width of the output: the number of classes (for a network whose output is a vector)."""
        output = self.output_shape()
        if len(output) != 1:
            raise ShapeError(f"Network: output shape {output} is not a vector of class scores")
        return output[0]

    # The layer protocol.

    def check_input(self, where: str, x: object, *, argument: str = "x") -> Array:
        """``x`` if it is a float32/float64 batch of this network's input shape; else ShapeError naming ``where``."""
        expected = self.input_shape()
        if isinstance(x, np.ndarray) and x.dtype in FLOAT_DTYPES and (expected is None or x.shape[1:] == expected):
            return x
        return require_batch(where, argument, x, expected)

    def forward(self, x: np.ndarray[InS, np.dtype[Any]], *, mode: Mode = EVAL) -> tuple[np.ndarray[OutS, Any], Any]:
        """``(y, caches)``: each layer applied in order (layer ``i`` gets ``mode.child(i)``)."""
        y: Array = self.check_input("Network.forward", x)
        caches = []
        for index, layer in enumerate(self.layers):
            y, cache = layer.forward(y, mode=mode.child(index))
            caches.append(cache)
        return y, caches

    def backward(self, dy: np.ndarray[OutS, np.dtype[Any]], cache: Any) -> tuple[np.ndarray[InS, Any], Self]:
        """``(dx, grads)``: each layer's backward in reverse order; grads is a network of gradients."""
        grads: list[Layer[Any, Any]] = [self] * len(self.layers)
        gradient: Array = dy  # with respect to each layer's output, from the last layer down to the input
        for index in range(len(self.layers) - 1, -1, -1):
            gradient, grads[index] = self.layers[index].backward(gradient, cache[index])
        return gradient, self._holding(tuple(grads))

    def parameter_gradients(self, dy: np.ndarray[OutS, np.dtype[Any]], cache: Any) -> Self:
        """The gradients of every parameter, without the input gradient the first layer would form.

        Backward stops at the first layer holding parameters: the layers before it (a reshape in front of
        a convolution) have none, so they are their own gradients and nothing needs their input gradient.
        """
        grads: list[Layer[Any, Any]] = list(self.layers)
        first = next((index for index, layer in enumerate(self.layers) if layer.parameters()), 0)
        gradient: Array = dy
        for index in range(len(self.layers) - 1, first, -1):
            gradient, grads[index] = self.layers[index].backward(gradient, cache[index])
        grads[first] = self.layers[first].parameter_gradients(gradient, cache[first])
        return self._holding(tuple(grads))

    def parameters(self) -> tuple[Array, ...]:
        """Every layer's parameters, in layer order."""
        return tuple(array for layer in self.layers for array in layer.parameters())

    def parameter_names(self) -> tuple[str, ...]:
        """``"{layer index}.{name}"`` for each parameter, e.g. ``("0.weight", "0.bias", "2.weight", "2.bias")``."""
        return tuple(f"{index}.{name}" for index, layer in enumerate(self.layers) for name in layer.parameter_names())

    def with_parameters(self, arrays: Sequence[Array]) -> Self:
        """The same layers holding ``arrays`` (in :meth:`parameters` order), from our own code: unchecked."""
        layers = []
        start = 0
        for layer in self.layers:
            count = len(layer.parameters())
            layers.append(layer.with_parameters(arrays[start : start + count]) if count else layer)
            start += count
        return self._holding(tuple(layers))

    def config(self) -> dict[str, Any]:
        from verified_nn.layers import layer_config

        return {"layers": [layer_config(layer) for layer in self.layers]}

    # Using a trained network (evaluation mode).

    def logits(self, x: np.ndarray[InS, np.dtype[Any]]) -> np.ndarray[OutS, FloatDType]:
        """The output for a batch in evaluation mode: class scores before softmax, in the network's dtype."""
        return self.forward(x)[0]

    def probabilities(self, x: np.ndarray[InS, np.dtype[Any]]) -> np.ndarray[OutS, FloatDType]:
        """Softmax of :meth:`logits` over the last axis: each row sums to 1."""
        result: np.ndarray[OutS, FloatDType] = softmax_unchecked(self.logits(x))
        return result

    def predict(self, x: np.ndarray[InS, np.dtype[Any]]) -> Integer[np.ndarray, " batch"]:
        """The most probable class of each sample, ``(batch,)`` integers."""
        labels: Integer[np.ndarray, " batch"] = self.logits(x).argmax(axis=-1)
        return labels

    # Training.

    def check_batch(self, where: str, batch: object) -> "Batch[Any]":
        """``batch`` if it is a :class:`Batch` whose images fit this network; else ShapeError naming ``where``."""
        if not isinstance(batch, Batch):
            raise ShapeError(f"{where}: expected a Batch (Batch.of(images).labelled(labels)), got {describe(batch)}")
        self.check_input(where, batch.images, argument="batch.images")
        return batch

    def loss(self, batch: "Batch[InS]", *, mode: Mode = EVAL) -> float:
        """Mean cross-entropy of the batch's logits against its labels (``mode``: see :class:`Mode`)."""
        checked = self.check_batch("Network.loss", batch)
        return batch_loss(self, checked.images, checked.labels, mode=mode)

    def loss_and_gradients(self, batch: "Batch[InS]", *, mode: Mode = EVAL) -> tuple[float, Self]:
        """The mean cross-entropy of the batch and its gradient: a network of the same structure.

        Forward: each layer in order, ``z = f_L(... f_1(x))``; ``L = mean_b CE(z_b, y_b)``. Backward:
        ``dz = (softmax(z) - onehot(y)) / B``, then each layer's backward in reverse order. In training
        ``mode`` dropout draws its seeded mask; the gradients are in the network's dtype.
        """
        checked = self.check_batch("Network.loss_and_gradients", batch)
        return backprop(self, checked.images, checked.labels, mode=mode)

    def __repr__(self) -> str:
        return "Network(" + ", ".join(repr(layer) for layer in self.layers) + ")"

    def describe(self) -> str:
        """One line: ``784 -> Dense(784 -> 128) -> ReLU -> Dense(128 -> 10) -> 10``."""
        parts = [_shape_text(self._input), *(repr(layer) for layer in self.layers), _shape_text(self._output)]
        return " -> ".join(parts)


def _fill(network: Network[Any, Any], layers: tuple[Layer[Any, Any], ...], like: Network[Any, Any]) -> None:
    object.__setattr__(network, "layers", layers)
    object.__setattr__(network, "_input", like._input)
    object.__setattr__(network, "_output", like._output)


def _shape_text(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "any"
    return str(shape[0]) if len(shape) == 1 else "x".join(str(size) for size in shape)
