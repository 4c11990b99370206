"""A scikit-learn classifier around verified-nn: an MLP of any widths trained by the library's own backprop.

Any number of input features and of classes: the network is ``mlp((n_features, *hidden_layer_sizes,
n_classes))``, trained with mini-batch cross-entropy by one of verified-nn's optimizers, in the trainer's
own loop (``verified_nn.training.fit``) with the optimizer from the one factory (``optimizer_named``).
The parameters and their defaults follow scikit-learn's own ``MLPClassifier`` where they mean the same
thing, so one can stand in for the other; ``dropout`` and the ``nesterov``/``adamw`` solvers are
verified-nn's.
"""

import dataclasses
import math
import sys
from typing import Any, Final

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]  # ships no types

from verified_nn.core import InvalidArgumentError
from verified_nn.data import Dataset
from verified_nn.files import PARAMETERS, check_workers
from verified_nn.layers import Dense, activation_named
from verified_nn.network import Network, mlp
from verified_nn.optimizer import OPTIMIZERS, Optimizer, optimizer_named
from verified_nn.training import (
    Callback,
    EpochEnd,
    EpochRecord,
    LoopData,
    LoopSettings,
    Plain,
    Schedule,
    fit,
    mlp_parameters,
)

SOLVERS: Final = OPTIMIZERS
AUTO_BATCH: Final = 200  # batch_size="auto": min(200, n_samples), as scikit-learn's MLPClassifier


@dataclasses.dataclass(frozen=True)
class _Settings:
    """The hyperparameters, validated (``fit`` builds this; ``__init__`` only stores what it is given)."""

    hidden: tuple[int, ...]
    optimizer: Optimizer[Any]
    dtype: np.dtype[Any]


