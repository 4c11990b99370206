"""Without any optional package (Pillow, onnx, scikit-learn, PyTorch) the command line works, and each part that
needs one says in one line how to install it."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from verified_nn.network import mlp
from verified_nn.training import save_model

BLOCKED = ("PIL", "onnx", "onnxruntime", "sklearn", "torch", "pandas", "scipy")
RUN = (
    "import sys\n"
    f"for name in {BLOCKED!r}: sys.modules[name] = None  # import name now raises ImportError\n"
    "from verified_nn.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _cli(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN, *arguments], cwd=folder, capture_output=True, text=True, check=False
    )


@pytest.mark.slow  # five fresh interpreters: about 10 s in all
def test_the_command_line_works_without_optional_packages(tmp_path: Path) -> None:
    save_model(tmp_path / "m.safetensors", mlp((784, 16, 10), rng=np.random.default_rng(0)), {"dataset": "mnist"})
    np.save(tmp_path / "x.npy", np.zeros((2, 28, 28), dtype=np.uint8))
    predicted = _cli(tmp_path, "predict", "m.safetensors", "x.npy")
    assert predicted.returncode == 0 and predicted.stdout.startswith("x.npy[0]: "), predicted.stderr
    exported = _cli(tmp_path, "export", "m.safetensors", "--torch", "t.safetensors")
    assert exported.returncode == 0, exported.stderr
    imported = _cli(tmp_path, "import-torch", "t.safetensors", "--hidden", "16", "--out", "back.safetensors")
    assert imported.returncode == 0, imported.stderr


@pytest.mark.slow
def test_each_optional_part_names_its_extra(tmp_path: Path) -> None:
    save_model(tmp_path / "m.safetensors", mlp((784, 16, 10), rng=np.random.default_rng(0)), {})
    (tmp_path / "digit.png").write_bytes(b"")
    png = _cli(tmp_path, "predict", "m.safetensors", "digit.png")
    assert (png.returncode, png.stderr) == (
        2,
        "verified-nn: error: reading PNG and JPEG files needs Pillow: pip install 'verified-nn[images]'\n",
    )
    onnx = _cli(tmp_path, "export", "m.safetensors", "--onnx", "m.onnx")
    assert (onnx.returncode, onnx.stderr) == (
        2,
        "verified-nn: error: ONNX export needs onnx: pip install 'verified-nn[onnx]'\n",
    )
    estimator = subprocess.run(
        [sys.executable, "-c", RUN.split("from verified_nn.cli")[0] + "import verified_nn.sklearn"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert estimator.stderr.strip().endswith(
        "MissingExtraError: verified_nn.sklearn needs scikit-learn: pip install 'verified-nn[sklearn]'"
    )
