"""Files written safely (one atomic, durable writer for every output, an append-only log, part files) and
the ceilings on what an input may ask for (sizes, JSON depth, network sizes, workers)."""

from ._append import AppendFile as AppendFile
from ._errors import OutputError as OutputError
from ._json import JSONError as JSONError, json_depth as json_depth, parse_json as parse_json
from ._kinds import file_kind as file_kind
from ._limits import (
    ACTIVATIONS as ACTIVATIONS,
    ARGUMENT_BYTES as ARGUMENT_BYTES,
    BATCH_VALUES as BATCH_VALUES,
    EPOCHS as EPOCHS,
    IMAGE_PIXELS as IMAGE_PIXELS,
    IMAGES as IMAGES,
    INPUT_BYTES as INPUT_BYTES,
    JSON_DEPTH as JSON_DEPTH,
    LAYERS as LAYERS,
    METADATA_BYTES as METADATA_BYTES,
    MODEL_BYTES as MODEL_BYTES,
    PARAMETERS as PARAMETERS,
    SECONDS as SECONDS,
    WORKERS_VARIABLE as WORKERS_VARIABLE,
    Ceiling as Ceiling,
    check_workers as check_workers,
    usable_cores as usable_cores,
    workers as workers,
)
from ._parts import part_path as part_path, remove_stale_parts as remove_stale_parts
from ._process import alive as alive, plausible_pid as plausible_pid, start_time as start_time
from ._target import check_output as check_output, check_output_directory as check_output_directory
from ._write import write_output as write_output
