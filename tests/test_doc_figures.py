"""The docs test's comparison: another BLAS kernel's digits pass, a changed output does not."""

import pytest
from doc_figures import agrees

# Documented (Haswell kernel) and measured (SkylakeX kernel) lines of the same commands.
ACROSS_KERNELS = [
    (
        "  ok    gradient check (float64)  worst relative error <small> at 0.weight[26, 399] over 40 coordinates and directions (tolerance 1e-06)",
        "  ok    gradient check (float64)  worst relative error <small> at 0.weight[11, 70] over 40 coordinates and directions (tolerance 1e-06)",
    ),
    ("  ok    gradient norm             7.819349", "  ok    gradient norm             7.819351"),
    (
        "epoch 5/6 | batch 550/550 | loss 0.6825 | grad-norm 0.6648 | param-change 0.0218 | lr 0.00025 | eps 0.09995 | kappa 0.5",
        "epoch 5/6 | batch 550/550 | loss 0.6845 | grad-norm 0.6863 | param-change 0.0217 | lr 0.00025 | eps 0.09995 | kappa 0.5",
    ),
    (
        "epoch 3/10 | <seconds> s | threads 1 | mean loss 1.0783 | train acc 79.18% | val acc 81.82% | test acc 74.50%",
        "epoch 3/10 | <seconds> s | threads 2 | mean loss 1.0781 | train acc 79.20% | val acc 81.80% | test acc 74.40%",
    ),
    ("  validation_verified 0.718800", "  validation_verified 0.715400"),
    (
        "  attack upper bound          76.00%  (21 counterexamples: 21 attack, 0 branch-and-bound)",
        "  attack upper bound          79.00%  (18 counterexamples: 18 attack, 0 branch-and-bound)",
    ),
    ("  undecided                       10", "  undecided                       15"),
    ("  float-undecided                  1", "  float-undecided                  0"),
    ("  time                           <seconds> s", "  time                          <seconds> s"),
    (
        "   10000 |             9998 |               2 |             0 |          0 |         0 | <seconds> s",
        "   10000 |            10000 |               0 |             0 |          0 |         0 | <seconds> s",
    ),
    ("  certified (lower bound)     65.00%  (65/100)", "  certified (lower bound)     64.00%  (64/100)"),
    ("  clean accuracy              99.00%  (99/100)", "  clean accuracy              98.00%  (98/100)"),
    ("  exact robust accuracy       96.00%", "  exact robust accuracy       95.00%"),
    (
        "best epoch 8 (by validation accuracy): test accuracy 97.97% in <seconds> s of training; model models/default-best.safetensors; log logs/default.log",
        "best epoch 8 (by validation accuracy): test accuracy 97.99% in <seconds> s of training; model models/default-best.safetensors; log logs/default.log",
    ),
    (
        "  error bound per logit: median 0.0026, largest 0.015; smallest float margin 0.0027",
        "  error bound per logit: median 0.0026, largest 0.014; smallest float margin 0.001",
    ),
    (
        "  audit: 100 images recomputed exactly in <seconds> s: every logit within its bound (largest error 0.53% of its bound)",
        "  audit: 100 images recomputed exactly in <seconds> s: every logit within its bound (largest error 0.32% of its bound)",
    ),
]

# Documented lines and outputs that must NOT pass for them.
CHANGED = [
    ("  ok    gradient norm             7.819349", "  ok    gradient norm             7.829349"),  # 1e-3 off
    ("  ok    gradient norm             7.819349", "  FAIL  gradient norm             7.819349"),  # a word changed
    (
        "best epoch 8 (by validation accuracy): test accuracy 97.97% in <seconds> s of training",
        "best epoch 8 (by validation accuracy): test accuracy 96.97% in <seconds> s of training",  # a point lower
    ),
    (
        "best epoch 8 (by validation accuracy): test accuracy 97.97% in <seconds> s of training",
        "best epoch 7 (by validation accuracy): test accuracy 97.97% in <seconds> s of training",  # another epoch
    ),
    ("  certified (lower bound)     65.00%  (65/100)", "  certified (lower bound)     55.00%  (55/100)"),
    ("  certified (lower bound)     65.00%  (65/100)", "  certified (lower bound)     65.00%  (65/200)"),
    ("  clean accuracy              99.00%  (99/100)", "  clean accuracy              90.00%  (90/100)"),
    ("  exact robust accuracy       96.00%", "  exact robust accuracy       86.00%"),
    (
        "  error bound per logit: median 0.0026, largest 0.015; smallest float margin 0.0027",
        "  error bound per logit: median 0.0026, largest 0.015; smallest float margin -0.0027",  # a negative margin
    ),
    (
        "  error bound per logit: median 0.0026, largest 0.015; smallest float margin 0.0027",
        "  error bound per logit: median 0.0052, largest 0.015; smallest float margin 0.0027",  # twice the bound
    ),
    (
        "  audit: 100 images recomputed exactly: every logit within its bound (largest error 0.53% of its bound)",
        "  audit: 100 images recomputed exactly: every logit within its bound (largest error 153.00% of its bound)",
    ),
    (
        "epoch 5/6 | batch 550/550 | loss 0.6825 | grad-norm 0.6648 | param-change 0.0218 | lr 0.00025 | eps 0.09995 | kappa 0.5",
        "epoch 5/6 | batch 550/550 | loss 0.6825 | grad-norm 0.6648 | param-change 0.0218 | lr 0.0005 | eps 0.09995 | kappa 0.5",
    ),
    (
        "  ok    no NaN or Inf             loss 2.388435; all 101770 gradient entries finite",
        "  ok    no NaN or Inf             loss 2.388436; all 101770 gradient entries finite",
    ),  # not a log's loss
    ("mnist train: 60000 samples", "mnist train: 60001 samples"),
    (
        "epoch 3/10 | <seconds> s | threads 1 | mean loss 1.0783 | train acc 79.18% | val acc 81.82% | test acc 74.50%",
        "epoch 3/10 | <seconds> s | threads 1 | mean loss 1.0783 | train acc 79.18% | val acc 81.82% | test acc 72.50%",
    ),
    ("  undecided                       10", "  undecided                       30"),
    ("  timeouts                         0", "  timeouts                         1"),
    (
        "   10000 |             9998 |               2 |             0 |          0 |         0 | <seconds> s",
        "   10000 |             9997 |               2 |             1 |          0 |         0 | <seconds> s",
    ),  # a disagreement
    (
        "   10000 |             9998 |               2 |             0 |          0 |         0 | <seconds> s",
        "    9999 |             9998 |               1 |             0 |          0 |         0 | <seconds> s",
    ),  # another count
    (
        "  attack upper bound          76.00%  (21 counterexamples: 21 attack, 0 branch-and-bound)",
        "  attack upper bound          76.00%  (21 counterexamples: 20 attack, 1 branch-and-bound)",
    ),
]


@pytest.mark.parametrize(("documented", "measured"), ACROSS_KERNELS)
def test_another_kernels_digits_agree_with_the_document(documented: str, measured: str) -> None:
    assert agrees(documented, measured)


@pytest.mark.parametrize(("documented", "measured"), CHANGED)
def test_a_changed_output_does_not_agree(documented: str, measured: str) -> None:
    assert not agrees(documented, measured)


def test_identical_lines_agree() -> None:
    assert agrees("6 passed, 0 failed", "6 passed, 0 failed")
