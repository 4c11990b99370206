"""verified_nn.sklearn.MLPClassifier: passes scikit-learn's check_estimator, works in Pipeline and GridSearchCV."""

import importlib
import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from verified_nn.core import MissingExtraError
from verified_nn.network import Network

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_digits, load_iris  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

from verified_nn.sklearn import MLPClassifier  # noqa: E402

CHECK_ALL = """
import json
from sklearn.utils.estimator_checks import check_estimator
from verified_nn.sklearn import MLPClassifier
configurations = {
    "default": MLPClassifier(),
    "deep tanh, nesterov, dropout, early stopping": MLPClassifier(
        hidden_layer_sizes=(32, 16), activation="tanh", solver="nesterov", learning_rate_init=0.01, dropout=0.2,
        early_stopping=True),
    "float32, sgd, leaky": MLPClassifier(solver="sgd", learning_rate_init=0.1, batch_size=16,
        activation="leaky_relu(0.1)", dtype="float32"),
}
print(json.dumps({name: [[r["check_name"], r["status"]] for r in check_estimator(e, on_fail=None)]
                  for name, e in configurations.items()}))
"""

# In float32, BLAS rounds a row's products differently depending on where the row sits in the batch (blocked
# kernels), by about 1e-7 relative: above the 1e-7 tolerance of these two checks. In float64 (the default) they pass.
FLOAT32_ROUNDING = {"check_methods_sample_order_invariance", "check_methods_subset_invariance"}


@pytest.mark.slow  # about 15 s: 55 checks, each fitting a few small networks, for each of three configurations
def test_check_estimator_passes_in_full() -> None:
    pytest.importorskip("pandas")  # without pandas one check (DataFrame input) would be skipped
    # SCIPY_ARRAY_API must be set before scipy is imported, or the array API check skips: a fresh process.
    env = {**os.environ, "SCIPY_ARRAY_API": "1"}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", CHECK_ALL], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcomes = json.loads(result.stdout.splitlines()[-1])
    for name, rows in outcomes.items():
        assert len(rows) >= 50, name
        allowed = FLOAT32_ROUNDING if name.startswith("float32") else set()
        not_passed = [row for row in rows if row[1] != "passed" and row[0] not in allowed]
        assert not not_passed, (name, not_passed)


def test_a_pipeline_and_a_grid_search_over_hidden_sizes_run() -> None:
    X, y = load_digits(return_X_y=True)  # 1,797 images of 8 x 8 = 64 features, 10 classes
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    pipeline = make_pipeline(MinMaxScaler(), MLPClassifier(max_iter=30, learning_rate_init=0.01, random_state=0))
    grid = {"mlpclassifier__hidden_layer_sizes": [(8,), (64,)], "mlpclassifier__solver": ["adam", "momentum"]}
    search = GridSearchCV(pipeline, grid, cv=3).fit(X_train, y_train)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["mlpclassifier__hidden_layer_sizes"] == (64,)  # the wider net wins on digits
    assert search.score(X_test, y_test) > 0.93
    best = search.best_estimator_[-1]
    assert isinstance(best.network_, Network) and best.network_.config()["layers"][0] == {
        "kind": "dense", "in": 64, "out": 64
    }  # fmt: skip


def test_any_number_of_features_and_classes_with_any_labels() -> None:
    X, y = load_iris(return_X_y=True)  # 4 features, 3 classes
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = make_pipeline(
        StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    ).fit(X, names)
    classifier = model[-1]
    assert classifier.classes_.tolist() == ["setosa", "versicolor", "virginica"] and classifier.n_features_in_ == 4
    assert model.score(X, names) > 0.95
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (150, 3) and np.allclose(probabilities.sum(axis=1), 1)
    assert [c.shape for c in classifier.coefs_] == [(4, 16), (16, 3)]
    assert [b.shape for b in classifier.intercepts_] == [(16,), (3,)]


def _blobs(seed: int = 0) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, size=(4, 5))
    y = rng.integers(0, 4, size=400)
    return centres[y] + rng.normal(size=(400, 5)), y


