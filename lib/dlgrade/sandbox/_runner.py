"""The program that runs INSIDE the sandbox, and the wire format both sides speak.

Inside the sandbox this file is run as a script by a fresh ``python -I -S``:

    python -I -S /sandbox/runner.py --site /opt/dlsbx/site --nproc 32

It imports nothing from the course (the course library is not visible in the
sandbox): only the standard library and NumPy. It sets its own process limit,
moves the protocol off stdin/stdout (so that ``print`` in a student's code
cannot corrupt it), executes the student's answer code in one fresh
namespace, then serves the grader's requests until stdin closes.

The grader imports this module for :func:`encode`, :func:`decode`,
:func:`send` and :func:`recv`, so both sides share one definition of the
format. Everything that crosses is data: ``None``, ``bool``, ``int``,
``float``, ``complex``, ``str``, ``bytes``, lists, tuples, sets, dicts, NumPy
arrays of numbers, booleans or strings (dtype and shape in the header, the raw
bytes as a blob, rebuilt with ``np.frombuffer``), NumPy scalars and dtypes, slices, and the state of a ``numpy.random.Generator``. Only exact
types count (a ``float`` subclass with a doctored ``__eq__`` is not data).
Anything else that the student's code returns stays in the sandbox and is
named by a handle number; a function that the grader passes (the test's
``f`` in ``numerical_gradient(f, x)``) stays in the grader and is called back.

Messages: 4-byte length + JSON header, then the header's blobs (each 8-byte
length + bytes). Nothing is ever unpickled.
"""

from __future__ import annotations

import builtins
import json
import os
import struct
import sys
import traceback
import warnings

MAX_MESSAGE = 256 * 1024 * 1024   # bytes in one message (all blobs together)
MAX_DEPTH = 40                    # nesting of containers
MAX_ITEMS = 200_000               # container items in one message


class WireError(Exception):
    """A message that breaks the format or its limits."""


# --------------------------------------------------------------------------- framing

