"""Momentum against plain SGD at the same learning rate: same data, same seed, same number of steps.

Fetches MNIST on first use.
"""

import tempfile

from verified_nn.training import TrainConfig, train


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for momentum in (0.0, 0.9):
            optimizer = "momentum" if momentum else "sgd"
            config = TrainConfig(
                epochs=3, optimizer=optimizer, learning_rate=0.01, momentum=momentum, lr_schedule="constant", seed=0
            )
            result = train(config, out_dir=scratch, log_dir=scratch, name=f"momentum-{momentum}", echo=False)
            results[momentum] = result.best.test_accuracy
            print(f"momentum {momentum}: {result.best.test_accuracy:.2%} test accuracy after 3 epochs")
    # With mu = 0.9 each step moves about 1 / (1 - mu) = 10 times as far along a steady gradient.
    assert results[0.9] > results[0.0], "momentum should train faster than plain SGD here"


if __name__ == "__main__":
    main()
