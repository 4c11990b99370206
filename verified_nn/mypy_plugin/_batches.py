"""What a network does with a batch: the batch size kept through ``logits``, ``probabilities`` and ``predict``,
and ``evaluate(network, images, labels)`` checked like ``Network.logits`` and ``Batch``.

mypy alone types a network's output batch as ``Any`` (the class cannot name the argument's batch size), and
``evaluate`` takes arrays of any shape: images of another width than the network takes, or labels of
another batch size than the images, are found when it runs. Here the result of a batch method gets the
argument's batch size, and ``evaluate`` compares the images' per-sample shape with the network's input and
the labels' size with the images' batch, naming the sizes.
"""

from collections.abc import Callable

from mypy.nodes import Expression
from mypy.plugin import FunctionSigContext, MethodContext
from mypy.types import AnyType, Instance, TupleType, Type, get_proper_type

from ._calls import CallView
from ._codes import SHAPE
from ._networks import NETWORK, network_type, per_sample
from ._sizes import AnyShape, Shape, Unknown, definitely_differ, render_shape
from ._types import array_of, array_shape, dim_type

__all__ = ["BATCH_CHECKS", "BATCH_METHODS", "NETWORK_INPUTS"]


def _keeps_batch(ctx: MethodContext) -> Type:
    """A batch in, a batch out: the result's first size is the argument's (unknown in the class's types)."""
    arg_types = [t for types in ctx.arg_types for t in types]
    shape = array_shape(arg_types[0]) if arg_types else None
    result = array_of(ctx.default_return_type)
    if not isinstance(shape, tuple) or not shape or isinstance(shape[0], Unknown) or result is None:
        return ctx.default_return_type
    result_shape = get_proper_type(result.args[0])
    if not isinstance(result_shape, TupleType) or not result_shape.items:
        return ctx.default_return_type
    first = get_proper_type(result_shape.items[0])
    unknown = isinstance(first, AnyType) or (isinstance(first, Instance) and first.type.fullname == "builtins.int")
    if not unknown:  # ``Any``, or ``int`` (a jaxtyping name bound by no argument, ``Integer[np.ndarray, " batch"]``)
        return ctx.default_return_type  # the class says more than "any batch": keep it
    batch = dim_type(shape[0], ctx.api)
    new_shape = result_shape.copy_modified(items=[batch, *result_shape.items[1:]])
    return result.copy_modified(args=[new_shape, result.args[1]])


def _shape(view: CallView, expr: Expression | None) -> AnyShape:
    return array_shape(view.type_of(expr)) if expr is not None else None


def _differ(a: Shape, b: Shape) -> bool:
    return len(a) != len(b) or any(definitely_differ(x, y) for x, y in zip(a, b, strict=False))


def _evaluate_check(ctx: FunctionSigContext) -> None:
    """``evaluate(network, images, labels)``: images of the network's input, one label per image."""
    view = CallView.before(ctx)
    network_expr = view.arg("network", 0)
    network = network_type(view.type_of(network_expr)) if network_expr is not None else None
    takes = per_sample(network.args[1]) if network is not None else None
    images = _shape(view, view.arg("images", 1))
    labels = _shape(view, view.arg("labels", 2))
    if not isinstance(images, tuple) or not images:
        return
    problems: list[str] = []
    if takes is not None and _differ(images[1:], takes):
        problems.append(f"the network takes samples of {render_shape(takes)}, the images are {render_shape(images)}")
    if isinstance(labels, tuple) and _differ(labels, images[:1]):
        problems.append(f"one label per image: images {render_shape(images)}, labels {render_shape(labels)}")
    for problem in problems:
        ctx.api.fail(f'"evaluate": {problem}', ctx.context, code=SHAPE)


# The methods taking a batch of the network's input, in float32 or float64.
NETWORK_INPUTS = tuple(f"{NETWORK}.{name}" for name in ("logits", "probabilities", "predict"))
BATCH_METHODS: dict[str, Callable[[MethodContext], Type]] = dict.fromkeys(NETWORK_INPUTS, _keeps_batch)
BATCH_CHECKS: dict[str, Callable[[FunctionSigContext], None]] = {
    "verified_nn.training._evaluate.evaluate": _evaluate_check
}
