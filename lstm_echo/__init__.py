"""lstm-echo: how the way a sequence problem is framed shapes an LSTM.

The library (`lstm_echo.run`, `compare`, `sweep`, `inspect`, `explain`,
`params`, `list_architectures`, `predict`, `read_results`, `reproduce`, `merge`, `status`, `cache`
and the exception `Error`) lives in `lstm_echo.api`
and is loaded on first use, so the command line's start-up pays nothing for it.
"""

API = (
    "Error",
    "cache",
    "compare",
    "explain",
    "inspect",
    "list_architectures",
    "merge",
    "params",
    "predict",
    "read_results",
    "reproduce",
    "run",
    "status",
    "sweep",
)


def __getattr__(name: str):
    if name in API:
        from lstm_echo import api

        return getattr(api, name)
    raise AttributeError(f"module 'lstm_echo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *API])
