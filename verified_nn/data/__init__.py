"""Datasets as values: readers for arrays, tables, IDX files and image folders; MNIST and Fashion-MNIST built in."""

from ._arrays import IN_MEMORY_BYTES as IN_MEMORY_BYTES
from ._builtin import (
    DATA_DIR_VARIABLE as DATA_DIR_VARIABLE,
    IMAGE_DTYPES as IMAGE_DTYPES,
    SPLITS as SPLITS,
    data_dir as data_dir,
    load as load,
    spec_of as spec_of,
)
from ._checks import PIXEL_SCALE as PIXEL_SCALE, as_floats as as_floats, numbered as numbered
from ._dataset import Dataset as Dataset, check_name as check_name
from ._errors import DataError as DataError
from ._fetch import fetch as fetch, file_status as file_status, sha256_of as sha256_of
from ._files import open_file as open_file, read_file as read_file
from ._foreign import cache_dir as cache_dir, in_own_cache as in_own_cache
from ._idx import (
    IMAGES_MAGIC as IMAGES_MAGIC,
    LABELS_MAGIC as LABELS_MAGIC,
    MAX_NDIM as MAX_NDIM,
    parse_idx as parse_idx,
    read_bytes as read_bytes,
    read_idx as read_idx,
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
from ._open import FORMS as FORMS, read_data as read_data
from ._png import png_cut_short as png_cut_short
from ._rows import FileRows as FileRows
from ._sources import (
    DATASETS as DATASETS,
    FASHION_MNIST as FASHION_MNIST,
    MNIST as MNIST,
    Carrier as Carrier,
    DatasetSpec as DatasetSpec,
)
from ._split import (
    held_count as held_count,
    holdout as holdout,
    split as split,
    stratified_indices as stratified_indices,
)
