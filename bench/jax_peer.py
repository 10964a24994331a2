"""The peer the speed bench holds lstm-echo against: the same training job written as a
practitioner would write it in JAX (jit, `lax.scan` over steps, batches and epochs, `vmap`
over models, gradients by `jax.value_and_grad`, Keras' Adam by hand).

It trains the many-to-many LSTM (an LSTM returning sequences into a per-step Dense) from
lstm-echo's own data, initial weights and sample orders (all numpy: lstm-echo's TensorFlow
is never imported here), so its losses can be compared with the engine's number for number.
JAX is an optional extra (`pip install -e '.[bench]'`), never a dependency of the tool.

As a whole process, the job `lstm-echo run many-to-many` does (time it with `time`):

    .venv/bin/python bench/jax_peer.py --length 5 [--seeds 100] [--sequences 1000] [--cache DIR]
"""

import argparse
import math
import time

import numpy as np

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # Keras' Adam defaults


def trainer(learning_rate: float):
    """A compiled function (weights, x, y, orders, mask) -> (weights, per-epoch losses), for M
    models: weights stacked on axis 0, orders (M, epochs, batches, batch), mask (batches, batch)."""
    import jax
    import jax.numpy as jnp

    def predict(weights, x):  # x (B, T, 1) -> (B, T, 1)
        kernel, recurrent, bias, dense_kernel, dense_bias = weights
        projected = jnp.einsum("bti,ig->tbg", x, kernel) + bias

        def step(state, p):
            h, c = state
            i, f, g, o = jnp.split(p + h @ recurrent, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h

        zeros = jnp.zeros((x.shape[0], recurrent.shape[0]), x.dtype)
        _, hs = jax.lax.scan(step, (zeros, zeros), projected)
        return jnp.einsum("tbu,uo->bto", hs, dense_kernel) + dense_bias

    def loss(weights, x, y, mask):  # the mean over the batch's real samples (a short last batch is padded)
        per_sample = jnp.mean(jnp.square(predict(weights, x) - y), axis=(1, 2))
        return jnp.sum(per_sample * mask) / jnp.sum(mask)

    def one_model(weights, x, y, orders, mask):
        def batch(carry, at):
            weights, m, v, t = carry
            idx, in_data = at
            value, grads = jax.value_and_grad(loss)(weights, x[idx], y[idx], in_data)
            t = t + 1.0
            alpha = learning_rate * jnp.sqrt(1.0 - BETA_2**t) / (1.0 - BETA_1**t)
            m = [m_ + (g - m_) * (1.0 - BETA_1) for m_, g in zip(m, grads)]
            v = [v_ + (jnp.square(g) - v_) * (1.0 - BETA_2) for v_, g in zip(v, grads)]
            weights = [w - alpha * m_ / (jnp.sqrt(v_) + EPSILON) for w, m_, v_ in zip(weights, m, v)]
            return (weights, m, v, t), value * jnp.sum(in_data)

        def epoch(carry, epoch_orders):
            carry, totals = jax.lax.scan(batch, carry, (epoch_orders, mask))
            return carry, jnp.sum(totals) / jnp.sum(mask)

        zeros = [jnp.zeros_like(w) for w in weights]
        (weights, _, _, _), history = jax.lax.scan(epoch, (weights, zeros, zeros, 0.0), orders)
        return weights, history

    return jax.jit(jax.vmap(one_model, in_axes=(0, None, None, 0, None)))


def train(weights, x, y, orders: np.ndarray, samples: int, batch_size: int, learning_rate: float = 1e-3):
    """Train M models (weights stacked on axis 0) over `orders` (M, epochs, batches * batch_size),
    padded after `samples`. -> (each epoch's loss (epochs, M), compile seconds, train seconds)."""
    import jax

    models, epochs, padded = orders.shape
    batched = orders.reshape(models, epochs, padded // batch_size, batch_size)
    mask = (np.arange(padded) < samples).astype(np.float32).reshape(-1, batch_size)
    arguments = ([jax.numpy.asarray(w) for w in weights], x, y, batched, mask)
    started = time.perf_counter()
    compiled = trainer(learning_rate).lower(*arguments).compile()
    compile_seconds = time.perf_counter() - started
    started = time.perf_counter()
    _, history = compiled(*arguments)
    history = np.asarray(jax.block_until_ready(history))
    return history.T, compile_seconds, time.perf_counter() - started


def job(settings: dict, seeds: int):
    """lstm-echo's data, initial weights and sample orders for `settings` and seeds 0..seeds-1."""
    from lstm_echo import architectures, config, runner
    from lstm_echo import seeds as seeding
    from lstm_echo.initializers import initial_weights
    from lstm_echo.sample_orders import epoch_orders

    e = config.resolve({"architecture": "many-to-many", **settings})
    sets = runner.data_set(e)
    x, y = architectures.get(e.architecture).frame(sets.train_inputs, sets.train_targets)
    layers = runner.network_layers(e)
    weights = [np.stack(w) for w in zip(*(initial_weights(layers, seed) for seed in range(seeds)))]
    shufflers = [seeding.generator(seed, seeding.SHUFFLE_STREAM) for seed in range(seeds)]
    samples = x.shape[0]
    orders = epoch_orders(shufflers, samples, e.batch_size, e.epochs, e.epochs)
    return e, x.astype(np.float32), y.astype(np.float32), weights, orders, samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--length", type=int, default=5)
    parser.add_argument("--neurons", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--sequences", type=int)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--cache", help="JAX's persistent compile cache in this folder")
    args = parser.parse_args()
    import jax

    if args.cache:
        jax.config.update("jax_compilation_cache_dir", args.cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    settings = {"length": args.length}
    for name in ("neurons", "epochs", "sequences"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    e, x, y, weights, orders, samples = job(settings, args.seeds)
    history, compile_seconds, train_seconds = train(weights, x, y, orders, samples, e.batch_size, e.learning_rate)
    print(
        f"final loss {history[-1].min():.6g} (best of {args.seeds}), compile {compile_seconds:.2f} s, "
        f"train {train_seconds:.2f} s, {math.prod(x.shape[:2])} steps per epoch"
    )


if __name__ == "__main__":
    main()
