"""The models a property is checked on: an ONNX file (imported, and kept for onnxruntime) or a model file."""

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np

from verified_nn.interop import OnnxRunner, compare_with_onnxruntime, from_onnx, read_onnx
from verified_nn.network import Network
from verified_nn.training import ModelError, check_network, load_model

from ._errors import SearchError

Array: TypeAlias = np.ndarray[Any, Any]


def load_network(path: str | Path) -> tuple[Network[Any, Any], Callable[[Array], Array] | None]:
    """``(network, confirm)``: for an ``.onnx`` file the imported network and onnxruntime's outputs at an input
    (every counterexample must hold there too); for a verified-nn model file the network and None."""
    path = Path(path)
    try:
        if path.suffix.lower() != ".onnx":
            return load_model(path).network, None
        model = read_onnx(path)
        network = from_onnx(model)
        # NaN or infinite weights named, before the comparison blames an operator; large ones are another
        # tool's to keep (the model-file ceiling is for files verified-nn writes).
        check_network(network, None, ceiling=False)
        runner = OnnxRunner(model)
        compare_with_onnxruntime(model, network, runner=runner)  # the import reproduces the graph
    except ModelError as error:
        raise SearchError(f"{path}: {error}" if str(path) not in str(error) else str(error)) from None

    def confirm(x: Array) -> Array:
        outputs: Array = runner(np.asarray(x)[np.newaxis])[0]
        return outputs

    return network, confirm
