"""Exception types of training and of model files."""


class ModelError(ValueError):
    """A model file is missing, truncated, corrupt, or holds a different shape or architecture."""


class TrainingError(RuntimeError):
    """A run cannot go on: the loss became NaN or Inf or the gradient norm exploded."""


ModelError.__module__ = TrainingError.__module__ = "verified_nn.training"
