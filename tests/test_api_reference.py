"""docs/api.md shows the real signatures: star arguments, keyword-only markers, defaults, constructors."""

from pathlib import Path

import pytest

API = (Path(__file__).parent.parent / "docs" / "api.md").read_text()


@pytest.mark.parametrize(
    "line",
    [
        "- `preset(name: str | None, **overrides: Any) -> TrainConfig`:",
        "- `map_parameters(function: Callable[..., ndarray], first: TreeT, *rest: TreeT) -> TreeT`:",
        "- `checked_dataclass(cls: ClassT) -> ClassT`:",  # a free function's first argument named cls is shown
        "- `as_model_input(values: Any, *, dtype: Any = np.float32, shape: Sequence[int] = (784,),",
        "  - fields: `learning_rate: float = 0.001`, `beta1: float = 0.9`, `beta2: float = 0.999`, `eps: float = 1e-08`,",
        "  - `MLPClassifier(hidden_layer_sizes: tuple[int, ...] = (100,), activation: str = 'relu', *, solver: str = 'adam',",
        "  - `forward(x: ndarray[InS, dtype[Any]], *, mode: Mode = EVAL) -> tuple[ndarray[OutS, Any], Any]`:",
    ],
)
def test_the_reference_shows_the_real_signature(line: str) -> None:
    assert any(entry.startswith(line) for entry in API.splitlines()), line


def test_methods_do_not_show_self_and_fields_do_not_show_derived_state() -> None:
    assert "(self" not in API
    assert {line.split("(")[0] for line in API.splitlines() if "(cls" in line} == {
        "- `checked_dataclass",
        "- `register_layer",
    }  # class decorators, whose argument is named cls
    assert "_input:" not in API  # Network's derived per-sample shapes are not constructor arguments
