"""``certify --scheduler``: a local Dask cluster gives the same verdicts as one process and as ``--jobs 2``;
without the extra, one line naming what to install; ``--jobs`` with ``--scheduler`` is refused."""

import builtins
import dataclasses
import json
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from certify_networks import tiny_network
from datafiles import fast_training, use_synthetic_mnist

from verified_nn.certify import CertifyConfig, CertifyError, ImageResult, _dask, certify_images
from verified_nn.cli import main
from verified_nn.core import MissingExtraError

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A one-worker, in-process cluster (two threads) on loopback TCP, so the command line reaches it as any
    scheduler: seconds to start, nothing left behind."""
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None, protocol="tcp", host="127.0.0.1"
    ) as cluster:
        yield str(cluster.scheduler_address)


def _verdicts(results: list[ImageResult]) -> list[dict[str, Any]]:
    """Everything but the timings, with the counterexample's pixels as a list."""
    return [
        {
            **dataclasses.asdict(dataclasses.replace(r, seconds=0.0, complete_seconds=0.0, counterexample=None)),
            "pixels": None if r.counterexample is None else r.counterexample.tolist(),
        }
        for r in results
    ]


def test_a_cluster_gives_the_same_verdicts_as_one_process_and_as_two(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_dask, "IMAGES_PER_TASK", 5)  # three tasks of 5, 5 and 2 images
    monkeypatch.setenv("VERIFIED_NN_MAX_WORKERS", "2")  # two processes even on a machine of one core
    network = tiny_network(seed=9, widths=(6, 12, 8, 4), dtype=np.float32)
    rng = np.random.default_rng(9)
    images = rng.random((12, 6)).astype(np.float32)
    labels = network.predict(images)
    labels[:2] = (labels[:2] + 1) % 4  # two misclassified
    config = CertifyConfig(eps=Fraction(1, 10))
    seen: list[int] = []
    on_cluster = certify_images(
        network, images, labels, config, scheduler=scheduler, on_result=lambda r: seen.append(r.index)
    )
    assert sorted(seen) == list(range(12)) and [r.index for r in on_cluster] == list(range(12))
    one = certify_images(network, images, labels, config)
    two = certify_images(network, images, labels, config, jobs=2)
    assert _verdicts(on_cluster) == _verdicts(one) == _verdicts(two)
    assert len({r.status for r in one}) >= 2  # not a trivial agreement


def test_jobs_and_a_scheduler_are_refused_together(scheduler: str) -> None:
    network = tiny_network(seed=1)
    with pytest.raises(CertifyError, match=r"^jobs \(2\) and a scheduler cannot be combined"):
        certify_images(network, np.zeros((1, 3)), [0], CertifyConfig(eps=Fraction(1, 10)), jobs=2, scheduler=scheduler)


def test_without_the_extra_the_error_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_distributed(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "distributed")
    monkeypatch.setattr(builtins, "__import__", no_distributed)
    network = tiny_network(seed=1)
    with pytest.raises(MissingExtraError) as raised:
        certify_images(network, np.zeros((1, 3)), [0], CertifyConfig(eps=Fraction(1, 10)), scheduler="tcp://x:1")
    assert str(raised.value) == (
        "certify --scheduler (a Dask cluster) needs distributed: pip install 'verified-nn[dask]'"
    )


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_synthetic_mnist(tmp_path, monkeypatch)
    fast = fast_training(1, train_eval=100, log_every=None, validation=0)
    assert main(["train", *fast, "--hidden", "16", "--name", "m"]) == 0
    return tmp_path


def test_the_command_line_table_is_the_same_on_a_cluster(
    workdir: Path, scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["certify", "models/m-best.safetensors", "--eps", "0.02", "--count", "20", "--method", "crown"]
    capsys.readouterr()
    assert main([*common, "--json", "local.json"]) == 0
    assert main([*common, "--json", "cluster.json", "--scheduler", scheduler]) == 0
    local, cluster = (json.loads((workdir / name).read_text()) for name in ("local.json", "cluster.json"))
    strip = ("seconds", "complete_seconds")
    rows = [[{k: v for k, v in row.items() if k not in strip} for row in data["images"]] for data in (local, cluster)]
    assert rows[0] == rows[1] and len(rows[0]) == 20
    assert main([*common, "--jobs", "2", "--scheduler", scheduler]) == 2
    assert capsys.readouterr().err.endswith(
        "error: --jobs and --scheduler cannot be combined: the cluster's workers set the parallelism\n"
    )
