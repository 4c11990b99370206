"""The built-in datasets: loading splits, dtypes and scaling, subsets, consistency checks, checksums, the data directory."""

from pathlib import Path

import numpy as np
import pytest
from datafiles import FILES, arrays, spec_for, write_dataset

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DataError, DatasetSpec, data_dir, load, write_idx


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, DatasetSpec]:
    contents = write_dataset(tmp_path / "tiny")
    return tmp_path, spec_for(contents)


def test_load_scales_pixels_into_the_unit_interval(tiny: tuple[Path, DatasetSpec]) -> None:
    root, spec = tiny
    images, _ = arrays("train")
    for dtype in ("float32", "float64"):
        dataset = load(spec, "train", directory=root, dtype=dtype)
        assert dataset.inputs.dtype == dtype and dataset.inputs.shape == (30, 784)
        np.testing.assert_allclose(dataset.inputs, images.reshape(30, 784) / 255, rtol=1e-6)
    raw = load(spec, "test", directory=root, dtype="uint8")
    np.testing.assert_array_equal(raw.labels, arrays("test")[1])
    assert raw.labels.dtype == np.int64 and len(raw) == 12 and raw.classes[3] == "class 3"


def test_size_takes_the_first_n_or_a_seeded_random_n(tiny: tuple[Path, DatasetSpec]) -> None:
    root, spec = tiny
    first = load(spec, "train", directory=root, size=5)
    np.testing.assert_array_equal(first.labels, [0, 1, 2, 3, 4])
    a = load(spec, "train", directory=root, size=7, seed=3)
    b = load(spec, "train", directory=root, size=7, seed=3)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    assert not np.array_equal(a.labels, first.labels[:7]) or not np.array_equal(a.inputs[:5], first.inputs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 0}, "size must be >= 1, got 0"),
        ({"size": 31}, "size 31 exceeds the 30 samples"),
        ({"dtype": "int8"}, "dtype must be one of float32, float64, uint8"),
        ({"split": "valid"}, "split must be one of train, test"),
    ],
)
def test_bad_load_arguments_are_refused(
    tiny: tuple[Path, DatasetSpec], kwargs: dict[str, object], message: str
) -> None:
    root, spec = tiny
    with pytest.raises(InvalidArgumentError, match=message):
        load(spec, directory=root, **kwargs)  # type: ignore[arg-type]


def _respec(root: Path) -> DatasetSpec:
    return spec_for({name: (root / "tiny" / name).read_bytes() for name in FILES.values()})


def test_an_image_count_different_from_the_label_count_is_refused(tiny: tuple[Path, DatasetSpec]) -> None:
    root, _ = tiny
    write_idx(root / "tiny" / FILES["train-labels"], arrays("train")[1][:29])
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.gz: 29 labels for 30 images"):
        load(_respec(root), "train", directory=root)


def test_a_label_outside_the_class_range_is_refused(tiny: tuple[Path, DatasetSpec]) -> None:
    root, _ = tiny
    labels = arrays("train")[1].copy()
    labels[4] = 12
    write_idx(root / "tiny" / FILES["train-labels"], labels)
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.gz: label 12 at index 4 is outside \[0, 10\)"):
        load(_respec(root), "train", directory=root)


def test_a_checksum_mismatch_is_refused_when_nothing_may_be_fetched(tiny: tuple[Path, DatasetSpec]) -> None:
    root, spec = tiny
    write_idx(root / "tiny" / FILES["test-labels"], arrays("test")[1][::-1].copy())
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz: not tiny's t10k-labels-idx1-ubyte.gz \(an IDX file"):
        load(spec, "test", directory=root, download=False)


def test_the_data_directory_comes_from_option_then_environment_then_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VERIFIED_NN_DATA_DIR", raising=False)
    assert data_dir() == Path("data")
    monkeypatch.setenv("VERIFIED_NN_DATA_DIR", "/somewhere")
    assert data_dir() == Path("/somewhere")
    assert data_dir("/explicit") == Path("/explicit")


def test_an_unknown_dataset_is_refused_with_the_known_names() -> None:
    with pytest.raises(InvalidArgumentError, match="unknown dataset 'cifar'; known: mnist, fashion-mnist"):
        load("cifar")
