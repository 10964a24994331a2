"""The training program as traced, kept between runs beside its XLA program.

Tracing runs the training loop's Python once to build a TensorFlow graph (about
600 nodes for the tutorial's network): about 0.3 s of every run, though the same
code and shapes always build the same graph. So the graph is kept. Its function
library is saved in the compile cache folder, in a record signed with the user's
key together with the XLA file it compiled to (`compile_cache`), under a key
made of a digest of lstm-echo's own source, TensorFlow's version and the
program's shapes; a later run authenticates the record, registers the saved
library and calls the program by name, as TensorFlow's own `ConcreteFunction`
does, without tracing. A change to any source file gives every program a new
key, so a stale graph is never run; a record that cannot be authenticated is
never run at all.

XLA's persistent cache keys a compiled program by its function's name as well as
its contents, and TensorFlow names a traced function after a counter in the
process. So the library is renamed after its key: every process calls the same
program by the same name, and XLA serves it from its cache.
"""

import functools
import hashlib
from pathlib import Path

from lstm_echo.backend import compile_cache
from lstm_echo.backend.quiet_tf import tf

# isort: split
# TensorFlow's own modules, imported once `quiet_tf` has started TensorFlow quietly.
from google.protobuf.message import DecodeError
from tensorflow.core.framework import attr_value_pb2, function_pb2

try:  # registering and calling a function by name has no public API: a TensorFlow without it still trains
    from tensorflow.python.eager import context
except Exception:  # whatever a future TensorFlow does to a private module
    context = None

SOURCE = Path(__file__).parent.parent  # the whole lstm_echo package

# After a failed compile, a fresh set of names (XLA remembers in this process what it did for a
# name) and no more reading from the cache: this process traces its programs itself.
renamings = 0
reading = True
# Whether programs are called by name (and so kept between runs); once that failed, TensorFlow's own
# tf.function is called instead, traced in this process.
by_name = context is not None
served = False  # whether the program last asked for came from the cache
registered: dict[str, "Program"] = {}  # by name: the programs this process has registered


