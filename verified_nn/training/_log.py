"""The run log: every line goes to the terminal (above any progress bar) and to a file under logs/."""

from pathlib import Path
from typing import TextIO

from tqdm import tqdm


class RunLog:
    """Writes each line to standard output and appends it to ``path``."""

    def __init__(self, path: Path, *, echo: bool = True) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.echo = echo
        self._file: TextIO = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed by close())

    def __call__(self, line: str) -> None:
        if self.echo:
            tqdm.write(line)
        self._file.write(line + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
