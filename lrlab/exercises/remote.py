"""Answers checked across a process boundary: values as JSON, calls recorded and replayed.

The class grader runs a student's code in a sandboxed process (`lrlab.exercises.runner`) and
decides the verdict in its own: the same checker as `check` in the notebook, whose `call` replays
what the sandbox returned for each call instead of running the student's code. `encode` and
`decode` carry the values (NumPy arrays and scalars keep their dtype, a `Generator` its state; a
Keras object travels as its config and is rebuilt in safe mode). `record_calls` lists the calls a
checker makes (run against the reference answer), so the sandbox can make them in advance.
"""

import base64
import copy
import json
import math

import numpy as np

from lrlab.exercises import framework

__all__ = ["encode", "decode", "key", "record_calls", "replaying", "Opaque"]


class Opaque:
    """A value that does not travel (a function, a custom object): its type name and repr do."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _number(x):
    return x if math.isfinite(x) else {"__float__": repr(float(x))}


def encode(value):
    """`value` as JSON-ready data; see the module docstring."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):  # before int and float: np.float64 is a float
        item = value.item()
        return {
            "__scalar__": value.dtype.str,
            "value": _number(item) if isinstance(item, float) else item,
        }
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, np.ndarray) and value.dtype != object:
        data = base64.b64encode(np.ascontiguousarray(value).tobytes()).decode()
        return {"__array__": value.dtype.str, "shape": list(value.shape), "data": data}
    if isinstance(value, (list, tuple)):
        items = [encode(v) for v in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, np.random.Generator):
        return {"__rng__": value.bit_generator.state}
    if hasattr(value, "get_config") and type(value).__module__.startswith("keras"):
        import keras

        return {"__keras__": keras.saving.serialize_keras_object(value)}
    return {"__opaque__": type(value).__name__, "repr": framework.short(value)}


def decode(data):
    """The value `encode` described (a Keras object is rebuilt in safe mode)."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__float__" in data:
        return float(data["__float__"])
    if "__scalar__" in data:
        value = data["value"]
        return np.dtype(data["__scalar__"]).type(
            decode(value) if isinstance(value, dict) else value
        )
    if "__array__" in data:
        raw = base64.b64decode(data["data"])
        return np.frombuffer(raw, dtype=np.dtype(data["__array__"])).reshape(data["shape"]).copy()
    if "__tuple__" in data:
        return tuple(decode(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["__dict__"]}
    if "__rng__" in data:
        rng = np.random.default_rng()
        rng.bit_generator.state = data["__rng__"]
        return rng
    if "__keras__" in data:
        import keras

        try:
            return keras.saving.deserialize_keras_object(data["__keras__"], safe_mode=True)
        except Exception:  # a class only the student's process knows
            return type(str(data["__keras__"].get("class_name", "object")), (Opaque,), {})(
                f"<{data['__keras__'].get('class_name', 'object')} object>"
            )
    if "__opaque__" in data:
        return type(str(data["__opaque__"]), (Opaque,), {})(str(data.get("repr", "")))
    raise ValueError(f"`data` is not an encoded value. Received: data={framework.short(data)}")


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def key(args):
    """A string that names a call's arguments (equal arguments, equal keys)."""
    return json.dumps(encode(list(args)), sort_keys=True)


def record_calls(verify, reference):
    """The argument tuples `verify(call)` passes to `call`, run against `reference` (which passes)."""
    calls = []

    def call(*args):
        calls.append(copy.deepcopy(args))
        return reference(*args)

    verify(call)
    return calls


def replaying(exercise_id, calls, results):
    """A `call` for a checker that returns, for each call, what the sandbox returned for it.

    `calls` are argument tuples, `results` their outcomes from `lrlab.exercises.runner`, in the
    same order. Equal arguments met twice give their outcomes in order (a student's answer that
    ignores `rng` may answer the same call differently). A call nobody made fails.
    """
    queues = {}
    for args, result in zip(calls, results):
        queues.setdefault(key(args), []).append(result)

    def call(*args):
        queue = queues.get(key(args))
        if not queue:
            raise framework.Failure(
                f"{framework.describe_call(exercise_id, args)}: no result came back from your code "
                "for this call (did the notebook stop while it was graded?)."
            )
        result = queue.pop(0)
        for arg, state in zip(args, result.get("rngs", [])):
            if state is not None and isinstance(arg, np.random.Generator):
                arg.bit_generator.state = state
        if result.get("not_attempted"):
            raise framework.NotAttempted()
        if "failure" in result:
            raise framework.Failure(result["failure"])
        return decode(result["value"])

    return call
