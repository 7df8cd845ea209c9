"""Output paths checked before any work, and files written whole or not at all: a path
that cannot be written is a one-line error naming the flag."""

from __future__ import annotations

import os
from pathlib import Path

from accord.model.errors import AccordError


def check_file(path: Path | None, flag: str = "--output") -> None:
    """Fail now, before any work, if a file cannot be written at ``path``: it is a
    directory, or its directory is missing or not writable (None: stdout, nothing to check)."""
    if path is None:
        return
    if path.is_dir():
        raise AccordError(f"{flag} {path}: is a directory; a file is expected here")
    parent = path.parent
    if not parent.exists():
        raise AccordError(f"{flag} {path}: directory {parent} does not exist")
    if not parent.is_dir():
        raise AccordError(f"{flag} {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise AccordError(f"{flag} {path}: directory {parent} is not writable")


def check_directory(path: Path, flag: str = "--output") -> None:
    """Make the directory ``path`` (and its parents) now, before any work; a file in the
    way or a directory that cannot be made is a one-line error."""
    if path.exists() and not path.is_dir():
        raise AccordError(f"{flag} {path}: is a file; a directory is expected here")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AccordError(f"{flag} {path}: cannot make the directory "
                          f"({exc.strerror or exc})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise AccordError(f"{flag} {path}: directory is not writable")


def write_text(path: Path, text: str, flag: str = "--output") -> None:
    """Write ``text`` to ``path`` whole or not at all (through a temporary file renamed
    over it; a device or a pipe is written in place); a path that cannot be written is a
    one-line error."""
    if path.exists() and not path.is_file():  # a device or a pipe (/dev/null): in place
        try:
            with path.open("w", newline="") as out:
                out.write(text)
        except OSError as exc:
            raise AccordError(f"{flag} {path}: {exc.strerror or exc}") from None
        return
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, newline="")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise AccordError(f"{flag} {path}: {exc.strerror or exc}") from None
