"""The persistent compile cache: programs kept on disk, so that a later run of the
same shapes loads its training program instead of tracing and compiling it again.

The folder is a trust boundary: what it holds is run (a traced graph is
executed, an XLA file is machine code), so nothing in it is used unless this
user's key proves that lstm-echo wrote it. Per program it holds:
- `xla_compile_cache__*.pb`: XLA's compiled program, as TensorFlow writes it.
- `lstm_echo_traced__KEY.pb`: a record of lstm-echo's own: the traced graph,
  the name and SHA-256 of its XLA file, and an HMAC-SHA256 of all of it (and
  of KEY, so a record cannot be passed off as another program's) under a key
  kept outside the folder.

TensorFlow is never pointed at the folder itself. Its persistent cache reads
and writes a staging folder of this process (`.run-HOST-PID-*` inside it); a
program's XLA file is linked in there only after its record is authenticated
and the file matches its SHA-256, and a newly compiled one is moved out of it
into the folder and recorded (`collect`).

Trust is checked before TensorFlow starts: the folder and every folder above
it must be the user's (or root's) and writable by no one else (sticky folders
such as /tmp excepted); folders made here are 0700 and files 0600, whatever
the umask. The key (`$XDG_CONFIG_HOME/lstm-echo/cache.key`, by default under
~/.config) is 32 random bytes in a file of the user's, 0600, in such a folder.
Anything else turns the cache off for the run with a one-line notice. Files
are opened without following links or blocking, and must be regular and of
sane size. No TensorFlow here: `lstm-echo cache` answers at once.

    LSTM_ECHO_CACHE=on|off   on by default; off: every run compiles
    LSTM_ECHO_CACHE_DIR=DIR  the folder (default $XDG_CACHE_HOME/lstm-echo/xla,
                             ~/.cache/lstm-echo/xla, on macOS ~/Library/Caches/lstm-echo/xla)
"""

import atexit
import hashlib
import hmac
import json
import os
import shutil
import socket
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lstm_echo import atomic
from lstm_echo.config import bad_value, shown

FLAG = "--tf_xla_persistent_cache_directory"
# A probe of about one program's size: TensorFlow fails a compile whose program it
# cannot save, so a folder that cannot take one (a full disk, a file-size limit) is
# found now, before TensorFlow starts, and the cache turned off instead.
PROBE_BYTES = 2**20
XLA_PREFIX = "xla_compile_cache__"
ENTRIES = XLA_PREFIX + "*.pb"  # how TensorFlow names a cached program (its temporary files end in .tmp)
TRACED = "lstm_echo_traced__{key}.pb"
STAGING = ".run-{host}-{pid}-"
MAGIC = b"lstm-echo program record 2\n"
MAC_BYTES = 32
KEY_BYTES = 32
MAX_RECORD = 64 * 2**20  # a traced graph is about 0.1 MB, whatever the network's size
MAX_PROGRAM = 512 * 2**20
ON_VALUES = ("on", "1", "yes", "true", "")
OFF_VALUES = ("off", "0", "no", "false")
WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH
PLAINLY = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # no link followed, no FIFO waited on


@dataclass(frozen=True)
class Cache:
    folder: Path
    staging: Path  # where TensorFlow reads and writes, this process only
    key: bytes


active: Cache | None = None  # once `enable` has run, in a process whose cache is on
staged: dict[str, int] = {}  # name -> inode of each file put in the staging folder for TensorFlow to read


def switched_on() -> bool:
    """LSTM_ECHO_CACHE read as an option is: a value it does not know is an InputError."""
    value = os.environ.get("LSTM_ECHO_CACHE", "")
    if value.strip().lower() in ON_VALUES:
        return True
    if value.strip().lower() in OFF_VALUES:
        return False
    raise bad_value("LSTM_ECHO_CACHE", shown(value), "must be on or off")


