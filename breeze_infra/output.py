"""The one way breeze-infra writes files: inside the place asked for, whole or not at all.

``write_one`` writes ``-o FILE``: through a symlink to its target, in place on a device or a pipe
(``/dev/stdout``, a FIFO), else to a temporary file beside the target renamed over it when
complete. ``write_set`` writes ``-o DIR``: file names built from untrusted fields (an outputs JSON's
``manifest.environment``, a consumer name) must be safe slugs, every file lands directly in the
folder, two files may not share a name, and either every file is replaced or none is. Every
failure is a ``WriteError``: one line naming the file or the field.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from breeze_infra.messages import short

__all__ = ["NAME_PART", "Planned", "WriteError", "file_part", "write_one", "write_set"]

NAME_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""What a field may be to become part of a file name: Pulumi's stack-name characters, at most
100 of them, not starting with a dot (so never ``.``, ``..`` or a hidden file)."""


class WriteError(Exception):
    """A file that cannot or must not be written; the message is one line naming it."""


@dataclass(frozen=True)
class Planned:
    """One file of a set: its name inside the folder, its text, and the fields it was named by."""

    name: str
    text: str
    named_by: str


def file_part(value: object, field: str) -> str:
    """``value`` when it is safe inside a file name; else a WriteError naming ``field``."""
    if not isinstance(value, str) or not NAME_PART.fullmatch(value):
        shown = short(value) if isinstance(value, str) else type(value).__name__
        raise WriteError(
            f"{field}: '{shown}' cannot name a file: expected letters, digits, '-', '_' or '.', "
            "not starting with '.', at most 100 characters"
        )
    return value


def write_one(destination: str, text: str, *, private: bool, stdout: IO[str]) -> None:
    """``-o FILE``: ``-`` is stdout; a symlink is written through; devices and pipes in place."""
    if destination == "-":
        stdout.write(text)
        stdout.flush()
        return
    path = Path(destination)
    try:
        mode = path.stat().st_mode  # through symlinks: what a write would reach
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise WriteError(_line(destination, exc)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise WriteError(f"{short(destination, 200)}: is a folder; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        # A device or a pipe (/dev/stdout, /dev/null, a FIFO): renaming over it would replace it.
        try:
            with path.open("w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as exc:
            raise WriteError(_line(destination, exc)) from None
        return
    # A symlink is written through: the new file replaces its target, the link stays.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if not target.parent.is_dir():
        raise WriteError(
            f"{short(destination, 200)}: folder {short(str(target.parent))} does not exist"
        )
    temporary = _temporary(target, text, private, destination)
    try:
        Path(temporary).replace(target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise WriteError(_line(destination, exc)) from None


def write_set(folder: Path, files: Sequence[Planned], *, private: bool) -> None:
    """``-o DIR``: every file directly in ``folder``, all replaced or none."""
    if not folder.is_dir():
        raise WriteError(f"{short(str(folder), 200)}: not a folder")
    _refuse_clashes(folder, files)
    written: list[tuple[str, Path]] = []
    kept: dict[Path, Path] = {}
    """Each replaced file's previous version (a hard link), to put back if a later rename fails."""
    replaced: list[Path] = []
    try:
        for planned in files:
            target = folder / planned.name
            written.append((_temporary(target, planned.text, private, str(target)), target))
        for _, target in written:
            if target.exists():
                kept[target] = _keep(target)
        for temporary, target in written:
            try:
                Path(temporary).replace(target)
            except OSError as exc:
                _restore(replaced, kept)
                raise WriteError(f"{_line(str(target), exc)}; nothing was written") from None
            replaced.append(target)
    finally:
        for temporary, _ in written:
            Path(temporary).unlink(missing_ok=True)
        for previous in kept.values():
            previous.unlink(missing_ok=True)


def _refuse_clashes(folder: Path, files: Sequence[Planned]) -> None:
    """Before anything is written: two files of one name, or a name taken by a non-file."""
    claimed: dict[str, Planned] = {}
    for planned in files:
        file_part(planned.name, planned.named_by)
        key = planned.name.casefold()  # one file on case-insensitive file systems
        if key in claimed:
            raise WriteError(
                f"{planned.named_by}: would write {short(planned.name)}, which "
                f"{claimed[key].named_by} writes too; nothing was written"
            )
        claimed[key] = planned
        target = folder / planned.name
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise WriteError(
                f"{short(str(target), 200)}: exists and is not a regular file; nothing was written"
            )


def _keep(target: Path) -> Path:
    """A hard link to ``target``'s current version, beside it."""
    previous = Path(tempfile.mktemp(dir=target.parent, prefix=f".{target.name}.previous."))  # noqa: S306
    try:
        os.link(target, previous)
    except OSError as exc:
        raise WriteError(f"{_line(str(target), exc)}; nothing was written") from None
    return previous


def _restore(replaced: Sequence[Path], kept: dict[Path, Path]) -> None:
    """Undo the renames already done: previous versions back, new files removed."""
    for target in replaced:
        previous = kept.get(target)
        try:
            if previous is not None:
                previous.replace(target)
            else:
                target.unlink(missing_ok=True)
        except OSError:
            pass


def _temporary(target: Path, text: str, private: bool, shown: str) -> str:
    """The text in a new file beside ``target`` (0600 when private), returned by path."""
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise WriteError(_line(shown, exc)) from None
    try:
        os.fchmod(handle, 0o600 if private else 0o644)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise WriteError(_line(shown, exc)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _line(shown: str, exc: OSError) -> str:
    return f"{short(shown, 200)}: cannot be written ({exc.strerror or exc})"
