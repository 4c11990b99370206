"""MNIST and Fashion-MNIST: IDX files, verified fetching, loading as shape-typed arrays, and safe file reading."""

from ._dataset import (
    DATA_DIR_VARIABLE as DATA_DIR_VARIABLE,
    IMAGE_DTYPES as IMAGE_DTYPES,
    SPLITS as SPLITS,
    Dataset as Dataset,
    data_dir as data_dir,
    load as load,
    spec_of as spec_of,
)
from ._errors import DataError as DataError
from ._fetch import fetch as fetch, file_status as file_status, sha256_of as sha256_of
from ._files import open_file as open_file, read_file as read_file
from ._idx import (
    IMAGES_MAGIC as IMAGES_MAGIC,
    LABELS_MAGIC as LABELS_MAGIC,
    MAX_NDIM as MAX_NDIM,
    parse_idx as parse_idx,
    read_bytes as read_bytes,
    read_images as read_images,
    read_labels as read_labels,
    write_idx as write_idx,
)
from ._limits import (
    DEFAULT_DATA_LIMIT as DEFAULT_DATA_LIMIT,
    LIMIT_VARIABLE as LIMIT_VARIABLE,
    MAX_ARCHIVE_MEMBERS as MAX_ARCHIVE_MEMBERS,
    data_limit as data_limit,
)
from ._sources import (
    DATASETS as DATASETS,
    FASHION_MNIST as FASHION_MNIST,
    MNIST as MNIST,
    Carrier as Carrier,
    DatasetSpec as DatasetSpec,
)
