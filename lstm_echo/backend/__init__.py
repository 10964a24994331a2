"""The TensorFlow side of lstm-echo: the only modules that import TensorFlow or Keras.

The engine (`engine`: the compiled training loop over many models; `network`
its forward pass and `through_time` its loop over steps; `traced_programs` and
`compile_cache` keep its programs between runs; `quiet_tf` starts TensorFlow),
the long-lag experiment (`adding_problem`, `long_lag`), what reads a network's
steps (`probes`) and Keras itself (`keras_model` the reference model,
`saved_model` the `.keras` files). Everything outside this package is numpy
and plain Python, so a command that does not train never starts TensorFlow.
Importing this package imports none of them.
"""
