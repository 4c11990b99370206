"""``verified-nn predict``: PNG and JPEG files made from test digits get their labels; .npy arrays work without Pillow."""

import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from quick_models import quick_model

from verified_nn.cli import main
from verified_nn.data import load
from verified_nn.network import mlp
from verified_nn.predict import class_names, classify
from verified_nn.training import load_model, save_model

COUNT = 60  # test digits written as files
LINE = re.compile(r"^(?P<name>\S+): (?P<label>\d) \((?P<p>[\d.]+)%\) \| top 3: (?P<top>.*)$")


@pytest.fixture(scope="module")
def model(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return quick_model(real_data_dir, tmp_path_factory.mktemp("predict"))


@pytest.fixture(scope="module")
def digits(real_data_dir: Path) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    test = load("mnist", "test", directory=real_data_dir, dtype="uint8", size=COUNT, report=lambda _: None)
    return np.asarray(test.inputs).reshape(-1, 28, 28), test.labels


def _predicted(output: str) -> dict[str, int]:
    found = {}
    for line in output.splitlines():
        match = LINE.match(line)
        assert match, f"unexpected line {line!r}"
        found[match["name"]] = int(match["label"])
    return found


def _as_files(folder: Path, images: np.ndarray[Any, Any], kind: str) -> list[Path]:
    """Test digits as a user would have them: as they are, or scanned (large, dark on light, off-centre)."""
    image_module = pytest.importorskip("PIL.Image")
    folder.mkdir()
    paths = []
    for index, digit in enumerate(images):
        if kind == "as-is":
            picture = image_module.fromarray(digit)
        else:  # 5x larger, black ink on white paper, in a corner of a 300 x 240 page, as RGB
            large = image_module.fromarray(255 - digit).resize((140, 140), image_module.Resampling.BICUBIC)
            picture = image_module.new("L", (300, 240), 255)
            picture.paste(large, (20 + index % 7 * 20, 10 + index % 5 * 15))
            picture = picture.convert("RGB")
        path = folder / f"{index:03d}.{'jpg' if kind == 'scanned-jpeg' else 'png'}"
        picture.save(path)
        paths.append(path)
    return paths


@pytest.mark.parametrize("kind", ["as-is", "scanned-png", "scanned-jpeg"])
def test_image_files_of_test_digits_get_their_labels(
    tmp_path: Path,
    model: Path,
    digits: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    kind: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    images, labels = digits
    network = load_model(model).network
    from_arrays = np.array([p.label for p in classify(network, images)])
    known = from_arrays == labels  # the digits the model gets right as arrays; the files must not lose them
    paths = _as_files(tmp_path / kind, images, kind)
    assert main(["predict", str(model), *map(str, paths)]) == 0
    predicted = _predicted(capsys.readouterr().out)
    from_files = np.array([predicted[str(path)] for path in paths])
    assert known.sum() >= 0.9 * COUNT
    assert (from_files[known] == labels[known]).mean() >= 0.95, f"{kind}: {from_files} vs {labels}"
    assert (from_files == labels).mean() >= known.mean() - 0.05


def test_npy_files_hold_an_image_or_a_batch_and_need_no_pillow(
    tmp_path: Path,
    model: Path,
    digits: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    images, _ = digits
    network = load_model(model).network
    np.save(tmp_path / "batch.npy", images[:3])  # (3, 28, 28) uint8
    np.save(tmp_path / "one.npy", images[3].reshape(784) / 255)  # (784,) float64 in [0, 1]
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    assert main(["predict", str(model), str(tmp_path / "batch.npy"), str(tmp_path / "one.npy")]) == 0
    output = capsys.readouterr().out
    expected = classify(network, images[:4])
    names = [f"{tmp_path / 'batch.npy'}[{i}]" for i in range(3)] + [str(tmp_path / "one.npy")]
    for line, name, prediction in zip(output.splitlines(), names, expected, strict=True):
        top = ", ".join(f"{label} {p:.2%}" for label, p in prediction.top)
        assert line == f"{name}: {prediction.label} ({prediction.probability:.2%}) | top 3: {top}"
    assert main(["predict", str(model), str(tmp_path / "batch.npy"), str(tmp_path / "digit.png")]) == 2
    assert capsys.readouterr().err == (
        "verified-nn: error: reading PNG and JPEG files needs Pillow: pip install 'verified-nn[images]'\n"
    )


def test_a_float_array_in_0_255_is_refused_naming_the_file_and_the_fix(
    tmp_path: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    np.save(tmp_path / "raw.npy", np.full((28, 28), 255.0))
    assert main(["predict", str(model), str(tmp_path / "raw.npy")]) == 2
    assert capsys.readouterr().err == (
        f"verified-nn: error: {tmp_path / 'raw.npy'}: as_model_input: the network takes pixels in [0, 1], "
        "got values up to 255: pass uint8, or divide by 255\n"
    )


def test_class_names_come_from_the_dataset_the_model_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    network = mlp((784, 8, 10), rng=np.random.default_rng(0))
    save_model(tmp_path / "fashion.safetensors", network, {"dataset": "fashion-mnist"})
    np.save(tmp_path / "x.npy", np.zeros(784, dtype=np.uint8))
    assert main(["predict", str(tmp_path / "fashion.safetensors"), str(tmp_path / "x.npy"), "--top", "2"]) == 0
    prediction = classify(network, np.zeros(784, dtype=np.uint8), top=2)[0]
    names = class_names({"dataset": "fashion-mnist"}, 10)
    first, second = prediction.top
    assert capsys.readouterr().out == (
        f"{tmp_path / 'x.npy'}: {first[0]} {names[first[0]]} ({first[1]:.2%}) | top 2: "
        f"{first[0]} {names[first[0]]} {first[1]:.2%}, {second[0]} {names[second[0]]} {second[1]:.2%}\n"
    )
    assert names[9] == "Ankle boot" and class_names({}, 10) == tuple("0123456789")
    assert class_names({"dataset": "fashion-mnist"}, 3) == ("0", "1", "2")  # the names must fit the network


def test_show_draws_what_the_network_sees(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    network = mlp((784, 8, 10), rng=np.random.default_rng(0))
    save_model(tmp_path / "m.safetensors", network, {})
    image = np.zeros((28, 28), dtype=np.uint8)
    image[4:24, 13:15] = 255
    np.save(tmp_path / "one.npy", image)
    assert main(["predict", str(tmp_path / "m.safetensors"), str(tmp_path / "one.npy"), "--show"]) == 0
    art = capsys.readouterr().out.splitlines()[1:]
    assert len(art) == 28 and art[10][13:15] == "@@" and art[0].strip() == ""
