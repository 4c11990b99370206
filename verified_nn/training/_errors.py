"""Exception types of training and of model files."""


class ModelError(ValueError):
    """A model file is missing, truncated, corrupt, or holds a different shape or architecture."""


class TrainingError(RuntimeError):
    """A run cannot go on: the loss became NaN or Inf or the gradient norm exploded."""


class TrainingInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C; the message says what was saved and how to continue."""


ModelError.__module__ = TrainingError.__module__ = TrainingInterrupted.__module__ = "verified_nn.training"
