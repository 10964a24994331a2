"""The one exception type a caller of lstm-echo catches."""


class Error(Exception):
    """Anything lstm-echo refuses or cannot do: input it will not use, a run that diverged, a file it
    could not write. Its message is one line for a person; the command line prints it after `Error:`."""
