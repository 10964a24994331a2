"""The adding problem's sequences: the long-lag experiment of Hochreiter & Schmidhuber (1997).

Each step is a pair (a value, a marker). The paper's version, for a minimal length T:

- the length is drawn uniformly from T to T + T/10;
- values are uniform in [-1, 1];
- exactly two pairs are marked 1: one of the first ten, then one of the first
  T/2 - 1 not yet marked; the first and the last pair are otherwise marked -1
  and all others 0;
- the one target, at the last step, is 0.5 + (X1 + X2) / 4, X1 and X2 the two
  marked values, except that the first pair's value counts as 0 when it is marked.

The later fixed-length version (Le, Jaitly & Hinton 2015; Arjovsky, Shah & Bengio
2016) has T steps, values uniform in [0, 1], one pair marked 1 in each half,
all others 0, and the sum of the two marked values as its target.

Training draws fresh sequences inside the compiled program, so none is kept:
every random number is a counter-based hash of (stream, seed, sequence index,
slot), in 32-bit integer arithmetic that TensorFlow computes bit for bit
alike eagerly and under XLA (a test compares the two, and both with the
numpy copy in `tasks.adding` that `--task adding` draws its fixed sets with). Sequence i of a seed
can be made again alone, without the ones before it, in a compiled program or
eagerly. Sequences are padded with zeros after their length.
"""

from typing import Any, NamedTuple

from lstm_echo import reproduction
from lstm_echo.backend.quiet_tf import tf
from lstm_echo.tasks.adding import FIRST_SLOT, LENGTH_SLOT, RIGHT_WITHIN, SECOND_SLOT, TRAINING_STREAM, VALUE_SLOTS


class Sequences(NamedTuple):
    inputs: Any  # (M, count, longest, 2): value and marker per step, zeros after a sequence ends
    lengths: Any  # (M, count) int32
    targets: Any  # (M, count): the target at each sequence's last step


def mixed(x):
    """A uint32 hash whose every output bit depends on every input bit (Wellons' `lowbias32`)."""
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16)) * tf.constant(0x7FEB352D, tf.uint32)
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 15)) * tf.constant(0x846CA68B, tf.uint32)
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))


def uniform(keys, slot):
    """A number in [0, 1) on a 2^-24 grid (exact in float32) per key, for one slot."""
    bits = mixed(tf.bitwise.bitwise_xor(keys, tf.cast(slot, tf.uint32)))
    return tf.cast(tf.bitwise.right_shift(bits, 8), tf.float32) * (2.0**-24)


def below(keys, slot, count):
    """A whole number uniform in 0 .. count - 1 per key (int32)."""
    return tf.minimum(tf.cast(tf.floor(uniform(keys, slot) * count), tf.int32), count - 1)


def sequences(minimum: int, seeds, indices, stream: int = TRAINING_STREAM, paper: bool = True) -> Sequences:
    """The sequences of every seed (M,) at every index (count,), drawn anew; traceable by XLA."""
    if minimum < reproduction.shortest(paper):
        raise ValueError(f"the adding problem needs a length of at least {reproduction.shortest(paper)}, got {minimum}")
    seeds = tf.cast(tf.convert_to_tensor(seeds), tf.uint32)
    indices = tf.cast(tf.convert_to_tensor(indices), tf.uint32)
    per_seed = mixed(tf.bitwise.bitwise_xor(mixed(tf.constant(stream, tf.uint32)), seeds))
    keys = mixed(tf.bitwise.bitwise_xor(per_seed[:, None], indices))  # (M, count): one per sequence
    steps = reproduction.longest(minimum, paper)
    positions = tf.range(steps)
    draws = uniform(keys[..., None], VALUE_SLOTS + positions)  # (M, count, steps)
    if paper:
        lengths = minimum + below(keys, LENGTH_SLOT, minimum // 10 + 1)
        first = below(keys, FIRST_SLOT, 10)
        drawn = below(keys, SECOND_SLOT, minimum // 2 - 2)  # among the first T/2 - 1, apart from `first`
        second = drawn + tf.cast(drawn >= first, tf.int32)
        values = 2.0 * draws - 1.0
    else:
        lengths = tf.fill(tf.shape(keys), minimum)
        half = minimum // 2
        first, second = below(keys, FIRST_SLOT, half), half + below(keys, SECOND_SLOT, minimum - half)
        values = draws
    inside = positions < lengths[..., None]
    marked = tf.equal(positions, first[..., None]) | tf.equal(positions, second[..., None])
    ends = tf.equal(positions, 0) | tf.equal(positions, lengths[..., None] - 1)
    markers = tf.where(marked, 1.0, tf.where(ends, -1.0, 0.0) if paper else 0.0)
    values = tf.where(inside, values, 0.0)
    markers = tf.where(inside, markers, 0.0)
    counts = marked & (positions > 0) if paper else marked  # the paper's first pair counts 0 when marked
    counted = values * tf.cast(counts, tf.float32)
    sums = tf.reduce_sum(counted, axis=-1)
    targets = 0.5 + sums / 4.0 if paper else sums
    return Sequences(tf.stack([values, markers], axis=-1), lengths, targets)


def right(predicted, targets):
    """Which sequences the paper counts as right: absolute error below 0.04."""
    return tf.abs(predicted - targets) < RIGHT_WITHIN
