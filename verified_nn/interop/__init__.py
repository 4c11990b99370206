"""Other tools' formats: ONNX export and import, and PyTorch ``torch.nn.Sequential`` state dicts both ways."""

from ._metadata import exported_metadata as exported_metadata
from ._onnx import OPSET as OPSET, save_onnx as save_onnx, to_onnx as to_onnx
from ._onnx_check import OnnxRunner as OnnxRunner, compare_with_onnxruntime as compare_with_onnxruntime
from ._onnx_graph import read_onnx as read_onnx
from ._onnx_import import from_onnx as from_onnx, load_onnx as load_onnx
from ._torch import (
    TORCH_SEQUENTIAL_KEY as TORCH_SEQUENTIAL_KEY,
    from_torch as from_torch,
    from_torch_state_dict as from_torch_state_dict,
    load_torch as load_torch,
    mlp_layers as mlp_layers,
    read_state_dict as read_state_dict,
    save_torch as save_torch,
    to_torch as to_torch,
    torch_sequential_code as torch_sequential_code,
    torch_state_dict as torch_state_dict,
)