def directory() -> Path | None:
    """Where the cache lives, or None when the environment turns it off."""
    if not switched_on():
        return None
    chosen = os.environ.get("LSTM_ECHO_CACHE_DIR", "")
    if chosen:
        return Path(chosen).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "lstm-echo" / "xla"
    base = os.environ.get("XDG_CACHE_HOME", "") or str(Path.home() / ".cache")
    return Path(base) / "lstm-echo" / "xla"


def key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME", "") or str(Path.home() / ".config")
    return Path(base) / "lstm-echo" / "cache.key"


def notice(message: str) -> None:
    print(f"Notice: {message}", file=sys.stderr)


class Untrusted(Exception):
    """A folder or file the cache may not use; the message says why."""


def make_private(folder: Path) -> None:
    """Create `folder` and any missing folder above it as 0700, whatever the umask; existing ones are left as they are."""
    missing = []
    for level in [folder, *folder.parents]:
        if os.path.lexists(level):
            break
        missing.append(level)
    for level in reversed(missing):
        try:
            os.mkdir(level, 0o700)
        except FileExistsError:
            continue  # made by another process meanwhile; checked like any existing folder
        os.chmod(level, 0o700)


def check_private(folder: Path) -> None:
    """Raise Untrusted unless `folder` is this user's, writable by no one else, and so is the way to it."""
    real = Path(os.path.realpath(folder))
    info = os.stat(real)
    if not stat.S_ISDIR(info.st_mode):
        raise Untrusted(f"{folder} is not a folder")
    if info.st_uid != os.geteuid():
        raise Untrusted(f"{folder} belongs to another user (uid {info.st_uid})")
    if info.st_mode & WRITABLE_BY_OTHERS:
        raise Untrusted(f"{folder} is writable by others (mode {stat.S_IMODE(info.st_mode):o})")
    for above in real.parents:
        info = os.stat(above)
        shared = info.st_mode & WRITABLE_BY_OTHERS and not info.st_mode & stat.S_ISVTX
        if info.st_uid not in (os.geteuid(), 0) or shared:
            raise Untrusted(f"{above}, above {folder}, can be changed by another user")


