"""Files pausebot writes (exports, statements): readable by their owner only, never clobbered."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

PRIVATE = 0o600


def open_private(path: Path, *, force: bool = False, binary: bool = False) -> IO:
    """Open a new file for writing with mode 0600; FileExistsError unless `force` replaces it."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    descriptor = os.open(path, flags, PRIVATE)
    os.fchmod(descriptor, PRIVATE)
    if binary:
        return os.fdopen(descriptor, "wb")
    return os.fdopen(descriptor, "w", encoding="utf-8", newline="")


def write_new(folder: Path, filename: str, content: bytes) -> Path:
    """Write bytes to a new private file in a folder, numbering the name if it is taken."""
    stem, suffix = os.path.splitext(filename)
    for number in range(1, 1000):
        path = folder / (filename if number == 1 else f"{stem}-{number}{suffix}")
        try:
            with open_private(path, binary=True) as stream:
                stream.write(content)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free name for {filename} in {folder}")
