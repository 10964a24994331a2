"""lstm-echo: how the framing of a sequence problem shapes an LSTM."""