@functools.cache
def source_digest() -> str:
    """A digest of every source file of lstm-echo: the code that builds the graphs."""
    digest = hashlib.sha256()
    for path in sorted(SOURCE.rglob("*.py")):
        digest.update(path.relative_to(SOURCE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(settings: tuple, arguments) -> str:
    """What decides the traced graph: the code, TensorFlow, `settings` and the arguments' shapes."""
    shapes = [(tuple(a.shape), a.dtype.name) for a in tf.nest.flatten(arguments)]
    described = repr((source_digest(), tf.version.VERSION, tf.version.GIT_VERSION, settings, shapes))
    return hashlib.sha256(described.encode()).hexdigest()[:32]


def trace(function, arguments) -> function_pb2.FunctionDefLibrary:
    """Trace the tf.function `function` for `arguments`: its library, the program itself last."""
    concrete = function.get_concrete_function(*arguments)
    assert not concrete.captured_inputs, "a traced program takes every tensor as an argument"
    library = function_pb2.FunctionDefLibrary()
    library.function.extend(concrete.graph.as_graph_def().library.function)  # its loops' bodies and gradients
    library.function.append(concrete.function_def)
    return library


def parsed(graph: bytes) -> function_pb2.FunctionDefLibrary:
    try:
        return function_pb2.FunctionDefLibrary.FromString(graph)
    except DecodeError as error:
        raise compile_cache.Damaged(f"the traced program cannot be parsed ({error})") from error


def renamed(library: function_pb2.FunctionDefLibrary, name: str) -> function_pb2.FunctionDefLibrary:
    """A copy with the program (last) named `name` and the functions it calls `name_f1`, `name_f2`, ..."""
    copy = function_pb2.FunctionDefLibrary()
    copy.CopyFrom(library)
    *called, _ = copy.function
    names = {f.signature.name: f"{name}_f{i}" for i, f in enumerate(called, 1)}
    names[copy.function[-1].signature.name] = name
    for function in copy.function:
        function.signature.name = names[function.signature.name]
        for node in function.node_def:
            node.op = names.get(node.op, node.op)  # a function called as an op
            for value in node.attr.values():
                rename_calls(value, names)
    return copy


def rename_calls(value: attr_value_pb2.AttrValue, names: dict[str, str]) -> None:
    """Point an attribute's function references (a loop's body, a call's function) at the new names."""
    if value.HasField("func"):
        value.func.name = names.get(value.func.name, value.func.name)
        for inner in value.func.attr.values():
            rename_calls(inner, names)
    for func in value.list.func:
        func.name = names.get(func.name, func.name)


class Program:
    """A registered training program, called with the traced function's arguments; returns
    its outputs packed like `returns_like`. `graph` is its library under neutral names, as saved;
    `record` what the cache held for it, once authenticated and staged (None: traced here)."""

    def __init__(self, key: str, graph: bytes, library, name: str, returns_like, record: compile_cache.Record | None):
        functions = renamed(library, name).function
        self.context = context.context()
        for function in functions:
            self.context.add_function_def(function)
        self.key, self.graph, self.record = key, graph, record
        self.name = name.encode()
        self.inputs = len(functions[-1].signature.input_arg)
        self.outputs = len(functions[-1].signature.output_arg)
        self.returns_like = returns_like
        self.settled = False

    def __call__(self, *arguments):
        flat = tf.nest.flatten(arguments)
        if len(flat) != self.inputs:
            raise ValueError(f"the program takes {self.inputs} tensors, got {len(flat)}")
        return packed(self.returns_like, iter(self.context.call_function(self.name, flat, self.outputs)))


def packed(like, values):
    """`values` (an iterator) in the lists and tuples of `like`: what tf.nest.pack_sequence_as does,
    without its checks, which took 50 µs of every call (a quarter of a short chunk's)."""
    if isinstance(like, list | tuple):
        return type(like)(packed(item, values) for item in like)
    return next(values)


class Traced:
    """The tf.function itself, traced in this process and kept nowhere: what runs once calling a
    program by name has failed (a TensorFlow whose private API changed)."""

    record = None

    def __init__(self, function):
        self.function = function

    def __call__(self, *arguments):
        return self.function(*arguments)


def cached(program_key: str) -> tuple[compile_cache.Record, function_pb2.FunctionDefLibrary] | None:
    """The cache's authenticated record of a program and its parsed graph, its XLA files staged for
    TensorFlow; None when it has none it can vouch for (then a one-line notice says why, and the program
    is traced and compiled)."""
    if compile_cache.active is None or not reading:
        return None
    try:
        record = compile_cache.read_record(program_key)
        if record is None:
            return None
        library = parsed(record.graph)
        compile_cache.stage(record)
        return record, library
    except compile_cache.Damaged as error:
        compile_cache.notice(f"compile cache in {compile_cache.active.folder}: {error}; traced and compiled anew")
        return None


def program(settings: tuple, function, arguments, returns_like) -> Program | Traced:
    """The program of tf.function `function` for `arguments`: registered already in this process,
    loaded from the cache, or traced; `function` itself once calling by name has failed."""
    global served
    served = False
    if not by_name:
        return Traced(function)
    program_key = key(settings, arguments)
    name = f"lstm_echo_{program_key}" + (f"_r{renamings}" if renamings else "")
    if name not in registered:
        found = cached(program_key)
        if found is not None:
            record, library = found
            graph = record.graph
        else:
            # Saved under neutral names: TensorFlow's own depend on what the process traced before.
            record, library = None, renamed(trace(function, arguments), "program")
            graph = library.SerializeToString(deterministic=True)
        served = record is not None
        registered[name] = Program(program_key, graph, library, name, returns_like, record)
    served = registered[name].record is not None
    return registered[name]


def settle(program: Program | Traced) -> str:
    """After the program's first call: `hit` when the cache served it, `miss` when something was traced or
    compiled (and is now recorded), `off` without a cache. Later calls in this process: `hit`."""
    if compile_cache.active is None or isinstance(program, Traced):
        return "off"
    if program.settled:
        return "hit"
    program.settled = True
    compiled_now = compile_cache.collect()
    if compiled_now is None:
        return "miss"
    if program.record is not None and not compiled_now:
        return "hit"
    programs = tuple(compiled_now) or (program.record.programs if program.record else ())
    compile_cache.write_record(program.key, compile_cache.Record(program.graph, programs))
    return "miss"


def start_afresh() -> None:
    """From now on, trace every program in this process, under new names, so XLA compiles it anew."""
    global renamings, reading
    renamings += 1
    reading = False


def fall_back(error: Exception) -> bool:
    """After building or first calling a program failed: take the next, plainer way (a program traced
    here rather than one from the cache; then TensorFlow's own tf.function rather than a call by name)
    and say so. False when none is left: the error is the program's own."""
    global by_name
    reason = error.message if isinstance(error, tf.errors.OpError) else str(error) or type(error).__name__
    if served and compile_cache.active is not None:
        # The cache only saves time: whatever failed in a program it served, this process now
        # traces and compiles its programs itself, under names XLA has not seen.
        compile_cache.notice(
            f"a program from the compile cache in {compile_cache.active.folder} failed ({reason}); traced and compiled anew"
        )
        start_afresh()
        return True
    if by_name:
        compile_cache.notice(
            f"calling the training program by name failed in TensorFlow {tf.version.VERSION} ({reason[:200]}); "
            "it is traced in each process instead, and not kept"
        )
        by_name = False
        return True
    return False
