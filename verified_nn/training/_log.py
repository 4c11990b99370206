"""The run log: every line goes to the terminal (above any progress bar) and to a file under logs/.

The file is an :class:`~verified_nn.files.AppendFile`: lines are only ever appended (a kill or a full disk
costs at most the line being written, never an earlier one), and a symbolic link in its place is refused.
"""

from pathlib import Path

from tqdm import tqdm

from verified_nn.files import AppendFile, OutputError


class RunLog:
    """Writes each line to standard output and appends it to ``path``."""

    def __init__(self, path: Path, *, echo: bool = True) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{path}: cannot create the log directory {path.parent} ({error.strerror})") from None
        self.path = path
        self.echo = echo
        self._file = AppendFile(path)

    def __call__(self, line: str) -> None:
        if self.echo:
            tqdm.write(line)
        self._file.write_line(line)

    def close(self) -> None:
        self._file.close()
