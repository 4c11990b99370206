"""jaxtyping annotations are static shapes: the planted bugs of kernels written with them, and calls that disagree."""

import numpy as np
from jaxtyping import Float, Int

rng = np.random.default_rng(0)


def forward(x: Float[np.ndarray, "b i"], w: Float[np.ndarray, "o i"]) -> Float[np.ndarray, "b o"]:
    y: Float[np.ndarray, "b o"] = x @ w  # E: [shape] matmul: inner sizes differ: i (x: (b, i)) and o (w: (o, i))
    return y


def weight_gradient(dy: Float[np.ndarray, "b o"], x: Float[np.ndarray, "b i"]) -> Float[np.ndarray, "o i"]:
    return x.T @ dy  # E: [return-value] Incompatible return value type (got "ndarray[tuple[i, o], dtype[floating[Any]]]", expected "ndarray[tuple[o, i], dtype[floating[Any]]]")


def bias_gradient(dy: Float[np.ndarray, "b o"]) -> Float[np.ndarray, " o"]:
    return dy.sum(axis=1)  # E: [return-value] Incompatible return value type (got "ndarray[tuple[b], dtype[floating[Any]]]", expected "ndarray[tuple[o], dtype[floating[Any]]]")


def softmax(z: Float[np.ndarray, "b c"]) -> Float[np.ndarray, "b c"]:
    e = np.exp(z)
    p: Float[np.ndarray, "b c"] = e / e.sum(axis=1)  # E: [shape] divide: sizes differ and neither is 1: c (e: (b, c)) and b (e.sum(...): (b,))
    return p


def flatten(images: Float[np.ndarray, "n 28 28"]) -> Float[np.ndarray, "n 784"]:
    return images.reshape(images.shape[0], 28 * 27)  # E: [shape] reshape: element counts differ: n*784 (images: (n, 28, 28)) and n*756 (new shape: (n, 756))


def loss(logits: Float[np.ndarray, "b c"], labels: Int[np.ndarray, " b"]) -> float:
    return float(logits.sum())


def transposed(z: Float[np.ndarray, "b c"]) -> Float[np.ndarray, "b c"]:
    return z.T  # E: [return-value] Incompatible return value type (got "ndarray[tuple[c, b], dtype[floating[Any]]]", expected "ndarray[tuple[b, c], dtype[floating[Any]]]")


loss(rng.random((64, 10)), rng.integers(0, 10, 32))  # E: [shape] "loss": size b differs between arguments: 64 (logits: (64, 10)) and 32 (labels: (32,))
forward(rng.random((64, 784)), rng.random((10, 100)))  # E: [shape] "forward": size i differs between arguments: 784 (x: (64, 784)) and 100 (w: (10, 100))
loss(rng.random((64, 10)), rng.random(64))  # E: [arg-type] Argument 2 to "loss" has incompatible type "ndarray[tuple[Literal[64]], dtype[float64]]"; expected "ndarray[tuple[Literal[64]], dtype[signedinteger[Any]]]"


def malformed(x: Float[np.ndarray, "b, c"]) -> None: ...  # E: [shape] Float[np.ndarray, "b, c"]: Axes should be separated with spaces, not commas


def disagree(x: Float[np.ndarray[tuple[int, int], np.dtype[np.float64]], "b 3 1"]) -> None: ...  # E: [shape] Float[np.ndarray, "b 3 1"]: the array's shape tuple[int, int] and the dims disagree


def square(m: Float[np.ndarray, "n n"]) -> None: ...


square(rng.random((3, 4)))  # E: [shape] "square": size n differs within m: 3 and 4 (m: (3, 4))
