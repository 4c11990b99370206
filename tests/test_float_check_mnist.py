"""The target of issue 13: every MNIST test image decided for the default model (slow: trains one)."""

from pathlib import Path

import numpy as np
import pytest

from verified_nn.data import load
from verified_nn.exact import Outcome, float_check
from verified_nn.training import load_model, preset, train


@pytest.mark.slow
def test_every_mnist_test_image_is_decided_for_the_default_model(real_data_dir: Path, tmp_path: Path) -> None:
    result = train(preset(None), data_dir=real_data_dir, out_dir=tmp_path, log_dir=tmp_path, name="d", echo=False)
    mlp = load_model(result.best_path).network
    test = load("mnist", "test", directory=real_data_dir, dtype=str(mlp.dtype))
    report = float_check(mlp, np.asarray(test.inputs), audit_size=50)
    assert report.images == 10_000 and report.passed
    assert report.count(Outcome.BOUND) + report.count(Outcome.EXACT) == 10_000
    assert np.array_equal(report.float_classes, mlp.predict(np.asarray(test.inputs)))
    assert report.audit is not None and report.audit.violations == 0
