"""The per-sample shapes that verified_nn's shape-changing layers give: convolution, pooling, flatten, reshape.

Pure Python, as ``_sizes``: a per-sample shape is a layer's input or output without the batch axis
(``(C, H, W)`` for feature maps, ``(F,)`` for rows). A window's output size is ``(n + 2p - k) // s + 1``,
as the layers compute it at run time (``layers/_window.py``); each rule returns the output shape or
raises ``ShapeConflictError`` when the layer cannot take the input, whatever the unknown sizes are.
"""

from dataclasses import dataclass

from ._sizes import UNKNOWN, Dim, Known, Shape, ShapeConflictError, Symbol, count, render_dim

__all__ = ["Window", "convolve", "flatten", "pool", "reshape_rows", "window_size"]

_AXES = ("height", "width")


@dataclass(frozen=True)
class Window:
    """A sliding window per axis ``(vertical, horizontal)``: kernel, stride and padding; None where not known."""

    kernel: tuple[int | None, int | None]
    stride: tuple[int | None, int | None]
    padding: tuple[int | None, int | None]

    def render(self) -> str:
        """``5x5, stride 1, padding 2``, as the layers' ``repr`` writes it (``?`` for a part not known)."""

        def text(pair: tuple[int | None, int | None], joiner: str) -> str:
            a, b = ("?" if v is None else str(v) for v in pair)
            return f"{a}{joiner}{b}" if joiner == "x" or a != b else a

        return f"{text(self.kernel, 'x')}, stride {text(self.stride, ',')}, padding {text(self.padding, ',')}"


def window_size(size: Dim, kernel: int | None, stride: int | None, padding: int | None, *, axis: str) -> Dim:
    """The output size of one axis; a conflict when the kernel cannot fit a known input size.

    A symbolic size stays itself through a window that keeps sizes (stride 1, ``2p = k - 1``: a "same"
    convolution); any other result of a symbol, or of an unknown part, is unknown.
    """
    if kernel is None or stride is None or padding is None:
        return UNKNOWN
    if isinstance(size, Symbol):
        return size if stride == 1 and 2 * padding == kernel - 1 else UNKNOWN
    if not isinstance(size, Known):
        return UNKNOWN
    out = (size.value + 2 * padding - kernel) // stride + 1
    if out < 1:
        raise ShapeConflictError(
            f"the kernel {kernel} does not fit the input's {axis} {size.value}: "
            f"({size.value} + 2*{padding} - {kernel}) // {stride} + 1 = {out}, needs >= 1"
        )
    return Known(out)


def _maps(shape: Shape, what: str) -> Shape:
    if len(shape) != 3:
        raise ShapeConflictError(f"{what} takes (channels, height, width) per sample")
    return shape


def _spatial(shape: Shape, window: Window) -> tuple[Dim, Dim]:
    sizes = [
        window_size(shape[1 + i], window.kernel[i], window.stride[i], window.padding[i], axis=_AXES[i])
        for i in range(2)
    ]
    return sizes[0], sizes[1]


def convolve(shape: Shape, window: Window, *, channels_out: Dim, channels_in: Dim) -> Shape:
    """A convolution from ``channels_in`` to ``channels_out`` maps: ``(C, H, W) -> (O, H', W')``."""
    shape = _maps(shape, "a convolution")
    if isinstance(shape[0], Known) and isinstance(channels_in, Known) and shape[0] != channels_in:
        raise ShapeConflictError(f"it takes {render_dim(channels_in)} channels")
    return (channels_out, *_spatial(shape, window))


def pool(shape: Shape, window: Window) -> Shape:
    """A pooling: ``(C, H, W) -> (C, H', W')``."""
    shape = _maps(shape, "a pooling")
    return (shape[0], *_spatial(shape, window))


def flatten(shape: Shape, width: Dim) -> Shape:
    """``(C, H, W) -> (C*H*W,)``; a conflict when a declared ``width`` cannot be that product."""
    total = count(shape)
    flat = total.as_dim()
    if isinstance(width, Known) and total.determined and not total.symbols and total.coefficient != width.value:
        sizes = "*".join(render_dim(d) for d in shape)
        raise ShapeConflictError(f"it declares width {width.value}, and {sizes} = {total.coefficient}")
    return (flat if not isinstance(width, Known) else width,)


def reshape_rows(shape: Shape, target: Shape) -> Shape:
    """Rows of ``prod(target)`` values to arrays of ``target``: the input must be rows of that width."""
    if len(shape) != 1:
        raise ShapeConflictError("it takes rows (one vector per sample)")
    width = count(target)
    if isinstance(shape[0], Known) and width.determined and not width.symbols and shape[0].value != width.coefficient:
        sizes = "*".join(render_dim(d) for d in target)
        raise ShapeConflictError(f"it takes rows of {sizes} = {width.coefficient}")
    return target
