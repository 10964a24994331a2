"""The persistent compile cache: programs kept on disk, so that a later run of the
same shapes loads its training program instead of tracing and compiling it again.

It holds two kinds of file per program:
- XLA's compiled program. TensorFlow does that caching itself
  (`--tf_xla_persistent_cache_directory`, read from TF_XLA_FLAGS once, when it
  starts): one file per program, written to a temporary name and renamed, so
  processes can share the folder; a file is used only when its key and program
  match exactly.
- The traced program (`traced_programs`): the graph that tracing the training
  loop's Python builds, saved here by lstm-echo, with a digest that proves it whole.

This module picks the folder, proves it writable before TensorFlow starts (or
says it is off), reads and writes the traced files, and clears both kinds.
No TensorFlow here: `lstm-echo cache` answers at once.

    LSTM_ECHO_CACHE=off      no cache: every run compiles
    LSTM_ECHO_CACHE_DIR=DIR  the folder (default $XDG_CACHE_HOME/lstm-echo/xla,
                             ~/.cache/lstm-echo/xla, on macOS ~/Library/Caches/lstm-echo/xla)
"""

import hashlib
import os
import sys
import tempfile
from pathlib import Path

FLAG = "--tf_xla_persistent_cache_directory"
# A probe of about one program's size: TensorFlow fails a compile whose program it
# cannot save, so a folder that cannot take one (a full disk, a file-size limit) is
# found now, before TensorFlow starts, and the cache turned off instead.
PROBE_BYTES = 2**20
ENTRIES = "xla_compile_cache__*.pb"  # how TensorFlow names a cached program (its temporary files end in .tmp)
TRACED = "lstm_echo_traced__{key}.pb"
DIGEST_BYTES = 32  # a traced file starts with the SHA-256 of the rest
OFF_VALUES = ("off", "0", "no", "false")

active: Path | None = None  # the folder in use in this process, once `enable` has run


def directory() -> Path | None:
    """Where the cache lives, or None when the environment turns it off."""
    if os.environ.get("LSTM_ECHO_CACHE", "").strip().lower() in OFF_VALUES:
        return None
    chosen = os.environ.get("LSTM_ECHO_CACHE_DIR", "")
    if chosen:
        return Path(chosen).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "lstm-echo" / "xla"
    base = os.environ.get("XDG_CACHE_HOME", "") or str(Path.home() / ".cache")
    return Path(base) / "lstm-echo" / "xla"


def notice(message: str) -> None:
    print(f"Notice: {message}", file=sys.stderr)


def writable(folder: Path) -> str | None:
    """Why `folder` cannot hold the cache, or None once it exists and takes a file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe") as probe:
            probe.write(bytes(PROBE_BYTES))
            probe.flush()
    except OSError as error:
        return error.strerror or str(error)
    return None


def enable() -> Path | None:
    """Point TensorFlow at the cache folder; call before TensorFlow starts. Never fails: a folder
    that cannot be used turns the cache off for this run, with a one-line notice.

    The flag is this module's to set: one inherited from a parent process (a test
    run, a sweep's caller) is replaced, so LSTM_ECHO_CACHE and LSTM_ECHO_CACHE_DIR decide.
    """
    global active
    others = [flag for flag in os.environ.get("TF_XLA_FLAGS", "").split() if not flag.startswith(FLAG)]
    os.environ["TF_XLA_FLAGS"] = " ".join(others)
    folder = directory()
    if folder is None:
        return None
    reason = writable(folder)
    if reason is not None:
        notice(f"compile cache off for this run: cannot write {folder} ({reason}); compiling as usual")
        return None
    os.environ["TF_XLA_FLAGS"] = " ".join([*others, f"{FLAG}={folder}"])
    active = folder
    return folder


def compiled(folder: Path | None) -> list[Path]:
    """XLA's compiled programs in `folder`."""
    return files(folder, ENTRIES)


def traced(folder: Path | None) -> list[Path]:
    """The traced programs in `folder`."""
    return files(folder, TRACED.format(key="*"))


def entries(folder: Path | None) -> list[Path]:
    """Every file of the cache in `folder` (nothing else that may share it)."""
    return sorted(compiled(folder) + traced(folder))


def files(folder: Path | None, pattern: str) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(path for path in folder.glob(pattern) if path.is_file())


class Damaged(Exception):
    """A traced file that is not what was written: cut short, or changed."""


def read_traced(key: str) -> bytes | None:
    """The traced program saved under `key`, or None when the cache is off or has none."""
    if active is None:
        return None
    path = active / TRACED.format(key=key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise Damaged(f"{path.name}: {error.strerror}") from error
    digest, payload = data[:DIGEST_BYTES], data[DIGEST_BYTES:]
    if hashlib.sha256(payload).digest() != digest:
        raise Damaged(f"{path.name} does not match its digest")
    return payload


def write_traced(key: str, payload: bytes) -> None:
    """Save a traced program whole or not at all: a temporary file beside it, then renamed, so
    processes sharing the folder never read half a file. The cache only saves time: a file
    that cannot be written is a one-line notice, and the run goes on."""
    if active is None:
        return
    path = active / TRACED.format(key=key)
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=active)
        with os.fdopen(handle, "wb") as out:
            out.write(hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, path)
    except BaseException as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        if not isinstance(error, OSError):
            raise
        notice(f"could not save the traced program in {active} ({error.strerror}); the next run traces it again")


def clear(folder: Path | None) -> int:
    """Remove the cache's files; returns how many. Files that are not the cache's are left alone."""
    removed = 0
    for path in entries(folder):
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass  # another process cleared it first, or it is not this user's to remove
    return removed


def size(folder: Path | None) -> int:
    return sum(path.stat().st_size for path in entries(folder))
