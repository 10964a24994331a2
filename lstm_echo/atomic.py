"""Files written whole or not at all, that keep what the file they replace was (no TensorFlow).

Every file the tool writes in one piece (a merged results file, a saved model,
a plot, a compile-cache record) goes through `write`:

    path ──follow a symlink──> target
    a temporary file beside the target, short and fixed in length   .lstm-echo-XXXXXXXX.tmp
      filled, given the target's mode (and owner, where allowed), or
      0666 less the umask for a new file, or the mode asked for; synced
    renamed over the target (or, `exclusive`, linked to it only if nothing is there yet)
    the folder synced, so the rename survives a crash

A symlink is written through, never replaced by a file of its own. `probe`
creates and removes such a temporary file before anything trains, so a folder
that cannot take one (read-only, /proc, a name one byte too long) is refused
up front rather than after an hour of training.
"""

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from lstm_echo.config import bad_value, shown

PREFIX, SUFFIX = ".lstm-echo-", ".tmp"  # a temporary name's length does not depend on the target's


class Conflict(Exception):
    """The target changed, or appeared, after it was checked; the data was kept at `kept` instead."""

    def __init__(self, target: Path, kept: Path):
        super().__init__(f"{target} changed while lstm-echo worked; kept the new file as {kept}")
        self.target, self.kept = target, kept


def umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def target(path: Path) -> Path:
    """Where writing `path` lands: a symlink's target (even one that does not exist yet), else `path`."""
    return Path(os.path.realpath(path))


def probe(path: Path, option: str, suffix: str = "") -> None:
    """Refuse `path` now, naming `option`, if its folder cannot take the temporary file `write` will make."""
    try:
        handle, name = tempfile.mkstemp(prefix=PREFIX, suffix=SUFFIX + suffix, dir=target(path).parent)
        os.close(handle)
        os.unlink(name)
    except OSError as error:
        raise bad_value(option, shown(str(path)), error.strerror or error) from None


def identity(info: os.stat_result) -> tuple:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def write(
    path: Path,
    fill: Callable[[str], object],
    *,
    suffix: str = "",
    mode: int | None = None,
    exclusive: bool = False,
    expected: os.stat_result | None = None,
    follow_links: bool = True,
) -> Path:
    """Write `path` whole or not at all: `fill(name)` writes the temporary file `name`; returns the target.

    `follow_links=False` for a folder of the tool's own (the compile cache): a symlink found there was
    planted, and is replaced itself rather than written through to wherever it points.
    `mode`: the new file's mode whatever the umask (else the replaced file's, or 0666 less the umask).
    `exclusive`: only where no file is (checked atomically, by linking). `expected`: replace only the
    file `os.stat` described when it was checked. When either no longer holds, the data is kept under
    another name beside it and Conflict says which.
    """
    final = target(path) if follow_links else Path(path)
    handle, name = tempfile.mkstemp(prefix=PREFIX, suffix=SUFFIX + suffix, dir=final.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        fill(name)
        try:
            existing = os.stat(final) if follow_links else os.lstat(final)
        except FileNotFoundError:
            existing = None
        keep_like(temporary, existing, mode)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        if existing is not None and expected is not None and identity(existing) != identity(expected):
            raise Conflict(final, link_beside(temporary, final))
        if exclusive:
            try:
                os.link(temporary, final)
            except FileExistsError:
                raise Conflict(final, link_beside(temporary, final)) from None
        else:
            os.replace(temporary, final)
        sync_folder(final.parent)
    finally:
        temporary.unlink(missing_ok=True)
    return final


def keep_like(temporary: Path, existing: os.stat_result | None, mode: int | None) -> None:
    """Give the temporary file the mode (and owner) it should have once renamed."""
    if mode is not None:
        os.chmod(temporary, mode)
    elif existing is None or stat.S_ISLNK(existing.st_mode):
        os.chmod(temporary, 0o666 & ~umask())
    else:
        os.chmod(temporary, stat.S_IMODE(existing.st_mode))
        for owner in ((existing.st_uid, existing.st_gid), (-1, existing.st_gid)):
            try:
                os.chown(temporary, *owner)
                break
            except PermissionError:
                continue  # only root may give a file away; a group the user is in still keeps the group


def link_beside(temporary: Path, final: Path) -> Path:
    """Link the temporary file to the first free `NAME.1.EXT`, `NAME.2.EXT`, ... beside `final`."""
    stem, dot, extension = final.name.partition(".")
    for number in range(1, 1000):
        kept = final.with_name(f"{stem}.{number}{dot}{extension}")
        try:
            os.link(temporary, kept)
            return kept
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name beside {final}")


def sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