def _whole(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


class MLPClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn ships no types
    """A multilayer perceptron classifier trained with verified-nn's manual backpropagation.

    Parameters:
        hidden_layer_sizes: widths of the hidden layers, e.g. ``(128,)`` or ``(256, 64)``; ``()`` for none.
        activation: ``"relu"``, ``"leaky_relu"``, ``"leaky_relu(SLOPE)"`` or ``"tanh"``.
        solver: ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"`` or ``"adamw"``.
        alpha: weight decay: an L2 penalty for sgd, momentum, nesterov and adam; decoupled for adamw.
        batch_size: examples per step, or ``"auto"``: ``min(200, n_samples)``.
        learning_rate_init: the (constant) learning rate.
        momentum: for momentum and nesterov, in [0, 1).
        max_iter: the most epochs ``fit`` runs.
        tol: the least improvement (of the training loss, or of the validation accuracy with early
            stopping) that counts as one.
        n_iter_no_change: ``fit`` stops after this many epochs more without such an improvement.
        early_stopping: hold out ``validation_fraction`` of the training data (stratified), stop on its
            accuracy and keep the parameters of the best epoch.
        validation_fraction: the share held out for early stopping, in (0, 1).
        dropout: the dropout rate after each hidden activation, in [0, 1).
        random_state: seeds initialisation, shuffling, the validation split and dropout (int, a
            ``RandomState`` or None for fresh randomness).
        dtype: ``"float64"`` or ``"float32"``: the network's parameters and computations.
        threads: BLAS threads while fitting and predicting; 1 is fastest for small networks on a
            shared machine (25x faster than two competing threads here); None leaves BLAS as it is.
        verbose: print one line per epoch to standard error.

    Attributes (after ``fit``): ``classes_``, ``n_features_in_`` (and ``feature_names_in_`` for a
    DataFrame), ``network_`` (a :class:`verified_nn.network.Network`), ``n_iter_`` (epochs run),
    ``loss_`` (mean cross-entropy of the last epoch), ``loss_curve_``, ``best_loss_``,
    ``validation_scores_`` and ``best_validation_score_`` (with early stopping, else None),
    ``t_`` (samples seen), ``optimizer_state_``; and ``coefs_`` / ``intercepts_`` as scikit-learn lays
    them out (weights ``(n_in, n_out)``).
    """

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        momentum: float = 0.9,
        max_iter: int = 200,
        tol: float = 1e-4,
        n_iter_no_change: int = 10,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        dropout: float = 0.0,
        random_state: Any = None,
        dtype: str = "float64",
        threads: int | None = 1,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.dropout = dropout
        self.random_state = random_state
        self.dtype = dtype
        self.threads = threads
        self.verbose = verbose

    # Validation of the hyperparameters: at fit time, as scikit-learn requires.

    def _settings(self) -> _Settings:
        sizes: Any = self.hidden_layer_sizes
        hidden: tuple[Any, ...] | None = (
            (sizes,) if _whole(sizes) else tuple(sizes) if isinstance(sizes, list | tuple) else None
        )
        if hidden is None or not all(_whole(width) and width >= 1 for width in hidden):
            raise ValueError(f"hidden_layer_sizes must be a tuple of widths >= 1, got {sizes!r}")
        try:
            activation_named(str(self.activation))
        except InvalidArgumentError as error:
            raise ValueError(f"activation: {error}") from None
        checks = {
            "alpha": _number(self.alpha) and math.isfinite(self.alpha) and self.alpha >= 0,
            "learning_rate_init": _number(self.learning_rate_init) and 0 < self.learning_rate_init < math.inf,
            "momentum": _number(self.momentum) and 0 <= self.momentum < 1,
            "max_iter": _whole(self.max_iter) and self.max_iter >= 1,
            "tol": _number(self.tol) and self.tol >= 0,
            "n_iter_no_change": _whole(self.n_iter_no_change) and self.n_iter_no_change >= 1,
            "validation_fraction": _number(self.validation_fraction) and 0 < self.validation_fraction < 1,
            "dropout": _number(self.dropout) and 0 <= self.dropout < 1,
            "batch_size": self.batch_size == "auto" or (_whole(self.batch_size) and int(self.batch_size) >= 1),
            "dtype": self.dtype in ("float32", "float64"),
            "solver": self.solver in SOLVERS,
            "threads": self.threads is None or (_whole(self.threads) and int(self.threads) >= 1),
        }
        for name, fine in checks.items():
            if not fine:
                raise ValueError(f"{name}: invalid value {getattr(self, name)!r} (see MLPClassifier's docstring)")
        if self.threads is not None:
            try:
                check_workers(int(self.threads), option="threads")  # no more BLAS threads than cores
            except InvalidArgumentError as error:
                raise ValueError(str(error)) from None
        return _Settings(hidden=tuple(int(w) for w in hidden), optimizer=self._optimizer(), dtype=np.dtype(self.dtype))

    def _optimizer(self) -> Optimizer[Any]:
        return optimizer_named(
            str(self.solver),
            learning_rate=float(self.learning_rate_init),
            weight_decay=float(self.alpha),
            momentum=float(self.momentum),
        )

    # Fitting.

    def _start(self, settings: _Settings, n_features: int, classes: np.ndarray[Any, Any]) -> None:
        """A new network and optimizer state; the seed of everything random in this fit."""
        self._seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        sizes = (n_features, *settings.hidden, len(classes))
        count = mlp_parameters(sizes)
        where = f"hidden_layer_sizes {settings.hidden} on {n_features} features: the network has"
        problem = PARAMETERS.over(count, where)
        if problem is not None:
            raise ValueError(problem)
        network = mlp(
            sizes,
            rng=np.random.default_rng([self._seed, 0]),
            activation=str(self.activation),
            dropout=float(self.dropout),
            dtype=settings.dtype,
        )
        self.classes_ = classes
        self.network_ = network
        self.optimizer_state_ = settings.optimizer.init(network)
        self._history: tuple[EpochRecord, ...] = ()
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_: list[float] = []
        self.best_loss_ = math.inf
        self.validation_scores_: list[float] | None = [] if self.early_stopping else None
        self.best_validation_score_: float | None = -math.inf if self.early_stopping else None

    def _run(
        self,
        settings: _Settings,
        train: Dataset,
        validation: Dataset | None,
        epochs: int,
        stop: "_Bookkeeping",
    ) -> None:
        """Epochs ``n_iter_ + 1`` to ``n_iter_ + epochs`` of the trainer's loop from the current network."""
        batch_size = min(AUTO_BATCH if self.batch_size == "auto" else int(self.batch_size), len(train))
        last = len(self._history) + epochs
        fitted = fit(
            self.network_,
            self.optimizer_state_,
            settings.optimizer,
            data=LoopData(train=train, validation=validation),
            settings=LoopSettings(epochs=last, batch_size=batch_size, seed=self._seed),
            schedule=Schedule(float(self.learning_rate_init), "constant", last),
            objective=Plain(),
            callbacks=[stop],
            history=self._history,
        )
        self._history = fitted.history

    def _indices(self, y: Any, classes: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        positions = np.searchsorted(classes, y)
        positions = np.clip(positions, 0, len(classes) - 1)
        unknown = classes[positions] != y
        if np.any(unknown):
            raise ValueError(f"y holds labels not in classes: {np.unique(np.asarray(y)[unknown])[:5].tolist()}")
        result: np.ndarray[Any, Any] = positions.astype(np.int64)
        return result

    def fit(self, X: Any, y: Any) -> "MLPClassifier":
        """Train a new network on ``X`` ``(n_samples, n_features)`` and labels ``y`` ``(n_samples,)``; returns self."""
        settings = self._settings()
        with threadpool_limits(limits=self.threads):
            return self._fit(settings, X, y)

    def _fit(self, settings: _Settings, X: Any, y: Any) -> "MLPClassifier":
        X, y = validate_data(self, X, y, dtype=settings.dtype.type)
        check_classification_targets(y)
        classes, labels = np.unique(y, return_inverse=True)
        self._start(settings, X.shape[1], classes)
        images = np.ascontiguousarray(X, dtype=settings.dtype)
        validation = None
        if self.early_stopping:
            images, labels, (held_x, held_y) = self._split(images, labels)
            validation = Dataset(held_x, held_y, classes=len(classes), name="validation")
        train = Dataset(images, labels, classes=len(classes), name="X")
        stop = _Bookkeeping(self, len(train), stopping=True)
        self._run(settings, train, validation, int(self.max_iter), stop)
        if validation is not None and stop.best_network is not None:
            self.network_ = stop.best_network  # the parameters of the best validation score
        return self

    def _split(
        self, images: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]
    ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
        """Hold out ``validation_fraction`` of the data: stratified when every class can be on both sides."""
        count, classes = len(labels), int(labels.max()) + 1
        held = math.ceil(count * float(self.validation_fraction))
        if held >= count:
            raise ValueError(
                f"early_stopping: validation_fraction {self.validation_fraction} of {count} samples "
                "leaves none to train on"
            )
        can_stratify = np.bincount(labels).min() >= 2 and min(held, count - held) >= classes
        train_x, held_x, train_y, held_y = train_test_split(
            images,
            labels,
            test_size=held,
            random_state=np.random.RandomState(self._seed),
            stratify=labels if can_stratify else None,
        )
        return train_x, train_y, (held_x, held_y)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "MLPClassifier":
        """One epoch over ``X``, ``y``, continuing from the current network (a new one on the first call).

        The first call needs ``classes``: every label that will ever appear. Early stopping does not apply.
        """
        settings = self._settings()
        with threadpool_limits(limits=self.threads):
            return self._partial_fit(settings, X, y, classes)

    def _partial_fit(self, settings: _Settings, X: Any, y: Any, classes: Any) -> "MLPClassifier":
        first = not hasattr(self, "network_")
        X, y = validate_data(self, X, y, dtype=settings.dtype.type, reset=first)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            self._start(settings, X.shape[1], np.unique(np.asarray(classes)))
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes {np.unique(classes).tolist()} differ from those of the first call")
        labels = self._indices(y, self.classes_)
        train = Dataset(np.ascontiguousarray(X, dtype=settings.dtype), labels, classes=len(self.classes_), name="X")
        self._run(settings, train, None, 1, _Bookkeeping(self, len(train), stopping=False))
        return self

    # Prediction.

    def predict_proba(self, X: Any) -> np.ndarray[Any, Any]:
        """Class probabilities ``(n_samples, n_classes)``, columns in the order of ``classes_``."""
        check_is_fitted(self)
        network: Network[Any, Any] = self.network_
        X = validate_data(self, X, reset=False, dtype=network.dtype.type)
        with threadpool_limits(limits=self.threads):
            probabilities: np.ndarray[Any, Any] = network.probabilities(np.ascontiguousarray(X, dtype=network.dtype))
        return probabilities

    def predict_log_proba(self, X: Any) -> np.ndarray[Any, Any]:
        """The logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            result: np.ndarray[Any, Any] = np.log(self.predict_proba(X))
        return result

    def predict(self, X: Any) -> np.ndarray[Any, Any]:
        """The most probable class of each sample, ``(n_samples,)``, as labels of ``classes_``."""
        check_is_fitted(self)
        result: np.ndarray[Any, Any] = self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return result

    # scikit-learn's own layout of the parameters.

    def _dense_layers(self) -> list[Dense[Any, Any]]:
        check_is_fitted(self)
        return [layer for layer in self.network_.layers if isinstance(layer, Dense)]

    @property
    def coefs_(self) -> list[np.ndarray[Any, Any]]:
        """Each dense layer's weights as scikit-learn lays them out: ``(n_in, n_out)`` (copies)."""
        return [np.array(layer.weights.T) for layer in self._dense_layers()]

    @property
    def intercepts_(self) -> list[np.ndarray[Any, Any]]:
        """Each dense layer's bias ``(n_out,)`` (copies)."""
        return [np.array(layer.bias) for layer in self._dense_layers()]


class _Bookkeeping(Callback):
    """After each epoch of the loop: scikit-learn's attributes, its stopping rule, the best validation network.

    ``fit`` stops after ``n_iter_no_change + 1`` epochs without an improvement of at least ``tol`` (of the
    training loss, or of the validation accuracy with early stopping); ``partial_fit`` never stops.
    """

    def __init__(self, model: MLPClassifier, count: int, *, stopping: bool) -> None:
        self.model = model
        self.count = count  # examples per epoch
        self.stopping = stopping
        self.stale = 0
        self.best_network: Network[Any, Any] | None = None

    def on_epoch_end(self, end: EpochEnd) -> str | None:
        model, loss = self.model, end.record.mean_loss
        model.network_, model.optimizer_state_ = end.network, end.state
        model.n_iter_ += 1
        model.t_ += self.count
        if not math.isfinite(loss):
            raise ValueError(f"the training loss became {loss} in epoch {model.n_iter_}: lower learning_rate_init")
        model.loss_curve_.append(loss)
        model.loss_ = loss
        score = end.record.validation_accuracy
        if score is None:
            improved = loss < model.best_loss_ - model.tol
        else:
            assert model.validation_scores_ is not None and model.best_validation_score_ is not None
            model.validation_scores_.append(score)
            improved = score > model.best_validation_score_ + model.tol
            if score > model.best_validation_score_:
                model.best_validation_score_, self.best_network = score, end.network
        model.best_loss_ = min(model.best_loss_, loss)
        if model.verbose:
            print(f"epoch {model.n_iter_} | loss {loss:.6f}", file=sys.stderr)
        self.stale = 0 if improved else self.stale + 1
        if self.stopping and self.stale > model.n_iter_no_change:
            return f"no improvement in {self.stale} epochs"
        return None