def read_private(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of this user's that no one else may write, at most `limit` of them;
    None when there is none. Opened without following a link or waiting on a FIFO."""
    try:
        descriptor = os.open(path, PLAINLY)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise Untrusted(f"{path.name}: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise Untrusted(f"{path.name} is not a regular file")
        if info.st_uid != os.geteuid() or info.st_mode & WRITABLE_BY_OTHERS:
            raise Untrusted(f"{path.name} belongs to another user or is writable by others")
        if info.st_size > limit:
            raise Untrusted(f"{path.name} is {info.st_size:,} bytes, more than {limit:,}")
        return file.read(limit + 1)


def secret_key() -> bytes:
    """This user's key, made at first use: 32 random bytes, 0600, in a private folder outside the cache."""
    path = key_file()
    make_private(path.parent)
    check_private(path.parent)
    key = read_private(path, KEY_BYTES)
    if key is None:
        try:
            atomic.write(
                path,
                lambda name: Path(name).write_bytes(os.urandom(KEY_BYTES)),
                mode=0o600,
                exclusive=True,
                follow_links=False,
            )
        except atomic.Conflict as conflict:
            conflict.kept.unlink()  # another process made the key first: use theirs
        key = read_private(path, KEY_BYTES)
    if key is None or len(key) != KEY_BYTES or stat.S_IMODE(os.stat(path).st_mode) & 0o077:
        raise Untrusted(f"the key {path} is not 32 bytes readable by this user alone")
    return key


def trust_problem(folder: Path | None) -> str | None:
    """Why an existing cache folder cannot be trusted, or None (a folder not made yet is no problem)."""
    if folder is None or not os.path.lexists(folder):
        return None
    try:
        check_private(folder)
    except Untrusted as error:
        return str(error)
    except OSError as error:
        return error.strerror or str(error)
    return None


def writable(folder: Path) -> None:
    """Raise OSError unless `folder` takes a file of about one program's size."""
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe") as probe:
        probe.write(bytes(PROBE_BYTES))
        probe.flush()


def enable() -> Cache | None:
    """Point TensorFlow at a staging folder of this process; call before TensorFlow starts. Never fails:
    a folder or key that cannot be trusted or written turns the cache off for this run, with a notice.

    The flag is this module's to set: one inherited from a parent process (a test
    run, a sweep's caller) is replaced, so LSTM_ECHO_CACHE and LSTM_ECHO_CACHE_DIR decide.
    """
    global active
    others = [flag for flag in os.environ.get("TF_XLA_FLAGS", "").split() if not flag.startswith(FLAG)]
    os.environ["TF_XLA_FLAGS"] = " ".join(others)
    folder = directory()
    if folder is None:
        return None
    try:
        make_private(folder)
        check_private(folder)
        writable(folder)
        key = secret_key()
        remove_stale_staging(folder)
        staging = Path(tempfile.mkdtemp(prefix=STAGING.format(host=socket.gethostname(), pid=os.getpid()), dir=folder))
    except (OSError, Untrusted) as error:
        reason = error.strerror or str(error) if isinstance(error, OSError) else str(error)
        notice(f"compile cache off for this run: {folder} cannot be used ({reason}); compiling as usual")
        return None
    atexit.register(shutil.rmtree, staging, ignore_errors=True)
    os.environ["TF_XLA_FLAGS"] = " ".join([*others, f"{FLAG}={staging}"])
    active = Cache(folder, staging, key)
    return active


def remove_stale_staging(folder: Path) -> None:
    """Staging folders this host's processes left when killed (their process is gone)."""
    prefix = STAGING.format(host=socket.gethostname(), pid="")
    for path in folder.glob(prefix + "*"):
        pid = path.name[len(prefix) :].partition("-")[0]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def compiled(folder: Path | None) -> list[Path]:
    """XLA's compiled programs in `folder`."""
    return files(folder, ENTRIES)


def traced(folder: Path | None) -> list[Path]:
    """The program records in `folder`."""
    return files(folder, TRACED.format(key="*"))


def entries(folder: Path | None) -> list[Path]:
    """Every file of the cache in `folder` (nothing else that may share it)."""
    return sorted(compiled(folder) + traced(folder))


def files(folder: Path | None, pattern: str) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(path for path in folder.glob(pattern) if path.is_file() and not path.is_symlink())


class Damaged(Exception):
    """A record or program file that cannot be used: cut short, changed, planted, or not a plain file."""


@dataclass(frozen=True)
class Record:
    graph: bytes  # the traced program's function library, serialized
    programs: tuple[tuple[str, str], ...]  # (XLA file name, its SHA-256) per compiled program


def mac(key: bytes, program_key: str, header: bytes, graph: bytes) -> bytes:
    return hmac.new(key, MAGIC + program_key.encode() + b"\0" + header + b"\0" + graph, hashlib.sha256).digest()


def read_record(program_key: str) -> Record | None:
    """The record saved under `program_key`, authenticated; None when there is none; Damaged otherwise."""
    assert active is not None
    path = active.folder / TRACED.format(key=program_key)
    try:
        data = read_private(path, MAX_RECORD)
    except Untrusted as error:
        raise Damaged(str(error)) from None
    if data is None:
        return None
    body = data[len(MAGIC) + MAC_BYTES :]
    size = int.from_bytes(body[:4], "big")
    header, graph = body[4 : 4 + size], body[4 + size :]
    tag = data[len(MAGIC) : len(MAGIC) + MAC_BYTES]
    if not data.startswith(MAGIC) or not hmac.compare_digest(tag, mac(active.key, program_key, header, graph)):
        raise Damaged(f"{path.name} was not written by lstm-echo for this user (its signature does not match)")
    programs = tuple((item["name"], item["sha256"]) for item in json.loads(header))
    return Record(graph, programs)


def write_record(program_key: str, record: Record) -> None:
    """Save a record whole (0600), so processes sharing the folder never read half of one. The cache
    only saves time: a record that cannot be written is a one-line notice, and the run goes on."""
    assert active is not None
    header = json.dumps([{"name": name, "sha256": digest} for name, digest in record.programs]).encode()
    tag = mac(active.key, program_key, header, record.graph)
    data = MAGIC + tag + len(header).to_bytes(4, "big") + header + record.graph
    try:
        atomic.write(
            active.folder / TRACED.format(key=program_key),
            lambda name: Path(name).write_bytes(data),
            mode=0o600,
            follow_links=False,  # a link in the cache was planted: replaced, never written through
        )
    except OSError as error:
        unsaved(error)


def sha256(path: Path) -> str:
    """The SHA-256 of a regular file of this user's, read without following a link."""
    digest = hashlib.sha256()
    descriptor = os.open(path, PLAINLY)
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_size > MAX_PROGRAM:
            raise Damaged(f"{path.name} is not a plain file of this user's of sane size")
        while block := file.read(2**20):
            digest.update(block)
    return digest.hexdigest()


def stage(record: Record) -> None:
    """Put the record's XLA files where TensorFlow will look, each only if it is the one the record names."""
    assert active is not None
    for name, digest in record.programs:
        if "/" in name or not name.startswith(XLA_PREFIX):
            raise Damaged(f"the record names {shown(name)}, which is not a compiled program")
        place = active.staging / name
        try:
            os.link(active.folder / name, place)
        except FileNotFoundError:
            continue  # cleared since: compiled again
        except OSError:
            copy(active.folder / name, place)  # a file system without hard links (some network mounts)
        try:
            if sha256(place) != digest:
                raise Damaged(f"{name} is not the program its record names")
        except OSError as error:
            place.unlink(missing_ok=True)
            raise Damaged(f"{name}: {error.strerror}") from None
        except Damaged:
            place.unlink(missing_ok=True)
            raise
        staged[name] = os.stat(place).st_ino


def copy(source: Path, target: Path) -> None:
    """`source` copied to a new file `target` (0600), read without following a link."""
    try:
        descriptor = os.open(source, PLAINLY)
        with os.fdopen(descriptor, "rb") as reader:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise Damaged(f"{source.name} is not a regular file")
            with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as writer:
                shutil.copyfileobj(reader, writer)
    except OSError as error:
        raise Damaged(f"{source.name}: {error.strerror}") from None


def collect() -> list[tuple[str, str]] | None:
    """Move what TensorFlow compiled into the staging folder into the cache (0600): [(name, SHA-256)];
    None, with a notice, when it could not be moved. Files staged for reading are unlinked (the cache keeps them)."""
    assert active is not None
    new = []
    try:
        for path in sorted(active.staging.iterdir()):
            written = staged.get(path.name) != os.lstat(path).st_ino  # not the file staged: TensorFlow's own
            if path.name.startswith(XLA_PREFIX) and path.name.endswith(".pb") and written:
                os.chmod(path, 0o600)
                new.append((path.name, sha256(path)))
                os.replace(path, active.folder / path.name)
            else:
                path.unlink()
    except OSError as error:
        for path in active.staging.iterdir():
            path.unlink(missing_ok=True)
        unsaved(error)
        return None
    finally:
        staged.clear()
    return new


def discard() -> None:
    """Remove what TensorFlow just compiled into the staging folder: a program lstm-echo does not record
    (the adding problem's, made anew by each run) would otherwise sit in the cache with no record to use it."""
    assert active is not None
    for path in active.staging.iterdir():
        if staged.get(path.name) != os.lstat(path).st_ino:  # TensorFlow's own, not a file staged for reading
            path.unlink(missing_ok=True)


def unsaved(error: OSError) -> None:
    assert active is not None
    notice(
        f"could not save the program in {active.folder} ({error.strerror}); the next run traces and compiles it again"
    )


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
