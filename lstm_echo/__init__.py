"""lstm-echo: how the way a sequence problem is framed shapes an LSTM."""
