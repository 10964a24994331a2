"""The `lstm-echo` command: one module per command, each parsing, checking, calling and rendering.

`app` holds the Typer application, its one-line errors and exit codes;
`console` the output of one invocation; `options` the options built from the
settings' one description; `training` what the commands that train share.
Importing this package must stay light: TensorFlow loads only when something
trains (through the runner), so `--help`, `params`, `architectures` and every
input check answer at once.
"""

from lstm_echo.cli import (
    architectures,
    cache,
    compare,
    explain,
    inspect,
    merge,
    params,
    predict,
    report,
    reproduce,
    run,
    status,
    sweep,
)
from lstm_echo.cli.app import INVOKED, Command, app, main

# Every command, in the order `lstm-echo --help` lists them: a new one is its own module (with a
# function `command`) and its name here.
COMMANDS = (
    run,
    compare,
    sweep,
    reproduce,
    explain,
    inspect,
    params,
    architectures,
    predict,
    report,
    merge,
    status,
    cache,
)
for module in COMMANDS:
    name = module.__name__.rsplit(".", 1)[1]
    app.command(name, cls=Command, context_settings=getattr(module, "CONTEXT_SETTINGS", None))(module.command)

__all__ = ["INVOKED", "app", "main"]
