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
from verified_nn.core import as_image, as_image_batch, as_labels
from verified_nn.network import he_init
from verified_nn.optimizer import SGD

rng = np.random.default_rng(0)
mlp = he_init(rng, dtype=np.float32)
image = as_image(rng.random(784), dtype=np.float32)
images = as_image_batch(rng.random((64, 784)), dtype=np.float32)
labels = as_labels(rng.integers(0, 10, size=64))
sgd = SGD(learning_rate=0.01)
state = sgd.init(mlp)
cases = {
    "forward, one image": lambda: mlp.forward(image),
    "forward_batch, 64 images": lambda: mlp.forward_batch(images),
    "SGD step, batch 64": lambda: sgd.step(mlp, state, images, labels),
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
