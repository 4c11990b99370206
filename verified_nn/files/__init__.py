"""Files written safely: one atomic, durable writer for every output, an append-only log, part files."""

from ._append import AppendFile as AppendFile
from ._errors import OutputError as OutputError
from ._kinds import file_kind as file_kind
from ._parts import part_path as part_path, remove_stale_parts as remove_stale_parts
from ._process import alive as alive, plausible_pid as plausible_pid, start_time as start_time
from ._target import check_output as check_output, check_output_directory as check_output_directory
from ._write import write_output as write_output
