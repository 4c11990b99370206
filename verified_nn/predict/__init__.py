"""Using a trained network on images: input arrays as users hold them, image files prepared like MNIST, predictions."""

from ._classify import (
    Prediction as Prediction,
    class_names as class_names,
    classify as classify,
    read_inputs as read_inputs,
)
from ._image import mnist_digit as mnist_digit, read_digit as read_digit, read_grayscale as read_grayscale
from ._input import as_model_input as as_model_input
