"""A model file written by the first release's own code (commit 658f8c0, extracted from git) still loads today."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from verified_nn.data import load
from verified_nn.layers import Dense, ReLU
from verified_nn.optimizer import Momentum, MomentumState
from verified_nn.training import FORMAT, TrainConfig, evaluate, load_model, train

ROOT = Path(__file__).parent.parent
FIRST_RELEASE = "658f8c0"  # the last commit of the fixed 784-128-10 MLP, before composable layers

TRAIN_WITH_THE_FIRST_RELEASE = """
import sys
sys.path.insert(0, sys.argv[1])  # the extracted first release shadows today's package
import verified_nn
assert verified_nn.__file__.startswith(sys.argv[1]), verified_nn.__file__
from verified_nn.training import TrainConfig, train
config = TrainConfig(train_size=3000, test_size=500, epochs=2, train_eval_size=500, log_every=1000, seed=7)
train(config, data_dir=sys.argv[2], out_dir=sys.argv[3], log_dir=sys.argv[3], name="old", echo=False)
"""


@pytest.fixture(scope="module")
def first_release_model(tmp_path_factory: pytest.TempPathFactory, real_data_dir: Path) -> Path:
    """The best checkpoint of a two-epoch run of the first release's trainer."""
    folder = tmp_path_factory.mktemp("first-release")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", FIRST_RELEASE, "verified_nn"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.skip(f"the first release ({FIRST_RELEASE}) is not in this checkout's git history")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    run = subprocess.run(
        [sys.executable, "-c", TRAIN_WITH_THE_FIRST_RELEASE, str(folder), str(real_data_dir), str(folder / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return folder / "out" / "old-best.safetensors"


@pytest.mark.slow  # extracts the first release and trains it for two epochs in a subprocess: about 10 s
def test_a_file_written_by_the_first_release_loads_and_scores_what_it_recorded(
    first_release_model: Path, real_data_dir: Path
) -> None:
    saved = load_model(first_release_model)
    assert saved.metadata["architecture"] != "784-128-10"  # upgraded to today's layer list on loading
    assert saved.metadata["format"] == FORMAT
    assert [type(layer) for layer in saved.network.layers] == [Dense, ReLU, Dense]
    assert saved.network.describe().startswith("784 -> Dense(784 -> 128, float32) -> ReLU() -> Dense(128 -> 10")
    test = load("mnist", "test", directory=real_data_dir, size=500, report=lambda _: None)
    accuracy = evaluate(saved.network, np.asarray(test.inputs), test.labels).accuracy
    assert f"{accuracy:.6f}" == saved.metadata["test_accuracy"]  # the same network the old code measured
    assert saved.optimizer == Momentum() and isinstance(saved.state, MomentumState)
    config = json.loads(saved.metadata["config"])
    assert config["seed"] == 7 and config["validation_size"] == 0


@pytest.mark.slow
def test_training_resumes_from_a_first_release_checkpoint(first_release_model: Path, real_data_dir: Path) -> None:
    last = load_model(first_release_model.with_name("old-last.safetensors"))
    config = dataclasses.replace(TrainConfig.from_json(last.metadata["config"]), epochs=3)
    result = train(
        config,
        data_dir=real_data_dir,
        out_dir=first_release_model.parent / "resumed",
        log_dir=first_release_model.parent / "resumed",
        name="resumed",
        resume=last,
        echo=False,
    )
    assert [record.epoch for record in result.history] == [1, 2, 3]
    assert result.history[0].validation_accuracy is None  # the first release had no validation split
    assert result.history[2].test_accuracy > 0.8
