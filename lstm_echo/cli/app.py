"""The Typer application: its one-line errors, exit codes, signals and the entry point."""

import errno
import importlib.metadata
import os
import signal
import sys
import time
from typing import Annotated, cast

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from lstm_echo import config, threads
from lstm_echo.backend import compile_cache
from lstm_echo.cli import console
from lstm_echo.cli.console import fail

STARTED = time.perf_counter()


# BadParameter derives from the usage error class that Typer's parser raises for
# every bad command line (whether Typer bundles click or depends on it).
UsageError = cast(type[typer.BadParameter], typer.BadParameter.__base__)
INCOMPLETE = 3  # merge and status: a sharded sweep's plan holds runs no file has
NOT_ECHOED = 3
INTERRUPTED = 130
OUTPUT_ERRORS = (errno.EPIPE, errno.ENOSPC, errno.EFBIG, errno.EIO)


class Stopped(KeyboardInterrupt):
    """Ctrl-C's INT; TERM; or HUP from a closed terminal or ssh session: each stops the command as Ctrl-C does."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


RECEIVED: list[int] = []  # the stopping signals this process has had


def stop(signum: int, frame) -> None:
    RECEIVED.append(signum)
    raise Stopped(signum)


def interrupted(error: BaseException) -> bool:
    """Whether `error` ends the command as an interruption: a KeyboardInterrupt (or Typer's Abort, its
    Ctrl-C), or any error once a stopping signal has arrived (raised inside TensorFlow's import or
    tracing, the interrupt can come out as an ImportError or an AttributeError of its own)."""
    return isinstance(error, KeyboardInterrupt | typer.Abort) or bool(RECEIVED)


def stopping_signal(error: BaseException | None) -> int:
    """The signal behind an interruption (and the Abort Click makes of it): TERM or HUP, else Ctrl-C's INT."""
    if RECEIVED:
        return RECEIVED[0]
    while error is not None:
        if isinstance(error, Stopped):
            return error.signum
        error = error.__cause__ or error.__context__
    return signal.SIGINT


def stopped_word(signum: int) -> str:
    return "Interrupted" if signum == signal.SIGINT else f"Stopped by {signal.Signals(signum).name}"


class OutputFailed(Exception):
    """stdout could not be written: its reader left, or its disk is full."""


class FlagsLookLikeFlags:
    """Help that shows no value after a flag (Typer shows `<bool>`, so people type `--json true`), and no
    `<str>` after an argument whose name already says what it takes."""

    def get_params(self, ctx):
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False):
                param.metavar = ""
            if isinstance(param, TyperArgument):
                param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
        return params


class Command(FlagsLookLikeFlags, TyperCommand):
    def collect_usage_pieces(self, ctx):
        """`lstm-echo predict [OPTIONS] MODEL [VALUES...]`: the usual convention, not Typer's `{MODEL}`."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.display_name_raw.removesuffix("...") + ("..." if param.nargs != 1 else "")
                pieces.append(name if param.required else f"[{name}]")
        return pieces


class OneLineErrors(FlagsLookLikeFlags, TyperGroup):
    """Usage errors as one line on stderr with exit code 2; Ctrl-C exits 130."""

    def invoke(self, ctx):
        try:
            compile_cache.switched_on()  # the environment is checked like an option
            threads.chosen()
            return super().invoke(ctx)
        except config.InputError as error:  # every input check, whichever command made it
            fail(str(error))
        except OSError as error:
            if error.errno in OUTPUT_ERRORS:
                # Click would turn a broken pipe into exit code 1, which means a diverged run here.
                raise OutputFailed(error) from None
            raise

    def main(
        self, args=None, prog_name=None, complete_var=None, standalone_mode=True, windows_expand_args=True, **extra
    ):
        args = sys.argv[1:] if args is None else list(args)
        INVOKED.clear()
        INVOKED.extend(map(str, args))  # a sharded sweep records its command in its plan
        console.begin()
        try:
            # Bare `lstm-echo` asks what the tool does: the help, and no error.
            code = super().main(args or ["--help"], prog_name, complete_var, False, windows_expand_args, **extra)
        except config.InputError as error:  # an option's parser refused its value
            fail(str(error))
        except UsageError as error:
            fail(error.format_message())
        except (KeyboardInterrupt, Exception) as error:  # typer.Abort is an Exception
            if not interrupted(error):
                raise
            signum = stopping_signal(error)
            print(f"{stopped_word(signum)}.", file=sys.stderr)
            sys.exit(128 + signum)  # as a shell reports a command a signal ended: 130, 143, 129
        if code == INTERRUPTED:  # Typer turns Ctrl-C into this exit code, or into Abort
            print("Interrupted.", file=sys.stderr)
        sys.exit(code or 0)


app = typer.Typer(
    cls=OneLineErrors,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

INVOKED: list[str] = []  # the arguments of the command being run


def show_version(asked: bool) -> None:
    if asked:
        print(f"lstm-echo {importlib.metadata.version('lstm-echo')}")
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[
        bool, typer.Option("--version", callback=show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
):
    """Train and compare the ways an LSTM can be framed to echo the sequence 0.0, 0.2, 0.4, ..."""


def wall_seconds() -> float:
    """Seconds since the command started, TensorFlow's import included."""
    return time.perf_counter() - STARTED


SIGPIPE_EXIT = 128 + 13  # what a shell reports for a process ended by SIGPIPE


def main():
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    # A terminal or log that cannot show ×, ² or █ gets a stand-in, not a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        try:
            app()
        finally:
            sys.stdout.flush()
    except (OutputFailed, OSError) as failure:
        error = failure.args[0] if isinstance(failure, OutputFailed) else failure
        if not isinstance(error, OSError) or error.errno not in OUTPUT_ERRORS:
            raise
        # Keep Python from failing again when it flushes stdout on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if error.errno == errno.EPIPE:
            sys.exit(SIGPIPE_EXIT)  # the reader left (`| head`): stop quietly, as Unix tools do
        print(f"Error: could not write the output: {error.strerror}", file=sys.stderr)
        sys.exit(1)
