"""Loading the full MNIST training split: time and peak extra memory against the final array's size.

Run: ``python -m benchmarks.load [--data-dir DIR]`` (fetches MNIST first if needed). Times the load
(checksum, decompress, parse, scale to float32) and, in a second load under tracemalloc, the peak
memory allocated beyond the final images array, as a ratio of that array's size.
"""

import argparse
import time
import tracemalloc

import numpy as np

from verified_nn.data import load


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    load("mnist", "test", directory=args.data_dir)  # fetch if needed, warm the file cache
    times = []
    for _ in range(5):
        start = time.perf_counter()
        dataset = load("mnist", "train", directory=args.data_dir, report=lambda _: None)
        times.append(time.perf_counter() - start)
    final = dataset.inputs.nbytes + dataset.labels.nbytes
    del dataset
    tracemalloc.start()
    dataset = load("mnist", "train", directory=args.data_dir, report=lambda _: None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"load MNIST train ({len(dataset)} x 784 float32, {final / 1e6:.0f} MB)")
    print(f"  median time {np.median(times):.3f} s over 5 loads (budget: well under 2 s)")
    extra = peak - final
    print(f"  peak extra memory {extra / 1e6:.0f} MB = {extra / final:.2f}x the final arrays (budget 2x)")


if __name__ == "__main__":
    main()
