"""The tutorial's learning-rate experiment: plain SGD at 0.001, 0.01 and 0.1 for two epochs each.

Fetches MNIST on first use.
"""

import tempfile

from verified_nn.training import TrainConfig, train

RATES = (0.001, 0.01, 0.1)


def main() -> None:
    accuracy = {}
    with tempfile.TemporaryDirectory() as scratch:
        for rate in RATES:
            config = TrainConfig(epochs=2, optimizer="sgd", learning_rate=rate, lr_schedule="constant", seed=0)
            result = train(config, out_dir=scratch, log_dir=scratch, name=f"lr-{rate}", echo=False)
            accuracy[rate] = result.best.test_accuracy
            print(
                f"learning rate {rate:<6} {result.best.test_accuracy:.2%} after 2 epochs ({result.train_seconds:.1f} s)"
            )
    # In two epochs, the largest of these rates learns fastest and the smallest barely starts.
    assert accuracy[0.1] > accuracy[0.01] > accuracy[0.001], "accuracy should rise with the rate here"


if __name__ == "__main__":
    main()
