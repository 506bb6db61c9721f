"""Observations as JSON, out of the sandbox and back: plain data only, read with strict types and limits.

    from shipml.course.instructor import observed
    text = observed.dumps(observations)        # inside the sandbox: a list of Observation.to_dict()
    seen = observed.loads(text)                # in the grader: list[Observation], or DecodeError

Plain data (what `shipml.course.checks.plain` returns) travel as JSON with
tags for what JSON lacks: `{"$": "tuple", "v": [...]}`, sets, dicts with any
keys, bytes, complex numbers, NaN and infinities, big integers, NumPy arrays
(numeric, text, boolean, dates; object arrays element by element), pandas
tables, series, indexes, timestamps and the `datetime` types. Nothing is ever
unpickled or imported by name: an unknown tag, a dtype outside the allowed
kinds, a shape that does not match its values, text past `MAX_BYTES` or data
nested past `MAX_DEPTH` is a `DecodeError` with a sentence.
"""

from __future__ import annotations

import base64
import datetime
import json
import math
import re

__all__ = ["MAX_BYTES", "MAX_DEPTH", "DecodeError", "dumps", "encode", "decode", "loads"]

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 40
_DTYPE = re.compile(r"^[A-Za-z0-9\[\], :/_+<>=|-]{1,64}$")
_ARRAY_KINDS = "biufcUSMmO"


class DecodeError(ValueError):
    """The data from the sandbox are not plain data this reader accepts; the message is a sentence."""


