"""as_model_input: one image or a batch, flat or 28 x 28; uint8 scaled; floats outside [0, 1] refused with the cause."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datafiles import write_synthetic

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.data import load
from verified_nn.predict import as_model_input

PIXELS = np.arange(784, dtype=np.uint8).reshape(28, 28)  # 0..255 three times and a bit: every uint8 value


@pytest.mark.parametrize(
    ("values", "shape"),
    [
        (PIXELS.ravel(), (1, 784)),
        (PIXELS, (1, 784)),
        (np.stack([PIXELS.ravel()] * 3), (3, 784)),
        (np.stack([PIXELS] * 5), (5, 784)),
    ],
)
def test_one_image_or_a_batch_becomes_a_flat_batch(values: np.ndarray[Any, Any], shape: tuple[int, int]) -> None:
    batch = as_model_input(values)
    assert batch.shape == shape and batch.dtype == np.float32
    np.testing.assert_array_equal(batch[-1], PIXELS.ravel() * np.float32(1 / 255))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uint8_is_scaled_bit_for_bit_as_the_training_data_is(tmp_path: Path, dtype: str) -> None:
    spec = write_synthetic(tmp_path / "synthetic")
    raw = load(spec, "test", directory=tmp_path, dtype="uint8", download=False)
    scaled = load(spec, "test", directory=tmp_path, dtype=dtype, download=False)
    batch = as_model_input(np.asarray(raw.inputs).reshape(-1, 28, 28), dtype=dtype)
    assert batch.dtype == np.asarray(scaled.inputs).dtype
    np.testing.assert_array_equal(batch, np.asarray(scaled.inputs))


def test_uint8_is_scaled_by_1_over_255() -> None:
    batch = as_model_input(np.array([0, 51, 255] * 261 + [255], dtype=np.uint8), dtype=np.float64)
    assert batch.dtype == np.float64
    assert batch[0, :3].tolist() == [0.0, 0.2, 1.0]


def test_floats_in_the_unit_interval_and_booleans_pass_unchanged() -> None:
    image = np.linspace(0, 1, 784)
    np.testing.assert_array_equal(as_model_input(image, dtype=np.float64)[0], image)
    assert as_model_input(image > 0.5).max() == 1.0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (np.full(784, 255.0), "values up to 255: pass uint8, or divide by 255"),
        (np.full((2, 28, 28), 17.5), "values up to 17.5: pass uint8, or divide by 255"),
        (np.full(784, 1000.0), "values up to 1000: scale the pixels to [0, 1]"),
        (np.full(784, -0.4242), "values from -0.4242 to -0.4242: was the image normalised by a mean and std?"),
        (
            (np.linspace(0, 1, 784) - 0.1307) / 0.3081,  # MNIST's usual standardisation
            "values from -0.424213 to 2.82149: was the image normalised by a mean and std? pass the raw pixels",
        ),
        (np.full(784, np.nan), "values that are NaN or infinite"),
    ],
)
def test_floats_outside_the_unit_interval_are_refused_naming_the_likely_cause(
    values: np.ndarray[Any, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match="the network takes pixels in \\[0, 1\\], got ") as raised:
        as_model_input(values)
    assert message in str(raised.value)


def test_integers_other_than_uint8_are_refused_as_ambiguous() -> None:
    with pytest.raises(InvalidArgumentError, match=r"got int64 pixels; pass uint8 for 0-255 values \(.astype"):
        as_model_input(np.zeros(784, dtype=np.int64))


@pytest.mark.parametrize("shape", [(783,), (27, 28), (3, 28), (2, 28, 27), (1, 1, 784), ()])
def test_other_shapes_are_refused_naming_the_accepted_ones(shape: tuple[int, ...]) -> None:
    with pytest.raises(ShapeError, match=r"expected one image \(784,\) or \(28, 28\), or a batch \(n, 784\)"):
        as_model_input(np.zeros(shape, dtype=np.uint8))


def test_complex_pixels_and_bad_dtypes_are_refused() -> None:
    with pytest.raises(ShapeError, match="expected uint8, bool or float pixels, got complex128"):
        as_model_input(np.zeros(784, dtype=complex))
    with pytest.raises(InvalidArgumentError, match="dtype must be float32 or float64, got float16"):
        as_model_input(PIXELS, dtype=np.float16)


def test_features_beyond_the_networks_dtype_are_refused_not_made_infinite() -> None:
    features = np.array([[1.0, -2e39, 3.0]])  # finite in float64, infinite in float32
    with pytest.raises(InvalidArgumentError, match=r"got values up to 2e\+39, beyond float32's range \(±3.4e\+38\)"):
        as_model_input(features, dtype=np.float32, shape=(3,), pixels=False)
    assert as_model_input(features, dtype=np.float64, shape=(3,), pixels=False)[0, 1] == -2e39
    with pytest.raises(InvalidArgumentError, match="NaN or infinite"):
        as_model_input(np.array([[1.0, np.inf, 0.0]]), shape=(3,), pixels=False)
