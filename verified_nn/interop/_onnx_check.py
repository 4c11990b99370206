"""Running an ONNX model with onnxruntime on flat rows, and checking an imported network against it."""

import math
from typing import Any, Final

import numpy as np

from verified_nn.core import require_extra
from verified_nn.network import Network
from verified_nn.training import ModelError

from ._onnx_graph import chain_of
from ._onnx_import import sample_shape

CHECK_SAMPLES: Final = 8
# An import that maps a weight to the wrong place changes outputs by their own order of magnitude;
# summation order changes them by a few units of the last place, times the depth.
CHECK_TOLERANCE: Final = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-10}


class OnnxRunner:
    """An onnxruntime session over one model, taking the imported network's flat rows ``(batch, n)``."""

    def __init__(self, model: Any) -> None:
        ort = require_extra("onnxruntime", extra="onnx", purpose="running ONNX models", package="onnxruntime")
        chain = chain_of(model)
        self.shape, self.batched = sample_shape(chain)
        self.fixed_batch = self.batched and chain.input_shape[0] == 1
        self.input_name, self.output_name, self.dtype = chain.input_name, chain.output_name, chain.dtype
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: not the warnings about initializers listed as inputs
        try:
            self.session = ort.InferenceSession(
                model.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime's own (NotImplemented, Fail, ...) derive from Exception only
            if not type(error).__module__.startswith("onnxruntime"):
                raise
            raise ModelError(_cannot_run(error, self.dtype)) from None

    def __call__(self, rows: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """The model's output for each row, flattened in C order: ``(batch, n) -> (batch, outputs)``."""
        rows = np.asarray(rows, dtype=self.dtype)
        if self.batched and not self.fixed_batch:
            return self._run(rows.reshape(len(rows), *self.shape)).reshape(len(rows), -1)
        shape = (1, *self.shape) if self.batched else self.shape
        return np.stack([self._run(row.reshape(shape)).reshape(-1) for row in rows])

    def _run(self, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        (output,) = self.session.run([self.output_name], {self.input_name: x})
        return np.asarray(output)


def _cannot_run(error: Exception, dtype: np.dtype[Any]) -> str:
    """One line for an onnxruntime session that cannot be made: its reason, and for float64 the usual cause."""
    reason = str(error).strip().splitlines()[0].rsplit(" : ", 1)[-1] if str(error).strip() else type(error).__name__
    hint = (
        ": onnxruntime has no float64 kernel for some operators (Conv, pooling); export the model in float32"
        if dtype == np.float64 and "implementation" in reason
        else ""
    )
    return f"onnxruntime cannot run the model ({reason}){hint}"


def compare_with_onnxruntime(
    model: Any, network: Network[Any, Any], *, seed: int = 0, runner: OnnxRunner | None = None
) -> None:
    """ModelError unless ``network`` and onnxruntime agree on random inputs (normal, and uniform in [0, 1]);
    ``runner`` is a session on ``model`` already made (else one is made here)."""
    runner = runner or OnnxRunner(model)
    width = math.prod(runner.shape)
    rng = np.random.default_rng(seed)
    rows = np.concatenate([rng.normal(size=(CHECK_SAMPLES, width)), rng.random((CHECK_SAMPLES, width))])
    rows = rows.astype(runner.dtype)
    expected = runner(rows)
    got = np.asarray(network.logits(rows)).reshape(len(rows), -1)
    if got.shape != expected.shape:
        raise ModelError(f"the imported network gives {got.shape[1]} outputs, onnxruntime {expected.shape[1]}")
    scale = float(np.abs(expected).max(initial=0.0)) + 1.0
    difference = float(np.abs(got - expected).max(initial=0.0))
    if not difference <= CHECK_TOLERANCE[runner.dtype] * scale:
        raise ModelError(
            f"the imported network differs from onnxruntime by {difference:.3g} (outputs up to {scale - 1:.3g}): "
            "an operator's meaning was not reproduced"
        )