def _float(x: float):
    if math.isfinite(x):
        return x
    return {"$": "float", "v": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def encode(value, depth: int = 0):
    """Plain data as JSON-ready values with tags; TypeError for anything else."""
    if depth > MAX_DEPTH:
        raise TypeError("the data nest too deeply")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value if abs(value) < 2**53 else {"$": "int", "v": str(value)}
    if kind is float:
        return _float(value)
    if kind is complex:
        return {"$": "complex", "v": [_float(value.real), _float(value.imag)]}
    if kind is bytes:
        return {"$": "bytes", "v": base64.b64encode(value).decode("ascii")}
    if value is Ellipsis:
        return {"$": "ellipsis"}
    if kind is list:
        return [encode(v, depth + 1) for v in value]
    if kind is tuple:
        return {"$": "tuple", "v": [encode(v, depth + 1) for v in value]}
    if kind in (set, frozenset):
        return {"$": "set", "v": [encode(v, depth + 1) for v in value]}
    if kind is dict:
        return {"$": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is datetime.datetime or kind is datetime.date:
        return {"$": kind.__name__, "v": value.isoformat()}
    if kind is datetime.timedelta:
        return {"$": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    module = getattr(kind, "__module__", "") or ""
    if module.startswith("numpy"):
        import numpy as np

        if isinstance(value, np.ndarray):
            return _encode_array(value, depth)
        if isinstance(value, np.generic):
            return encode(value.item(), depth)
    if module.startswith("pandas"):
        import pandas as pd

        if value is pd.NaT:
            return {"$": "NaT"}
        if isinstance(value, pd.Timestamp):
            return {"$": "Timestamp", "v": value.isoformat()}
        if isinstance(value, pd.Timedelta):
            return {"$": "Timedelta", "v": int(value.value)}
        if isinstance(value, pd.RangeIndex):
            return {"$": "RangeIndex", "v": [value.start, value.stop, value.step],
                    "name": encode(value.name, depth + 1)}
        if isinstance(value, pd.Index):
            return {"$": "Index", "dtype": str(value.dtype), "v": _encode_array(value.to_numpy(), depth),
                    "name": encode(value.name, depth + 1)}
        if isinstance(value, pd.Series):
            return {"$": "Series", "dtype": str(value.dtype), "v": _encode_array(value.to_numpy(), depth),
                    "index": encode(value.index, depth + 1), "name": encode(value.name, depth + 1)}
        if isinstance(value, pd.DataFrame):
            return {"$": "DataFrame", "index": encode(value.index, depth + 1),
                    "columns": encode(value.columns, depth + 1),
                    "v": [encode(value.iloc[:, i], depth + 1) for i in range(value.shape[1])]}
    raise TypeError(f"{kind.__name__} is not plain data")


def _encode_array(array, depth: int):
    import numpy as np

    array = np.asarray(array)
    kind = array.dtype.kind
    if kind not in _ARRAY_KINDS:
        raise TypeError(f"a NumPy array of dtype {array.dtype} is not plain data")
    flat = array.ravel()
    if kind in "Mm":
        values = [int(x) for x in flat.view("int64")]
    elif kind == "O":
        values = [encode(v, depth + 1) for v in flat]
    elif kind == "S":
        values = [base64.b64encode(bytes(x)).decode("ascii") for x in flat]
    else:
        values = [encode(v, depth + 1) for v in flat.tolist()]
    return {"$": "ndarray", "dtype": array.dtype.str if kind != "O" else "object",
            "shape": list(array.shape), "v": values}


def dumps(value) -> str:
    """JSON text of plain data (tagged); TypeError naming what is not plain data."""
    return json.dumps(encode(value), allow_nan=False, separators=(",", ":"))


# --- reading: strict ------------------------------------------------------------------


def _need(condition, what: str):
    if not condition:
        raise DecodeError(f"the observations are malformed: {what}")


def _fields(data: dict, *names):
    _need(set(data) <= {"$", *names} and all(n in data for n in names if n != "name"), f"bad fields in {data.get('$')}")


def _decoded_float(x):
    if isinstance(x, dict):
        _need(x.get("$") == "float" and x.get("v") in ("nan", "inf", "-inf") and len(x) == 2, "a bad number")
        return float(x["v"])
    _need(type(x) in (int, float), "a bad number")
    return float(x)


def decode(data, depth: int = 0):
    """The plain data that `encode` wrote; DecodeError for anything else."""
    _need(depth <= MAX_DEPTH + 2, "the data nest too deeply")
    kind = type(data)
    if data is None or kind in (bool, str, int, float):
        return data
    if kind is list:
        return [decode(v, depth + 1) for v in data]
    _need(kind is dict and isinstance(data.get("$"), str), "an object without a known tag")
    tag = data["$"]
    if tag == "ellipsis":
        _fields(data)
        return Ellipsis
    if tag == "float":
        return _decoded_float(data)
    _need("v" in data, f"a {tag} without a value")
    v = data["v"]
    if tag == "int":
        _fields(data, "v")
        _need(isinstance(v, str) and re.fullmatch(r"-?[0-9]{1,4300}", v), "a bad integer")
        return int(v)
    if tag == "complex":
        _fields(data, "v")
        _need(isinstance(v, list) and len(v) == 2, "a bad complex number")
        return complex(_decoded_float(v[0]), _decoded_float(v[1]))
    if tag == "bytes":
        _fields(data, "v")
        _need(isinstance(v, str), "bad bytes")
        try:
            return base64.b64decode(v, validate=True)
        except ValueError:
            raise DecodeError("the observations are malformed: bad bytes") from None
    if tag in ("tuple", "set"):
        _fields(data, "v")
        _need(isinstance(v, list), f"a bad {tag}")
        items = [decode(x, depth + 1) for x in v]
        if tag == "tuple":
            return tuple(items)
        try:
            return set(items)
        except TypeError:
            raise DecodeError("the observations are malformed: a set of unhashable items") from None
    if tag == "dict":
        _fields(data, "v")
        _need(isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 for p in v), "a bad dict")
        try:
            return {decode(k, depth + 1): decode(x, depth + 1) for k, x in v}
        except TypeError:
            raise DecodeError("the observations are malformed: a dict with an unhashable key") from None
    try:
        if tag in ("datetime", "date"):
            _fields(data, "v")
            _need(isinstance(v, str) and len(v) <= 64, "a bad date")
            return getattr(datetime, tag).fromisoformat(v)
        if tag == "timedelta":
            _fields(data, "v")
            _need(isinstance(v, list) and len(v) == 3 and all(type(x) is int for x in v), "a bad timedelta")
            return datetime.timedelta(days=v[0], seconds=v[1], microseconds=v[2])
        if tag == "ndarray":
            return _decode_array(data, depth)
        return _decode_pandas(tag, data, depth)
    except DecodeError:
        raise
    except (ValueError, TypeError, OverflowError, KeyError, IndexError) as error:
        raise DecodeError(f"the observations are malformed: a bad {tag} ({type(error).__name__})") from None


def _dtype(text):
    import numpy as np

    _need(isinstance(text, str) and _DTYPE.match(text), "a bad dtype")
    dtype = np.dtype(text)
    _need(dtype.kind in _ARRAY_KINDS and dtype.fields is None and dtype.subdtype is None, "a dtype not allowed")
    return dtype


def _decode_array(data: dict, depth: int):
    import numpy as np

    _fields(data, "dtype", "shape", "v")
    dtype = _dtype(data["dtype"])
    shape, values = data["shape"], data["v"]
    _need(isinstance(shape, list) and len(shape) <= 32 and all(type(n) is int and n >= 0 for n in shape),
          "a bad shape")
    _need(isinstance(values, list) and len(values) == math.prod(shape), "an array whose shape does not match")
    if dtype.kind in "Mm":
        _need(all(type(x) is int for x in values), "bad dates")
        return np.array(values, dtype="int64").view(dtype).reshape(shape)
    if dtype.kind == "S":
        _need(all(isinstance(x, str) for x in values), "bad bytes")
        return np.array([base64.b64decode(x, validate=True) for x in values], dtype=dtype).reshape(shape)
    items = [decode(x, depth + 1) for x in values]
    if dtype.kind == "O":
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return array.reshape(shape)
    if dtype.kind == "U":
        _need(all(isinstance(x, str) for x in items), "bad text")
        return np.array(items, dtype=str).reshape(shape) if items else np.array(items, dtype=dtype).reshape(shape)
    _need(all(type(x) in (bool, int, float, complex) for x in items), "an array of numbers holding something else")
    return np.array(items, dtype=dtype).reshape(shape)


def _decode_pandas(tag: str, data: dict, depth: int):
    import pandas as pd

    if tag == "NaT":
        _fields(data, "v")
        return pd.NaT
    if tag == "Timestamp":
        _fields(data, "v")
        _need(isinstance(data["v"], str) and len(data["v"]) <= 64, "a bad timestamp")
        return pd.Timestamp(data["v"])
    if tag == "Timedelta":
        _fields(data, "v")
        _need(type(data["v"]) is int, "a bad timedelta")
        return pd.Timedelta(data["v"], unit="ns")
    name = decode(data.get("name"), depth + 1)
    if tag == "RangeIndex":
        _fields(data, "v", "name")
        v = data["v"]
        _need(isinstance(v, list) and len(v) == 3 and all(type(x) is int for x in v) and v[2] != 0, "a bad range")
        return pd.RangeIndex(v[0], v[1], v[2], name=name)
    if tag in ("Index", "Series"):
        _fields(data, "dtype", "v", "name", *(("index",) if tag == "Series" else ()))
        _need(isinstance(data["v"], dict) and data["v"].get("$") == "ndarray", f"a {tag} without values")
        values = _decode_array(data["v"], depth + 1)
        _need(values.ndim == 1, f"a {tag} of more than one dimension")
        _need(isinstance(data["dtype"], str) and _DTYPE.match(data["dtype"]), "a bad dtype")
        if tag == "Index":
            index = pd.Index(values, name=name)
            return index.astype(data["dtype"]) if str(index.dtype) != data["dtype"] else index
        index = decode(data["index"], depth + 1)
        _need(isinstance(index, pd.Index) and len(index) == len(values), "a series whose index does not match")
        series = pd.Series(values, index=index, name=name)
        return series.astype(data["dtype"]) if str(series.dtype) != data["dtype"] else series
    if tag == "DataFrame":
        _fields(data, "index", "columns", "v")
        index, columns = decode(data["index"], depth + 1), decode(data["columns"], depth + 1)
        _need(isinstance(index, pd.Index) and isinstance(columns, pd.Index), "a table without its labels")
        _need(isinstance(data["v"], list) and len(data["v"]) == len(columns), "a table whose columns do not match")
        series = [decode(s, depth + 1) for s in data["v"]]
        _need(all(isinstance(s, pd.Series) and len(s) == len(index) for s in series), "a table with bad columns")
        table = pd.concat([s.reset_index(drop=True) for s in series], axis=1) if series else pd.DataFrame(index=index)
        if series:
            table.columns = columns
            table.index = index
        return table
    raise DecodeError(f"the observations are malformed: an unknown tag {tag[:20]!r}")


def loads(text: str | bytes, max_bytes: int = MAX_BYTES):
    """The plain data of `dumps`' text; DecodeError when it is too large, not JSON, or not plain data."""
    _need(isinstance(text, (str, bytes)), "not text")
    if len(text) > max_bytes:
        raise DecodeError(f"the observations are larger than {max_bytes // 2**20} MiB")
    try:
        data = json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    except (ValueError, RecursionError):
        raise DecodeError("the observations are not valid JSON") from None
    try:
        return decode(data)
    except RecursionError:
        raise DecodeError("the observations nest too deeply") from None
