"""The strict option's hint: the library's way in for the declared parameter or shape, for callees in
verified_nn only; and every name a hint or a size rule mentions exists in the library."""

import importlib
import re

import pytest
from mypy.nodes import Block, ClassDef, SymbolTable, TypeInfo

from verified_nn.mypy_plugin._boundary import CALLEE_WAYS_IN, WAYS_IN, Declared, describe_callee, way_in
from verified_nn.mypy_plugin._sized import SIZED
from verified_nn.mypy_plugin._sizes import UNKNOWN, Known, Symbol

B = Symbol("b", "B")
GENERAL = "give it a static shape first (a checked constructor, or an annotation with Literal sizes)"


def _class(name: str, module: str) -> TypeInfo:
    return TypeInfo(SymbolTable(), ClassDef(name, Block([])), module)


def test_arrays_get_the_function_that_gives_their_declared_shape() -> None:
    image, batch = Declared((Known(784),)), Declared((UNKNOWN, Known(784)))
    assert (
        way_in("verified_nn.network._network.Network.forward", image)
        == "pass it through verified_nn.core.as_image(...)"
    )
    assert way_in("verified_nn.network._network.Network.logits", batch) == (
        "pass it through verified_nn.core.as_image_batch(...)"
    )
    # A batch size named by a type variable (Dense.forward's B) reads as any batch size.
    assert way_in("verified_nn.layers._dense.Dense.forward", Declared((B, Known(784)))) == (
        "pass it through verified_nn.core.as_image_batch(...)"
    )
    assert Declared((B, Known(784))).render() == "(B, 784)"


def test_batches_and_networks_get_the_way_to_build_them() -> None:
    batch = Declared((UNKNOWN, Known(784)), container=_class("Batch", "verified_nn.network._batch"))
    assert batch.render() == "Batch[(?, 784)]"
    assert way_in("verified_nn.network._network.Network.loss", batch) == (
        "build it as verified_nn.network.Batch.of(verified_nn.core.as_image_batch(...)).labelled(...)"
    )
    network = Declared((UNKNOWN, Known(10)), container=_class("Network", "verified_nn.network._network"))
    assert "Network.of(...).then(...)" in way_in("verified_nn.training._evaluate.evaluate", network)
    assert "verified_nn.core.Dim(...)" in way_in("verified_nn.training._evaluate.evaluate", network)


def test_labels_after_images_of_a_literal_batch_size_get_the_labels_way_in() -> None:
    labels = Declared((Known(64),))
    assert way_in("verified_nn.network._batch.Unlabelled.labelled", labels) == (
        "pass it through verified_nn.core.as_labels(...)"
    )


def test_other_shapes_and_other_modules_get_general_advice() -> None:
    assert way_in("verified_nn.network.unflatten", Declared((Known(101770),))) == GENERAL
    assert way_in("mylib.forward", Declared((Known(784),))) == GENERAL


def test_callees_are_named_as_mypy_names_them() -> None:
    assert describe_callee("verified_nn.network._network.Network.forward", method=True) == '"forward" of "Network"'
    assert describe_callee("verified_nn.network._backprop.loss", method=False) == '"loss"'


def _resolve(fullname: str) -> object:
    """The object a dotted name (module, then attributes) names in the installed library."""
    parts = fullname.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise AssertionError(f"nothing named {fullname}")


NAMES = sorted(
    {*CALLEE_WAYS_IN, *SIZED}
    | {
        name.removesuffix("(...)")
        for hint in [*WAYS_IN.values(), *CALLEE_WAYS_IN.values()]
        for name in re.findall(r"verified_nn[\w.]+\(\.\.\.\)", hint)
    }
    | {name for hint in WAYS_IN.values() for name in re.findall(r"verified_nn(?:\.\w+)+", hint)}
)


@pytest.mark.parametrize("fullname", NAMES)
def test_every_name_the_plugin_mentions_exists(fullname: str) -> None:
    assert _resolve(fullname) is not None
