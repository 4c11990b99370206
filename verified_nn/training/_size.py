"""How big a network and a run are, checked against the ceilings before anything is built or allocated.

A network's size is three numbers: its layers, its parameters, and the values one sample makes as it
goes through (its input, every layer's output, and the unfolded input of each window layer, which a
convolution builds as a matrix). A batch holds the last times the batch size. Each has a ceiling
(:mod:`verified_nn.files`): an architecture of a million layers or a convolution padded by a billion
is refused in one line before evaluation allocates anything.
"""

import dataclasses
import itertools
import math
from collections.abc import Sequence
from typing import Any

from verified_nn.core import AUTO, INPUT_DIM, NUM_CLASSES, InvalidArgumentError, ShapeError
from verified_nn.files import ACTIVATIONS, BATCH_VALUES, EPOCHS, LAYERS, PARAMETERS, check_workers
from verified_nn.network import Network

from ._augment import image_shape
from ._config import TrainConfig


@dataclasses.dataclass(frozen=True)
class NetworkSize:
    """What a network costs: its layers, its parameters, and the values one sample makes through it."""

    layers: int
    parameters: int
    values: int  # per sample: its input, every layer's output, and each window layer's unfolded input


def network_size(network: Network[Any, Any]) -> NetworkSize:
    """The size of ``network`` for a sample of its input shape (784 values if it takes any shape)."""
    shape: tuple[int, ...] = network.input_shape() or (INPUT_DIM,)
    values = math.prod(shape)  # the input itself
    for layer in network.layers:
        try:
            output = tuple(int(size) for size in layer.output_shape(shape))
        except ShapeError:  # the network does not take this input: the command that runs it says so
            break
        values += math.prod(output)
        window = getattr(layer, "window", None)
        if callable(window) and len(shape) == 3 and len(output) == 3:
            (kernel_h, kernel_w), _, _ = window()
            values += int(kernel_h) * int(kernel_w) * shape[0] * output[1] * output[2]  # the unfolded input
        shape = output
    parameters = sum(int(array.size) for array in network.parameters())
    return NetworkSize(layers=len(network.layers), parameters=parameters, values=values)


def size_problem(network: Network[Any, Any], *, batch: int | None = None) -> str | None:
    """Why ``network`` (run on batches of ``batch``) is over a ceiling, or None: ``"the architecture has
    1,000,000 layers, over the limit of 1,000 layers (set VERIFIED_NN_MAX_LAYERS to raise it)"``."""
    size = network_size(network)
    problems = (
        LAYERS.over(size.layers, "the architecture has"),
        PARAMETERS.over(size.parameters, "the network has"),
        ACTIVATIONS.over(size.values, "one sample makes"),
        None if batch is None else BATCH_VALUES.over(batch * size.values, f"a batch of {batch:,} samples makes"),
    )
    return next((problem for problem in problems if problem is not None), None)


def samples_per_pass(network: Network[Any, Any], wanted: int) -> int:
    """At most ``wanted`` samples, and no more than keep one forward pass within $VERIFIED_NN_MAX_BATCH_VALUES."""
    return max(1, min(wanted, BATCH_VALUES.value() // max(network_size(network).values, 1)))


def mlp_parameters(widths: Sequence[int]) -> int:
    """The parameters of the MLP of these layer widths (inputs first): each layer's weights and biases."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(widths))


def config_parameters(config: TrainConfig, shape: tuple[int, ...] = (INPUT_DIM,), classes: int = NUM_CLASSES) -> int:
    """The parameters of the network :func:`build_network` makes of ``config`` for examples of ``shape`` and
    ``classes`` classes (default MNIST's), counted without building it (0 when the convolutions do not fit
    the images, or the examples are not images: the builder refuses that with its own message)."""
    if not config.conv:
        return mlp_parameters([math.prod(shape), *config.hidden, classes])
    try:
        channels, height, width = image_shape(shape)
    except InvalidArgumentError:
        return 0
    total = 0
    for count in config.conv:
        total += channels * count * config.kernel**2 + count
        stride, padded = config.conv_stride, 2 * (config.kernel // 2) - config.kernel
        height, width = ((side + padded) // stride + 1 for side in (height, width))  # the convolution
        if stride == 1:
            height, width = ((side - 2) // 2 + 1 for side in (height, width))  # 2 x 2 max pooling
        if min(height, width) < 1:
            return 0
        channels = count
    return total + mlp_parameters([channels * height * width, *config.hidden, classes])


def _architecture(config: TrainConfig) -> str:
    hidden = ",".join(map(str, config.hidden)) or "none"
    if not config.conv:
        return f"hidden {hidden}"
    return f"conv {','.join(map(str, config.conv))} (kernel {config.kernel}, hidden {hidden})"


def check_run(config: TrainConfig) -> None:
    """Refuse, before anything is built or read, a run over a ceiling: its epochs and its BLAS threads (a fixed
    count at most the usable cores). InvalidArgumentError names the configuration field."""
    problem = EPOCHS.over(config.epochs or 0, "epochs: the run asks for")
    if problem is not None:
        raise InvalidArgumentError(problem)
    if config.threads != AUTO:  # the policy never picks more threads than cores
        check_workers(config.threads, option="threads")


def check_parameters(config: TrainConfig, shape: tuple[int, ...], classes: int) -> None:
    """Refuse, before it is built, a network ``config`` describes for examples of ``shape`` and ``classes``
    classes with more parameters than the ceiling; InvalidArgumentError names the architecture."""
    problem = PARAMETERS.over(config_parameters(config, shape, classes), f"{_architecture(config)}: the network has")
    if problem is not None:
        raise InvalidArgumentError(problem)


def check_network(network: Network[Any, Any], *, batch_size: int) -> None:
    """Refuse a network (built or resumed) too large for the ceilings, or whose batches would be."""
    problem = size_problem(network)
    if problem is not None:
        raise InvalidArgumentError(f"the network: {problem}")
    problem = size_problem(network, batch=batch_size)
    if problem is not None:
        raise InvalidArgumentError(f"batch_size {batch_size:,}: {problem}")