def _read_exact(fh, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = fh.read(left)
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send(fh, header: dict, blobs: list[bytes]) -> None:
    head = json.dumps({**header, "nblobs": len(blobs)}, separators=(",", ":")).encode()
    parts = [struct.pack("<I", len(head)), head]
    for blob in blobs:
        parts.append(struct.pack("<Q", len(blob)))
        parts.append(blob)
    view = memoryview(b"".join(parts))
    while view:
        n = fh.write(view)
        view = view[n if n is not None else 0:]
    fh.flush()


def recv(fh, limit: int = MAX_MESSAGE) -> tuple[dict, list[bytes]]:
    (n,) = struct.unpack("<I", _read_exact(fh, 4))
    if n > limit:
        raise WireError(f"message header of {n} bytes is larger than the limit")
    header = json.loads(_read_exact(fh, n).decode())
    if not isinstance(header, dict):
        raise WireError("message header is not an object")
    nblobs = header.get("nblobs", 0)
    if not isinstance(nblobs, int) or not 0 <= nblobs <= MAX_ITEMS:
        raise WireError("bad blob count")
    blobs, total = [], n
    for _ in range(nblobs):
        (size,) = struct.unpack("<Q", _read_exact(fh, 8))
        total += size
        if total > limit:
            raise WireError(f"message larger than the limit of {limit} bytes")
        blobs.append(_read_exact(fh, size))
    return header, blobs


# --------------------------------------------------------------------------- values

def _np():
    import numpy
    return numpy


def _array_tree(a, blob_index: int) -> dict:
    return {"dtype": a.dtype.str, "shape": list(a.shape), "b": blob_index}


def _array_bytes(a) -> bytes:
    """Raw C-order bytes of a plain array (its dtype and shape travel in the JSON header)."""
    np = _np()
    return np.ascontiguousarray(a).tobytes()


def _array_from(tree: dict, blobs: list[bytes]):
    np = _np()
    dt = np.dtype(str(tree["dtype"]))
    if dt.hasobject or dt.fields is not None or dt.subdtype is not None or dt.kind not in "biufcmMUS":
        raise WireError(f"arrays of dtype {dt} do not cross")
    shape = tree["shape"]
    if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("bad array shape")
    blob = blobs[int(tree["b"])]
    count = 1
    for n in shape:
        count *= n
    if count * dt.itemsize != len(blob):
        raise WireError("array data does not match its shape")
    return np.frombuffer(blob, dtype=dt).reshape(shape).copy()


def _is_plain_array(x) -> bool:
    np = sys.modules.get("numpy")
    return (np is not None and type(x) is np.ndarray and x.dtype.kind in "biufcmMUS"
            and x.dtype.fields is None and x.dtype.subdtype is None)


def _is_plain_scalar(x) -> bool:
    np = sys.modules.get("numpy")
    return (np is not None and isinstance(x, np.generic) and type(x).__module__ == "numpy"
            and not isinstance(x, np.object_) and not isinstance(x, np.void))


def _is_generator(x) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and type(x) is np.random.Generator


class Encoder:
    """Turns a value into a JSON tree plus blobs.

    ``other(x)`` is called for anything that is not data and returns its tree
    (a handle or a callback), or raises ``WireError``.
    """

    def __init__(self, other):
        self.other = other
        self.blobs: list[bytes] = []
        self.items = 0

    def blob(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    def __call__(self, x, depth: int = 0):
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            raise WireError("value nested too deeply or too large to send")
        t = type(x)
        if x is None:
            return {"t": "none"}
        if x is Ellipsis:
            return {"t": "ellipsis"}
        if t is bool:
            return {"t": "bool", "v": x}
        if t is int:
            return {"t": "int", "v": str(x)}
        if t is float:
            return {"t": "float", "v": x.hex()}
        if t is complex:
            return {"t": "complex", "re": x.real.hex(), "im": x.imag.hex()}
        if t is str:
            return {"t": "str", "v": x}
        if t is bytes:
            return {"t": "bytes", "b": self.blob(x)}
        if t in (list, tuple, set, frozenset):
            return {"t": t.__name__, "items": [self(v, depth + 1) for v in x]}
        if t is dict:
            return {"t": "dict", "items": [[self(k, depth + 1), self(v, depth + 1)] for k, v in x.items()]}
        if t is slice:
            return {"t": "slice", "items": [self(x.start, depth + 1), self(x.stop, depth + 1),
                                            self(x.step, depth + 1)]}
        if _is_plain_array(x):
            return {"t": "ndarray", **_array_tree(x, self.blob(_array_bytes(x)))}
        if _is_plain_scalar(x):
            return {"t": "npscalar", **_array_tree(_np().asarray(x), self.blob(_array_bytes(_np().asarray(x))))}
        np = sys.modules.get("numpy")
        if (np is not None and isinstance(x, np.dtype) and t.__module__ in ("numpy", "numpy.dtypes")
                and x.fields is None and not x.hasobject):
            return {"t": "dtype", "v": x.str}
        if (np is not None and isinstance(x, type) and issubclass(x, np.generic)
                and x.__module__ == "numpy" and not issubclass(x, (np.object_, np.void))):
            return {"t": "nptype", "v": np.dtype(x).str}
        if _is_generator(x):
            bg = x.bit_generator
            return {"t": "rng", "bitgen": type(bg).__name__, "state": self(bg.state, depth + 1)}
        return self.other(x)


def encode(x, other) -> tuple[dict, list[bytes]]:
    enc = Encoder(other)
    tree = enc(x)
    return tree, enc.blobs


_BITGENS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")


def _int(tree):
    v = tree["v"]
    if not isinstance(v, str) or len(v) > 5000:
        raise WireError("bad integer")
    return int(v)


def _str(tree):
    if not isinstance(tree["v"], str):
        raise WireError("bad string")
    return tree["v"]


def _scalar(tree, blobs):
    arr = _array_from(tree, blobs)
    if arr.ndim != 0:
        raise WireError("a NumPy scalar must be a 0-d array")
    return arr[()]


def _dtype(tree):
    dt = _np().dtype(str(tree["v"]))
    if dt.hasobject or dt.fields is not None:
        raise WireError("only simple dtypes cross")
    return dt if tree["t"] == "dtype" else dt.type


_CONTAINERS = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}
_LEAVES = {  # tag -> (tree, blobs) -> value, for values without nested values
    "none": lambda tree, blobs: None,
    "ellipsis": lambda tree, blobs: Ellipsis,
    "bool": lambda tree, blobs: bool(tree["v"] is True),
    "int": lambda tree, blobs: _int(tree),
    "float": lambda tree, blobs: float.fromhex(str(tree["v"])),
    "complex": lambda tree, blobs: complex(float.fromhex(str(tree["re"])), float.fromhex(str(tree["im"]))),
    "str": lambda tree, blobs: _str(tree),
    "bytes": lambda tree, blobs: bytes(blobs[int(tree["b"])]),
    "ndarray": _array_from,
    "npscalar": _scalar,
    "dtype": lambda tree, blobs: _dtype(tree),
    "nptype": lambda tree, blobs: _dtype(tree),
}


class Decoder:
    """Builds values from a JSON tree and blobs; ``other(tree)`` handles the "h" and "cb" tags."""

    def __init__(self, blobs: list[bytes], other):
        self.blobs = blobs
        self.other = other
        self.items = 0

    def __call__(self, tree, depth: int = 0):
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS or not isinstance(tree, dict):
            raise WireError("malformed or oversized value")
        t = tree.get("t")
        if t in _LEAVES:
            return _LEAVES[t](tree, self.blobs)
        if t in _CONTAINERS:
            return _CONTAINERS[t]([self(v, depth + 1) for v in tree["items"]])
        if t == "dict":
            return {self(k, depth + 1): self(v, depth + 1) for k, v in tree["items"]}
        if t == "slice":
            return slice(*(self(v, depth + 1) for v in tree["items"]))
        if t == "rng":
            return self._generator(tree, depth)
        if t in ("h", "cb"):
            return self.other(tree)
        raise WireError(f"unknown value tag {t!r}")

    def _generator(self, tree, depth: int):
        name = tree["bitgen"]
        if name not in _BITGENS:
            raise WireError(f"unknown bit generator {name!r}")
        np = _np()
        bg = getattr(np.random, name)()
        bg.state = self(tree["state"], depth + 1)
        return np.random.Generator(bg)


def decode(tree, blobs, other):
    return Decoder(blobs, other)(tree)


def walk_paths(x, path=(), depth=0):
    """Yield (path, leaf) for every array and Generator inside lists, tuples and dicts of ``x``."""
    if depth > MAX_DEPTH:
        return
    if _is_plain_array(x) or _is_generator(x):
        yield path, x
    elif type(x) in (list, tuple):
        for i, v in enumerate(x):
            yield from walk_paths(v, path + (i,), depth + 1)
    elif type(x) is dict:
        for k, v in x.items():
            if type(k) in (str, int):
                yield from walk_paths(v, path + (k,), depth + 1)


# --------------------------------------------------------------------------- the sandbox side

class _Stub:
    """``get_ipython()`` for answer cells that contain magics: every magic is ignored."""

    def __getattr__(self, name):
        return lambda *a, **k: None


class Server:
    """Executes the answer code and answers the grader's requests."""

    def __init__(self, rfile, wfile):
        self.rfile, self.wfile = rfile, wfile
        self.objects: dict[int, object] = {}
        self.ids: dict[int, int] = {}
        self.ns: dict = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": _Stub}

    # -- values
    def _other_out(self, x):
        key = id(x)
        if key not in self.ids:
            self.ids[key] = len(self.objects) + 1
            self.objects[self.ids[key]] = x
        hid = self.ids[key]
        return {"t": "h", "id": hid, "callable": callable(x), "type": type(x).__name__[:80]}

    def _other_in(self, tree):
        if tree["t"] == "h":
            hid = int(tree["id"])
            if hid not in self.objects:
                raise WireError(f"unknown handle {hid}")
            return self.objects[hid]
        cb = int(tree["id"])
        server = self

        def callback(*args, **kwargs):
            return server.callback(cb, args, kwargs)
        callback.__name__ = f"callback_{cb}"
        return callback

    def encode(self, x):
        return encode(x, self._other_out)

    def decode(self, tree, blobs):
        return decode(tree, blobs, self._other_in)

    # -- messages
    def reply(self, header, value=None, extra_blobs=None):
        send(self.wfile, header, extra_blobs or [])

    def error_reply(self, exc: BaseException) -> None:
        frames = traceback.extract_tb(exc.__traceback__)
        where = None
        for fr in reversed(frames):
            if fr.filename.startswith("<answer "):
                where = [fr.filename, fr.lineno]
                break
        tb = "".join(traceback.format_exception_only(type(exc), exc))[-4000:]
        send(self.wfile, {"status": "error", "etype": type(exc).__name__,
                          "builtin": getattr(builtins, type(exc).__name__, None) is type(exc),
                          "message": str(exc)[:4000], "where": where, "tb": tb}, [])

    def callback(self, cb: int, args, kwargs):
        tree, blobs = encode([list(args), kwargs], lambda x: self._other_out(x))
        send(self.wfile, {"op": "callback", "id": cb, "value": tree}, blobs)
        return self.wait()

    def wait(self):
        """Serve requests until the reply to our own request comes (callbacks nest)."""
        while True:
            header, blobs = recv(self.rfile)
            if header.get("op") is None:  # a reply to a callback
                if header.get("status") == "ok":
                    return self.decode(header["value"], blobs)
                exc_type = getattr(builtins, str(header.get("etype")), None)
                if not (isinstance(exc_type, type) and issubclass(exc_type, Exception)):
                    exc_type = RuntimeError
                raise exc_type(header.get("message", "the grader's function failed"))
            self.handle(header, blobs)

    def serve(self):
        while True:
            try:
                header, blobs = recv(self.rfile)
            except EOFError:
                return
            self.handle(header, blobs)

    def handle(self, header, blobs):
        op = header.get("op")
        try:
            if op == "load":
                self.load(header)
            elif op == "call":
                self.call(header, blobs)
            elif op == "getattr":
                obj = self.objects[int(header["id"])]
                tree, out = self.encode(getattr(obj, str(header["name"])))
                send(self.wfile, {"status": "ok", "value": tree}, out)
            elif op == "names":
                result = {}
                blobs_out: list[bytes] = []
                enc = Encoder(self._other_out)
                for name in header["names"]:
                    if name in self.ns:
                        result[name] = enc(self.ns[name])
                    else:
                        result[name] = None
                send(self.wfile, {"status": "ok", "names": result}, enc.blobs)
            else:
                raise WireError(f"unknown request {op!r}")
        except (WireError, EOFError):
            raise
        except BaseException as exc:  # noqa: BLE001 - every failure of student code is reported
            self.error_reply(exc)

    def load(self, header):
        errors = {}
        for cell in header["cells"]:
            gid, code = str(cell["id"]), str(cell["code"])
            send(self.wfile, {"status": "progress", "id": gid}, [])  # who to blame if the process dies now
            try:
                exec(compile(code, f"<answer {gid}>", "exec"), self.ns)
            except BaseException as exc:  # noqa: BLE001 - a broken cell breaks only itself
                frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<answer ")]
                line = f" (line {frames[-1].lineno})" if frames else ""
                errors[gid] = f"{type(exc).__name__}: {str(exc)[:2000]}{line}"
        send(self.wfile, {"status": "ok", "errors": errors}, [])

    def call(self, header, blobs):
        np = _np()
        fn = self.objects[int(header["id"])]
        args, kwargs = self.decode(header["value"], blobs)
        watched = [(p, v, v.copy() if _is_plain_array(v) else None) for p, v in walk_paths([args, kwargs])]
        errstate = {k: v for k, v in (header.get("errstate") or {}).items()
                    if k in ("divide", "over", "under", "invalid") and v in ("ignore", "warn", "raise", "call",
                                                                           "print", "log")}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(**errstate):
                out = fn(*args, **kwargs)
        changed = []
        for path, now, before in watched:
            if before is None:  # a Generator: its new state always goes back
                changed.append([list(path), now])
            elif not (now.shape == before.shape and now.dtype == before.dtype
                      and np.array_equal(now, before, equal_nan=now.dtype.kind in "fc")):
                changed.append([list(path), now.copy()])
        caught_out = [[w.category.__name__[:80], str(w.message)[:2000]] for w in caught[:50]]
        tree, out_blobs = self.encode([out, changed, caught_out])
        send(self.wfile, {"status": "ok", "value": tree}, out_blobs)


def _limit_processes(n: int) -> None:
    import resource
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
    except (ValueError, OSError):
        pass


def main(argv: list[str]) -> int:
    site, nproc = None, 0
    it = iter(argv)
    for arg in it:
        if arg == "--site":
            site = next(it)
        elif arg == "--nproc":
            nproc = int(next(it))
    if nproc > 0:
        _limit_processes(nproc)
    # The protocol keeps private copies of fds 0 and 1; the student's prints go to stderr.
    rfile = os.fdopen(os.dup(0), "rb", buffering=0)
    wfile = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if site:
        # allowed sys.path edit: `python -I -S` in the sandbox sees only this mounted site folder
        sys.path.insert(0, site)
    import numpy  # noqa: F401 - fail here, before any student code, if NumPy is missing
    server = Server(_Reader(rfile), wfile)
    send(wfile, {"status": "ready", "pid": os.getpid()}, [])
    server.serve()
    return 0


class _Reader:
    """A buffered-enough reader over a raw file descriptor."""

    def __init__(self, raw):
        self.raw = raw

    def read(self, n):
        return self.raw.read(n)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
