"""Cost of runtime shape checking: the same calls with VERIFIED_NN_RUNTIME_CHECKS on and off.

Run: ``python -m benchmarks.checks``. The switch is read at import, so each setting runs in its own
subprocess; the two subprocesses alternate several times and the medians are compared.
"""

import json
import os
import subprocess
import sys

import numpy as np

CHILD = r"""
import json
import numpy as np
from benchmarks._timing import interleaved_medians
from verified_nn.core import as_image_batch, as_labels, softmax
from verified_nn.network import Batch, default_network
from verified_nn.optimizer import SGD

rng = np.random.default_rng(0)
network = default_network(rng, dtype=np.float32)
image = as_image_batch(rng.random((1, 784)), dtype=np.float32)
images = as_image_batch(rng.random((64, 784)), dtype=np.float32)
labels = as_labels(rng.integers(0, 10, size=64))
logits = network.logits(images)
sgd = SGD(learning_rate=0.01)
state = sgd.init(network)
cases = {
    "as_image_batch, 64 images": lambda: as_image_batch(images),
    "softmax, 64 x 10": lambda: softmax(logits),
    "probabilities, one image": lambda: network.probabilities(image),
    "probabilities, 64 images": lambda: network.probabilities(images),
    "SGD step, batch 64": lambda: sgd.step(network, state, Batch.of(images).labelled(labels)),
}
print(json.dumps(interleaved_medians(cases, rounds=200, calls=20)))
"""


def _measure(checks: str) -> dict[str, float]:
    env = {**os.environ, "VERIFIED_NN_RUNTIME_CHECKS": checks}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main() -> None:
    runs: dict[str, list[dict[str, float]]] = {"1": [], "0": []}
    for _ in range(3):
        for setting in runs:
            runs[setting].append(_measure(setting))
    print("runtime checks: median microseconds per call, float32 (3 alternating runs each)")
    print(f"  {'call':<26} {'checks on':>10} {'checks off':>11} {'ratio':>7}")
    for case in runs["1"][0]:
        on = float(np.median([run[case] for run in runs["1"]])) * 1e6
        off = float(np.median([run[case] for run in runs["0"]])) * 1e6
        print(f"  {case:<26} {on:10.1f} {off:11.1f} {on / off:7.2f}")


if __name__ == "__main__":
    main()