def test_random_state_makes_fits_repeatable_and_each_solver_trains() -> None:
    X, y = _blobs()
    for solver in ("sgd", "momentum", "nesterov", "adam", "adamw"):
        first = MLPClassifier(solver=solver, learning_rate_init=0.01, max_iter=20, random_state=3).fit(X, y)
        again = MLPClassifier(solver=solver, learning_rate_init=0.01, max_iter=20, random_state=3).fit(X, y)
        np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
        assert first.score(X, y) > 0.9, solver
        assert first.loss_curve_[-1] < first.loss_curve_[0]
    other = MLPClassifier(solver="adam", learning_rate_init=0.01, max_iter=20, random_state=4).fit(X, y)
    assert not np.array_equal(other.predict_proba(X), first.predict_proba(X))


def test_early_stopping_keeps_the_best_validation_epoch() -> None:
    X, y = _blobs(1)
    model = MLPClassifier(
        early_stopping=True, n_iter_no_change=3, max_iter=200, learning_rate_init=0.01, random_state=0
    )
    model.fit(X, y)
    assert model.validation_scores_ is not None and len(model.validation_scores_) == model.n_iter_ < 200
    assert model.best_validation_score_ == max(model.validation_scores_)
    # The kept network is the best epoch's: its accuracy on the held-out 10% is the best score.
    held = MLPClassifier(early_stopping=False).get_params()  # early stopping is off by default
    assert held["early_stopping"] is False and model.best_validation_score_ > 0.9


def test_partial_fit_continues_one_epoch_at_a_time() -> None:
    X, y = _blobs(2)
    model = MLPClassifier(learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        model.partial_fit(X, y)
    model.partial_fit(X[:200], y[:200], classes=[0, 1, 2, 3])
    weights = model.coefs_[0].copy()
    for _ in range(5):
        model.partial_fit(X, y)
    assert model.n_iter_ == 6 and model.t_ == 200 + 5 * 400 and len(model.loss_curve_) == 6
    assert model.loss_curve_[-1] < model.loss_curve_[0] and not np.array_equal(model.coefs_[0], weights)
    with pytest.raises(ValueError, match=r"y holds labels not in classes: \[7\]"):
        model.partial_fit(X[:3], np.array([0, 1, 7]))
    with pytest.raises(ValueError, match="X has 4 features, but MLPClassifier is expecting 5 features"):
        model.partial_fit(X[:, :4], y)


def test_dropout_is_active_in_training_only() -> None:
    X, y = _blobs(3)
    model = MLPClassifier(hidden_layer_sizes=(64,), dropout=0.5, max_iter=10, random_state=0).fit(X, y)
    assert [layer.kind for layer in model.network_.layers] == ["dense", "relu", "dropout", "dense"]
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))  # evaluation: no mask


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"solver": "lbfgs"}, "solver: invalid value 'lbfgs'"),
        ({"activation": "logistic"}, "activation: unknown activation 'logistic'"),
        ({"hidden_layer_sizes": (10, 0)}, r"hidden_layer_sizes must be a tuple of widths >= 1, got \(10, 0\)"),
        ({"batch_size": 0}, "batch_size: invalid value 0"),
        ({"dropout": 1.0}, "dropout: invalid value 1.0"),
        ({"validation_fraction": 1.0, "early_stopping": True}, "validation_fraction: invalid value 1.0"),
        ({"dtype": "float16"}, "dtype: invalid value 'float16'"),
    ],
)
def test_parameters_are_stored_by_init_and_validated_by_fit(settings: dict[str, Any], message: str) -> None:
    model = MLPClassifier(**settings)  # no error: scikit-learn's rule, __init__ only stores
    assert {key: model.get_params()[key] for key in settings} == settings
    with pytest.raises(ValueError, match=message):
        model.fit(*_blobs())


def test_predicting_before_fitting_is_refused() -> None:
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(np.zeros((2, 3)))


def test_without_scikit_learn_the_import_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.delitem(sys.modules, "verified_nn.sklearn")
    monkeypatch.delitem(sys.modules, "verified_nn.sklearn._classifier")
    with pytest.raises(
        MissingExtraError, match=r"^verified_nn.sklearn needs scikit-learn: pip install 'verified-nn\[sklearn\]'$"
    ):
        importlib.import_module("verified_nn.sklearn")
