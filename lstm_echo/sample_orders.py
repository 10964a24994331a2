"""The order each model takes its samples in, epoch by epoch: numpy only, so a peer
written in another framework (bench/jax_peer.py) can train on the very same batches."""

import math

import numpy as np


def epoch_orders(
    generators, samples: int, batch_size: int, epochs: int, chunk: int, shuffle: bool = True
) -> np.ndarray:
    """Sample order per model and epoch, (M, chunk, steps * batch_size), padded with 0."""
    steps = math.ceil(samples / batch_size)
    orders = np.zeros((len(generators), chunk, steps * batch_size), dtype=np.int32)
    if in_order(samples, batch_size, shuffle):
        orders[:, :, :samples] = np.arange(samples)
        return orders
    for k, rng in enumerate(generators):
        orders[k, :epochs, :samples] = rng.permuted(np.tile(np.arange(samples), (epochs, 1)), axis=1)
    return orders


def in_order(samples: int, batch_size: int, shuffle: bool = True) -> bool:
    """Whether every epoch takes the samples in order (then every chunk's orders are the same):
    a stateful network needs it, and when one batch holds every sample the order cannot change
    the mean loss."""
    return not shuffle or math.ceil(samples / batch_size) == 1
