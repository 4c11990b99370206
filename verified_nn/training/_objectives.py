"""What a run minimises, chosen once: plain cross-entropy, or the certified loss over an eps-ball.

An objective owns its step (the gradient it follows), the extra words of a diagnostic line, its
per-epoch metrics and what it adds to a checkpoint's metadata. The certified objective is a thin
client of ``verified_nn.robust``: the loss, its gradient, the ramp and the verified fraction are its.
"""

import math
from typing import Any, Protocol

import numpy as np

from verified_nn.core import InvalidArgumentError
from verified_nn.data import Dataset
from verified_nn.layers import Mode
from verified_nn.network import Network, global_norm, map_unchecked
from verified_nn.optimizer import Optimizer
from verified_nn.robust import Ramp, certified_loss_and_gradients, check_supported, interval_verified

from ._config import TrainConfig

Step = tuple[Network[Any, Any], Any, float, float]  # (network, optimizer state, loss, gradient norm)
VERIFY_ROWS = 2_000  # examples per pass when counting verified ones


class Objective(Protocol):
    """The loss a run follows, and what it measures and records besides accuracy."""

    def check(self, network: Network[Any, Any], data: Dataset) -> None:
        """Refuse, before the first step, a network or data this objective cannot train on."""

    def step(
        self,
        optimizer: Optimizer[Any],
        network: Network[Any, Any],
        state: Any,
        inputs: np.ndarray[Any, Any],
        labels: np.ndarray[Any, Any],
        *,
        mode: Mode,
        max_norm: float | None,
        progress: float,
    ) -> Step:
        """One update on a batch, ``progress`` epochs into the run; the loss and the gradient's norm."""

    def note(self, progress: float) -> str:
        """What a diagnostic line adds (`` | eps 0.05 | kappa 0.7``), or ``""``."""

    def verified(self, network: Network[Any, Any], data: Dataset | None) -> float | None:
        """The fraction of ``data`` proven robust (None: not measured)."""

    def metadata(self) -> dict[str, str]:
        """What a checkpoint records of the objective (``inspect`` shows it)."""


class Plain:
    """Mean cross-entropy of the logits: ``Optimizer.step_measured``."""

    def check(self, network: Network[Any, Any], data: Dataset) -> None:
        pass

    def step(
        self,
        optimizer: Optimizer[Any],
        network: Network[Any, Any],
        state: Any,
        inputs: np.ndarray[Any, Any],
        labels: np.ndarray[Any, Any],
        *,
        mode: Mode,
        max_norm: float | None,
        progress: float,
    ) -> Step:
        return optimizer.step_measured(network, state, inputs, labels, mode=mode, max_norm=max_norm)

    def note(self, progress: float) -> str:
        return ""

    def verified(self, network: Network[Any, Any], data: Dataset | None) -> float | None:
        return None

    def metadata(self) -> dict[str, str]:
        return {}


class Certified:
    """``kappa CE(logits) + (1 - kappa) CE(worst-case logits over the eps-ball)``, eps and kappa ramped."""

    def __init__(self, config: TrainConfig) -> None:
        assert config.certified_eps is not None
        self.eps = config.certified_eps
        self.method = config.certified_method
        self.ramp = Ramp(
            eps=config.certified_eps,
            warmup=config.certified_warmup,
            ramp=config.certified_ramp,
            kappa=config.certified_kappa,
            beta=config.certified_beta,
        )
        self.description = (
            f"{config.certified_method}, eps {config.certified_eps:g}, warm-up {config.certified_warmup:g} "
            f"epochs, ramp {config.certified_ramp:g} epochs, kappa {config.certified_kappa:g}"
            + (f", beta {config.certified_beta:g}" if config.certified_method == "crown-ibp" else "")
        )

    def check(self, network: Network[Any, Any], data: Dataset) -> None:
        check_supported(network, self.method)
        low, high = data.value_range
        if low < 0 or high > 1:
            raise InvalidArgumentError(
                f"certified training bounds the eps-ball clipped to [0, 1] (pixels); {data.name}'s inputs range "
                f"over [{low:g}, {high:g}]: scale them to [0, 1] first"
            )

    def step(
        self,
        optimizer: Optimizer[Any],
        network: Network[Any, Any],
        state: Any,
        inputs: np.ndarray[Any, Any],
        labels: np.ndarray[Any, Any],
        *,
        mode: Mode,
        max_norm: float | None,
        progress: float,
    ) -> Step:
        eps, kappa, beta = self.ramp.at(progress)
        loss, grads = certified_loss_and_gradients(
            network, inputs, labels, eps=eps, kappa=kappa, method=self.method, beta=beta, mode=mode
        )
        norm = global_norm(grads)
        if max_norm is not None and math.isfinite(loss.total) and norm > max_norm:
            grads = map_unchecked(lambda g: g * (max_norm / norm), grads)
        new_network, new_state = optimizer.apply(grads, state, network)
        return new_network, new_state, loss.total, norm

    def note(self, progress: float) -> str:
        eps, kappa, _ = self.ramp.at(progress)
        return f" | eps {eps:.4g} | kappa {kappa:.3g}"

    def verified(self, network: Network[Any, Any], data: Dataset | None) -> float | None:
        if data is None:
            return None
        shape = network.input_shape()
        proven = 0
        for inputs, labels in data.batches(VERIFY_ROWS, dtype=network.dtype):
            rows = inputs.reshape(len(inputs), *shape) if shape is not None else inputs
            proven += int(interval_verified(network, rows, labels, eps=self.eps).sum())
        return proven / len(data)

    def metadata(self) -> dict[str, str]:
        return {"certified_training": self.description}


def objective_for(config: TrainConfig) -> Objective:
    """The objective ``config`` asks for: certified when ``certified_eps`` is set, else plain."""
    return Plain() if config.certified_eps is None else Certified(config)
