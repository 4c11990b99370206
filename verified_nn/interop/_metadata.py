"""What of a model file's metadata an exported file keeps: where the model came from, and its class names."""

import json
from collections.abc import Mapping
from typing import Final

from verified_nn.data import DATASETS

KEPT: Final = ("dataset", "run", "epoch", "test_accuracy")


def exported_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """``dataset``, ``run``, ``epoch``, ``test_accuracy`` where recorded, and the dataset's ``class_names`` (JSON)."""
    kept = {key: metadata[key] for key in KEPT if metadata.get(key)}
    spec = DATASETS.get(metadata.get("dataset", ""))
    if spec is not None:
        kept["class_names"] = json.dumps(list(spec.class_names))
    return kept
