"""ModelDeck's Python script host: runs one predictor/transformer script for the ModelDeck server.

One long-lived process per script instance, started by server/scripts/python/pythonProcess.ts as
``<python> modeldeck_host.py``. Standard library only (Python >= 3.8); numpy is used when it imports
(tensors then arrive as numpy arrays), pandas only when the script itself imported it.

The channel is the process's stdin (requests) and stdout (responses). Right after start the host
writes the line ``MODELDECK-FRAMES/1`` to stdout; frames follow. Anything before that line (a noisy
sitecustomize, say) is not a frame. Both directions use the same frame, counted in BYTES:

    u32 LE  N = number of bytes that follow this field (4 + H + B)
    u32 LE  H = length of the JSON header
    H bytes UTF-8 JSON: one ScriptRequest / ScriptResponse (server/scripts/scriptProtocol.ts),
            padded with spaces so that the binary section starts 8-aligned within the frame
    B bytes binary section: the raw little-endian contents of numeric tensors, each 8-aligned

A tensor anywhere inside the JSON is
    {"__tensor__": true, "datatype": "FP32", "shape": [2, 3], "data": {"offset": 0, "length": 24}}
with offset/length in bytes relative to the binary section; a BYTES tensor carries its elements as a
JSON list of strings instead. A non-finite float outside tensors is {"__float__": "NaN"} (or
"Infinity", "-Infinity"): JSON has no such numbers.

The script's own output never reaches the frame stream: the frame fds are private duplicates made at
start, sys.stdout/sys.stderr are replaced by writers that send 'log' messages line by line, fd 1 (what
subprocesses and C code write to) is a pipe drained into 'log' messages, fd 0 is /dev/null, and a
logging handler on the root logger forwards records with their level and logger name. fd 2 stays the
process's stderr: the server turns whatever arrives there (an interpreter crash) into error logs.

Lifecycle: one 'load' per process. After 'load-failed' the host keeps running (calls are answered
with an error) until it is closed or killed; a second 'load' is refused: start a new host. Calls are
handled one at a time. 'close' or EOF on stdin ends the process with exit code 0.

Streaming (LLM predictors): a 'call' with "stream": true runs the method as an asyncio task; when
it returns an async iterator (or a plain iterator), each item goes out as a 'chunk' and the call
ends with 'end'; a plain value is a 'result'. While a stream runs, the main thread is inside the
event loop, so from the first streaming call on a reader thread reads the frames: a 'cancel' for
the running call cancels its task (the generator sees CancelledError at its await, its finally
blocks run, the call ends with 'end' cancelled); everything else queues for the main thread as
before. Hosts that never stream never start that thread. Pydantic models (kserve's OpenAI request
and response types, when the kserve package is installed) cross as plain dicts: a method whose first
parameter is annotated with such a class gets the request as that class.
"""

import io
import json
import math
import os
import struct
import sys
import threading
import time

MAGIC = b"MODELDECK-FRAMES/1\n"
MAX_LOG_CHARS = 1 << 20  # longer lines are sent in pieces
SCRIPT_METHODS = (
    "predict",
    "classify",
    "regress",
    "preprocess",
    "postprocess",
    "create_completion",
    "create_chat_completion",
    "apply_chat_template",
)

# datatype -> (struct format char, numpy dtype, item size)
DATATYPES = {
    "BOOL": ("?", "|b1", 1),
    "UINT8": ("B", "|u1", 1),
    "UINT16": ("H", "<u2", 2),
    "UINT32": ("I", "<u4", 4),
    "UINT64": ("Q", "<u8", 8),
    "INT8": ("b", "|i1", 1),
    "INT16": ("h", "<i2", 2),
    "INT32": ("i", "<i4", 4),
    "INT64": ("q", "<i8", 8),
    "FP16": ("e", "<f2", 2),
    "FP32": ("f", "<f4", 4),
    "FP64": ("d", "<f8", 8),
}
# numpy (kind, itemsize) -> datatype
DATATYPE_OF = {
    ("b", 1): "BOOL",
    ("u", 1): "UINT8",
    ("u", 2): "UINT16",
    ("u", 4): "UINT32",
    ("u", 8): "UINT64",
    ("i", 1): "INT8",
    ("i", 2): "INT16",
    ("i", 4): "INT32",
    ("i", 8): "INT64",
    ("f", 2): "FP16",
    ("f", 4): "FP32",
    ("f", 8): "FP64",
}
# memoryview.cast knows these natively (no 'e', and bool is safer through struct)
CASTABLE = set("bBhHiIqQfd") if sys.byteorder == "little" else set()

np = None  # numpy, imported at 'load' (after the script's environment is set)
_pack = struct.Struct("<II").pack
_unpack = struct.Struct("<II").unpack
_out_fd = -1
_in = None
_write_lock = threading.Lock()
_binary = b""  # binary section of the frame being decoded (for _object_hook)


# ---------------------------------------------------------------------------------------------
# frames


def _write_all(data):
    view = memoryview(data)
    while len(view):
        n = os.write(_out_fd, view)
        view = view[n:]


def _write_frame(header, parts, binary_length):
    pad = (-(8 + len(header))) % 8
    if pad:
        header += b" " * pad
    pre = _pack(4 + len(header) + binary_length, len(header))
    with _write_lock:
        if not parts:
            _write_all(pre + header)
            return
        chunks = [pre, header]
        at = 0
        for offset, view in parts:
            if offset > at:
                chunks.append(b"\0" * (offset - at))
            chunks.append(view)
            at = offset + view.nbytes
        if binary_length < (1 << 18):
            _write_all(b"".join(chunks))
        else:  # big tensors: no joined copy
            for c in chunks:
                _write_all(c)


def _read_frame():
    """Next request, or None at EOF."""
    global _binary
    pre = _in.read(8)
    if len(pre) < 8:
        return None
    total, header_length = _unpack(pre)
    header = _in.read(header_length)
    if len(header) < header_length:
        return None
    length = total - 4 - header_length
    if length > 0:
        buf = bytearray(length)  # fresh per frame: arrays given to the script point into it
        view = memoryview(buf)
        got = 0
        while got < length:
            n = _in.readinto(view[got:])
            if not n:
                return None
            got += n
        _binary = buf
    else:
        _binary = b""
    try:
        return json.loads(header, object_hook=_object_hook)
    finally:
        _binary = b""


class Unsendable(Exception):
    """A value that cannot cross back to the server."""

    def __init__(self, value):
        Exception.__init__(self)
        self.value = value
        self.path = []


def _encoder(parts, state):
    def default(o):
        if np is not None:
            if isinstance(o, np.ndarray):
                return _tensor_of(o, parts, state)
            if isinstance(o, np.generic):
                v = o.item()
                if isinstance(v, (bytes, bytearray)):
                    return v.decode("utf-8", "replace")
                return v
        pd = sys.modules.get("pandas")
        if pd is not None:
            if isinstance(o, pd.DataFrame):
                # column order kept; iloc, not o[c]: column names may repeat
                return {str(c): o.iloc[:, i].to_numpy() for i, c in enumerate(o.columns)}
            if isinstance(o, pd.Series):
                return o.to_numpy()
        raise Unsendable(o)

    return json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=default)


def _tensor_of(a, parts, state):
    shape = list(a.shape)
    kind = a.dtype.kind
    if kind in "USO":
        flat = a.reshape(-1).tolist()
        if kind == "O" and not all(isinstance(x, (str, bytes)) for x in flat):
            return a.tolist()  # a ragged/mixed object array: plain nested values
        data = [x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in flat]
        return {"__tensor__": True, "datatype": "BYTES", "shape": shape, "data": data}
    datatype = DATATYPE_OF.get((kind, a.dtype.itemsize))
    if datatype is None:
        raise Unsendable(a)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    a = np.ascontiguousarray(a)
    view = memoryview(a.reshape(-1).view(np.uint8))
    offset = (state[0] + 7) & ~7
    parts.append((offset, view))
    state[0] = offset + view.nbytes
    return {"__tensor__": True, "datatype": datatype, "shape": shape, "data": {"offset": offset, "length": view.nbytes}}


def _finite(v):
    """v with non-finite floats (outside tensors) replaced by {"__float__": ...} markers."""
    if isinstance(v, float):
        if math.isfinite(v):
            return v
        return {"__float__": "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")}
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    if np is not None and isinstance(v, np.floating):
        return _finite(float(v))
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(v, pd.DataFrame):
        return {str(c): _finite(v.iloc[:, i].to_numpy()) for i, c in enumerate(v.columns)}
    if np is not None and isinstance(v, np.ndarray) and v.dtype.kind == "O":
        return _finite(v.tolist())
    return v


def _find_unsendable(v, path):
    """Where in v the first value is that cannot be sent (for the error message)."""
    if v is None or isinstance(v, (str, int, float, bool)):
        return None
    if isinstance(v, dict):
        for k, x in v.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                return (path, k, "a dict key of type %s" % _type_name(k))
            found = _find_unsendable(x, path + "[%r]" % (k,))
            if found:
                return found
        return None
    if isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            found = _find_unsendable(x, "%s[%d]" % (path, i))
            if found:
                return found
        return None
    if np is not None and isinstance(v, np.ndarray):
        if v.dtype.kind == "O":
            return _find_unsendable(v.tolist(), path)
        if v.dtype.kind in "US" or (v.dtype.kind, v.dtype.itemsize) in DATATYPE_OF:
            return None
        return (path, v, "a numpy array of dtype %s" % v.dtype)
    if np is not None and isinstance(v, np.generic):
        return None if isinstance(v.item(), (str, bytes, int, float, bool)) else (path, v, None)
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(v, pd.DataFrame):
        for i, c in enumerate(v.columns):
            found = _find_unsendable(v.iloc[:, i].to_numpy(), "%s[%r]" % (path, str(c)))
            if found:
                return found
        return None
    if pd is not None and isinstance(v, pd.Series):
        return _find_unsendable(v.to_numpy(), path)
    return (path, v, None)


def send(msg):
    """Encodes msg (tensors to the binary section) and writes it as one frame."""
    parts = []
    state = [0]
    try:
        header = _encoder(parts, state).encode(msg)
    except ValueError:  # a NaN/Infinity float outside tensors
        parts, state = [], [0]
        header = _encoder(parts, state).encode(_finite(msg))
    try:
        data = header.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (e.g. undecodable file names)
        data = header.encode("utf-8", "replace")
    _write_frame(data, parts, state[0])


def _object_hook(d):
    if "__tensor__" in d:
        return _decode_tensor(d)
    if "__float__" in d and len(d) == 1:
        return float(d["__float__"])
    return d


def _decode_tensor(d):
    datatype = d["datatype"]
    shape = d["shape"]
    data = d["data"]
    if datatype == "BYTES":
        if np is not None:
            arr = np.empty(len(data), dtype=object)
            arr[:] = data
            return arr.reshape(shape)
        return _nest(data, shape)
    fmt, dtype, size = DATATYPES[datatype]
    offset = data["offset"]
    count = data["length"] // size
    if np is not None:
        return np.frombuffer(_binary, dtype=dtype, count=count, offset=offset).reshape(shape)
    if fmt in CASTABLE:
        flat = memoryview(_binary)[offset : offset + count * size].cast(fmt).tolist()
    else:
        flat = list(struct.unpack_from("<%d%s" % (count, fmt), _binary, offset))
    return _nest(flat, shape)


def _nest(flat, shape):
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return flat
    step = 1
    for s in shape[1:]:
        step *= s
    rest = shape[1:]
    return [_nest(flat[i * step : (i + 1) * step], rest) for i in range(shape[0])]


# ---------------------------------------------------------------------------------------------
# output of the script -> 'log' messages


def send_log(level, message, source, logger=None):
    msg = {"type": "log", "level": level, "message": message, "source": source}
    if logger is not None:
        msg["logger"] = logger
    try:
        send(msg)
    except OSError:  # the server is gone; the read loop sees EOF and ends the process
        pass


class _LogWriter(io.TextIOBase):
    """sys.stdout / sys.stderr: one 'log' message per line."""

    def __init__(self, source, level, fd):
        io.TextIOBase.__init__(self)
        self._source = source
        self._level = level
        self._fd = fd
        self._pending = []
        self._pending_chars = 0
        self._lock = threading.RLock()
        self.buffer = _ByteWriter(self)

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "replace"

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        return self._fd

    def flush(self):
        pass  # partial lines go out at the end of each call (drain), not on every flush

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        with self._lock:
            if "\n" not in s:
                if s:
                    self._pending.append(s)
                    self._pending_chars += len(s)
                    if self._pending_chars >= MAX_LOG_CHARS:
                        self.drain()
                return len(s)
            if self._pending:
                text = "".join(self._pending) + s
                self._pending = []
                self._pending_chars = 0
            else:
                text = s
            lines = text.split("\n")
            rest = lines.pop()
            for line in lines:
                self._emit(line)
            if rest:
                self._pending.append(rest)
                self._pending_chars = len(rest)
        return len(s)

    def drain(self):
        with self._lock:
            if self._pending:
                text = "".join(self._pending)
                self._pending = []
                self._pending_chars = 0
                self._emit(text)

    def _emit(self, line):
        if line.endswith("\r"):
            line = line[:-1]
        for i in range(0, max(len(line), 1), MAX_LOG_CHARS):
            send_log(self._level, line[i : i + MAX_LOG_CHARS], self._source)


class _ByteWriter(object):
    """sys.stdout.buffer for scripts that write bytes."""

    def __init__(self, writer):
        import codecs

        self._writer = writer
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def write(self, b):
        self._writer.write(self._decoder.decode(bytes(b)))
        return len(b)

    def flush(self):
        pass

    def writable(self):
        return True


def _drain_fd(fd, source, level):
    """Thread: what C code and subprocesses write to fd 1 -> 'log' messages."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return
        if not data:
            if pending:
                send_log(level, pending, source)
            return
        text = pending + decoder.decode(data)
        lines = text.split("\n")
        pending = lines.pop()
        for line in lines:
            send_log(level, line.rstrip("\r"), source)
        if len(pending) >= MAX_LOG_CHARS:
            send_log(level, pending, source)
            pending = ""


def _level_of(levelno):
    if levelno < 20:
        return "debug"
    if levelno < 30:
        return "info"
    if levelno < 40:
        return "warn"
    return "error"


def _install_logging():
    import logging

    class ForwardHandler(logging.Handler):
        def emit(self, record):
            try:
                message = self.format(record)
            except Exception:
                self.handleError(record)
                return
            send_log(_level_of(record.levelno), message, "logging", record.name)

    handler = ForwardHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    original = logging.basicConfig

    def basic_config(**kwargs):
        # Our handler makes the stock basicConfig a no-op (root already has a handler): apply the
        # level and format to it; a file or extra handlers are added beside it.
        if "level" in kwargs:
            root.setLevel(kwargs["level"])
        if "format" in kwargs or "datefmt" in kwargs:
            style = kwargs.get("style", "%")
            handler.setFormatter(logging.Formatter(kwargs.get("format"), kwargs.get("datefmt"), style))
        if "filename" in kwargs or "handlers" in kwargs:
            extra = dict(kwargs)
            extra.pop("stream", None)
            extra["force"] = True
            original(**extra)
            if handler not in root.handlers:
                root.addHandler(handler)

    logging.basicConfig = basic_config


def _setup_io():
    """Keeps private fds for frames and points everything the script may print elsewhere."""
    global _out_fd, _in
    in_fd = os.dup(0)  # dup'd fds are not inherited by subprocesses
    _out_fd = os.dup(1)
    if os.name == "nt":
        import msvcrt

        msvcrt.setmode(in_fd, os.O_BINARY)
        msvcrt.setmode(_out_fd, os.O_BINARY)
    _in = os.fdopen(in_fd, "rb", buffering=1 << 16)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    r, w = os.pipe()
    os.dup2(w, 1)
    os.close(w)
    if os.name == "nt":  # subprocesses take the Win32 std handles, not the CRT fds
        try:
            import ctypes
            import msvcrt

            kernel32 = ctypes.windll.kernel32
            kernel32.SetStdHandle(-10, msvcrt.get_osfhandle(0))
            kernel32.SetStdHandle(-11, msvcrt.get_osfhandle(1))
        except Exception:
            pass
    t = threading.Thread(target=_drain_fd, args=(r, "stdout", "info"), name="modeldeck-fd1", daemon=True)
    t.start()
    sys.stdin = open(os.devnull, "r")
    sys.stdout = _LogWriter("stdout", "info", 1)
    sys.stderr = _LogWriter("stderr", "error", 2)
    try:  # Ctrl+C in a terminal reaches the whole process group: the server ends its hosts itself
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except Exception:
        pass
    _install_logging()
    _write_all(MAGIC)


def _drain_output():
    """Sends partial lines still held by the stdout/stderr writers (before a reply, so logs come first)."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, _LogWriter):
            stream.drain()


# ---------------------------------------------------------------------------------------------
# the script


class Host(object):
    def __init__(self):
        self.instance = None
        self.load_requested = False
        self.methods = {}
        self.loop = None
        self.requests = None  # queue.Queue fed by the reader thread, once a stream started it
        self._stream_lock = threading.Lock()
        self._stream = None  # (call id, asyncio task) of the running streaming call
        self._cancelled = set()  # cancels that arrived before their call started
        self._last_started = 0  # id of the last streaming call started (ids only grow)

    def next_request(self):
        """The next request (None at EOF); raises what reading raised."""
        if self.requests is None:
            return _read_frame()
        item = self.requests.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def _start_reader(self):
        import queue

        if self.requests is not None:
            return
        self.requests = queue.Queue()
        t = threading.Thread(target=self._read_loop, name="modeldeck-reader", daemon=True)
        t.start()

    def _read_loop(self):
        while True:
            try:
                req = _read_frame()
            except (ValueError, OSError) as e:
                self.cancel(None)
                self.requests.put(e)
                return
            if req is None:
                self.cancel(None)  # the server is gone: stop generating
                self.requests.put(None)
                return
            if req.get("type") == "cancel":
                self.cancel(req.get("id"))
                continue
            self.requests.put(req)

    def cancel(self, call_id):
        """Reader thread: cancels the running streaming call `call_id` (None: whichever runs)."""
        with self._stream_lock:
            running = self._stream
            if running is not None and (call_id is None or running[0] == call_id):
                self.loop.call_soon_threadsafe(running[1].cancel)
            elif isinstance(call_id, int) and call_id > self._last_started:
                self._cancelled.add(call_id)  # its call is on its way (a cancel for an ended call is dropped)

    def stream(self, req):
        import asyncio

        call_id = req.get("id")
        method = req.get("method")
        t0 = time.perf_counter()
        self._start_reader()
        try:
            fn = self.methods.get(method)
            if fn is None:
                fn = self._method(method)
            args = _typed_args(fn, list(req.get("args") or ()))
        except BaseException as e:
            _drain_output()
            self._error(call_id, e)
            return
        loop = self._event_loop()
        task = loop.create_task(self._run_stream(fn, args, call_id, method, t0))
        with self._stream_lock:
            self._stream = (call_id, task)
            if isinstance(call_id, int):
                self._last_started = max(self._last_started, call_id)
            if call_id in self._cancelled:
                self._cancelled.discard(call_id)
                task.cancel()
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:  # cancelled before it started
            send({"type": "end", "id": call_id, "computeMs": (time.perf_counter() - t0) * 1000.0, "cancelled": True})
        finally:
            with self._stream_lock:
                self._stream = None

    async def _run_stream(self, fn, args, call_id, method, t0):
        import asyncio
        import inspect

        it = None
        try:
            value = fn(*args)
            if inspect.isawaitable(value):
                value = await value
            if hasattr(value, "__aiter__"):
                it = value
                async for item in value:
                    _drain_output()
                    _send_chunk(call_id, method, item)
            elif _is_iterator(value):
                it = value
                for item in value:
                    _drain_output()
                    _send_chunk(call_id, method, item)
                    await asyncio.sleep(0)  # a cancel gets in between items
            else:
                _drain_output()
                self._send_result(call_id, method, _plain(value), (time.perf_counter() - t0) * 1000.0)
                return
        except asyncio.CancelledError:
            await _close_iterator(it)
            _drain_output()
            send({"type": "end", "id": call_id, "computeMs": (time.perf_counter() - t0) * 1000.0, "cancelled": True})
            return
        except Exception as e:
            await _close_iterator(it)
            _drain_output()
            self._error(call_id, e)
            return
        _drain_output()
        send({"type": "end", "id": call_id, "computeMs": (time.perf_counter() - t0) * 1000.0})

    def load(self, req):
        global np
        if self.load_requested:
            send({"type": "load-failed", "message": "this host has already loaded a script: start a new host"})
            return
        self.load_requested = True
        script = os.path.abspath(req["scriptPath"])
        role = req.get("role", "predictor")
        t0 = time.perf_counter()
        try:
            os.environ.update({str(k): str(v) for k, v in (req.get("env") or {}).items()})
            try:
                import numpy  # after the environment: OMP_NUM_THREADS & co. apply at import

                np = numpy
            except Exception:
                np = None
            cwd = req.get("cwd") or os.path.dirname(script)
            os.chdir(cwd)
            folder = os.path.dirname(script)
            if folder in sys.path:
                sys.path.remove(folder)
            sys.path.insert(0, folder)
            module = self._import(script)
            names = ("Predictor", "Predict") if role == "predictor" else ("Transformer",)
            cls = None
            for name in names:
                cls = getattr(module, name, None)
                if cls is not None:
                    break
            if cls is None:
                what = "Predictor (or legacy Predict)" if role == "predictor" else "Transformer"
                send({"type": "load-failed", "message": "no class %s in %s" % (what, os.path.basename(script)), "location": {"file": script}})
                return
            self.instance = cls()
        except BaseException as e:  # SystemExit from a script is a failed load, not our exit
            self._load_failed(e, script)
            return
        finally:
            _drain_output()
        import inspect

        methods, async_methods = [], []
        for name in SCRIPT_METHODS:
            fn = getattr(self.instance, name, None)
            if callable(fn):
                methods.append(name)
                if inspect.iscoroutinefunction(fn):
                    async_methods.append(name)
        import platform

        send(
            {
                "type": "loaded",
                "className": type(self.instance).__name__,
                "methods": methods,
                "asyncMethods": async_methods,
                "runtime": "Python %s (%s)" % (platform.python_version(), sys.executable),
                "numpy": np is not None,
                "loadMs": (time.perf_counter() - t0) * 1000.0,
            }
        )

    def _import(self, script):
        import importlib.util

        stem = os.path.splitext(os.path.basename(script))[0]
        # The file's own name, so pickles of classes defined in it resolve; a unique one if taken.
        name = stem if stem.isidentifier() and stem not in sys.modules else "modeldeck_script_" + "".join(c if c.isalnum() else "_" for c in stem)
        spec = importlib.util.spec_from_file_location(name, script)
        if spec is None or spec.loader is None:
            raise ImportError("cannot import %s: not a Python source file" % script)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    def _load_failed(self, e, script):
        import traceback

        msg = {"type": "load-failed", "traceback": "".join(traceback.format_exception(type(e), e, e.__traceback__))}
        if isinstance(e, SyntaxError):
            msg["message"] = "%s: %s" % (type(e).__name__, e.msg)
            if e.filename:
                msg["location"] = {"file": os.path.abspath(e.filename)}
                if e.lineno:
                    msg["location"]["line"] = e.lineno
        else:
            text = str(e)
            msg["message"] = "%s: %s" % (type(e).__name__, text) if text else type(e).__name__
            loc = _user_frame(e.__traceback__, script)
            if loc:
                msg["location"] = loc
        if isinstance(e, ModuleNotFoundError) and e.name:
            msg["missingModule"] = e.name
        send(msg)

    def call(self, req):
        call_id = req.get("id")
        method = req.get("method")
        t0 = time.perf_counter()
        try:
            fn = self.methods.get(method)
            if fn is None:
                fn = self._method(method)
            value = fn(*(req.get("args") or ()))
            if hasattr(value, "__await__"):
                value = self._await(value)
            if method in LLM_METHODS:
                value = _plain(value)
        except BaseException as e:
            _drain_output()
            self._error(call_id, e)
            return
        compute_ms = (time.perf_counter() - t0) * 1000.0
        _drain_output()
        self._send_result(call_id, method, value, compute_ms)

    def _send_result(self, call_id, method, value, compute_ms):
        try:
            send({"type": "result", "id": call_id, "value": value, "computeMs": compute_ms})
        except (Unsendable, TypeError) as e:  # TypeError: a dict key json refuses
            found = _find_unsendable(value, "")
            where, bad, what = found if found else ("", getattr(e, "value", value), None)
            what = what or "a value of type %s" % _type_name(bad)
            self._error(
                call_id,
                TypeError(
                    "%s() returned %s%s, which cannot be sent back: return numbers, strings, lists, dicts, numpy arrays or pandas DataFrames"
                    % (method, what, " at result" + where if where else "")
                ),
                with_traceback=False,
            )
        except (ValueError, RecursionError) as e:  # a circular reference
            self._error(call_id, ValueError("%s() returned a value that cannot be sent back: %s" % (method, e)), with_traceback=False)

    def _method(self, method):
        if self.instance is None:
            raise RuntimeError("no script is loaded" if not self.load_requested else "the script failed to load")
        if not isinstance(method, str) or method.startswith("_"):
            raise AttributeError("%s has no method %r" % (type(self.instance).__name__, method))
        fn = getattr(self.instance, method, None)
        if not callable(fn):
            raise AttributeError("%s has no method %r" % (type(self.instance).__name__, method))
        if method in SCRIPT_METHODS:
            self.methods[method] = fn
        return fn

    def _event_loop(self):
        import asyncio

        if self.loop is None:  # one event loop for the process, reused by every call
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
        return self.loop

    def _await(self, awaitable):
        import asyncio

        loop = self._event_loop()
        if not asyncio.iscoroutine(awaitable) and not asyncio.isfuture(awaitable):
            awaitable = _wrap(awaitable)
        return loop.run_until_complete(awaitable)

    def _error(self, call_id, e, with_traceback=True):
        msg = {"type": "error", "id": call_id, "exception": type(e).__name__, "message": str(e)}
        if with_traceback:
            import traceback

            tb = e.__traceback__
            if tb is not None and tb.tb_frame.f_code is Host.call.__code__:
                tb = tb.tb_next  # the host's own frame says nothing to the user
            msg["traceback"] = "".join(traceback.format_exception(type(e), e, tb))
        send(msg)


async def _wrap(awaitable):
    return await awaitable


LLM_METHODS = ("create_completion", "create_chat_completion", "apply_chat_template")


def _plain(value):
    """A pydantic model (kserve's OpenAI types) as a plain dict; anything else as it is."""
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        try:
            return dump(mode="json", exclude_none=True)
        except TypeError:
            return dump()
    if hasattr(value, "__fields__") and callable(getattr(value, "dict", None)) and not isinstance(value, type):
        return value.dict(exclude_none=True)  # pydantic 1
    return value


def _is_iterator(value):
    """A generator or iterator a method returned to stream (not a list, dict or string)."""
    return hasattr(value, "__next__") and hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict, list, tuple))


async def _close_iterator(it):
    try:
        if hasattr(it, "aclose"):
            await it.aclose()
        elif hasattr(it, "close"):
            it.close()
    except BaseException:
        pass  # it is being abandoned: what it raises on the way out says nothing new


def _send_chunk(call_id, method, item):
    try:
        send({"type": "chunk", "id": call_id, "value": _plain(item)})
    except (Unsendable, TypeError, ValueError) as e:
        raise TypeError("%s() yielded %s, which cannot be sent back: yield dicts shaped like OpenAI's chunks" % (method, "a value of type %s" % _type_name(getattr(e, "value", item))))


def _typed_args(fn, args):
    """The request dict as the class the method's first parameter is annotated with, when that is a pydantic model."""
    if not args or not isinstance(args[0], dict):
        return args
    try:
        import inspect

        params = [p for p in inspect.signature(fn).parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        annotation = params[0].annotation if params else None
        if isinstance(annotation, str):  # `from __future__ import annotations`
            import typing

            annotation = typing.get_type_hints(fn).get(params[0].name)
    except Exception:
        return args
    if isinstance(annotation, type):
        build = getattr(annotation, "model_validate", None) or getattr(annotation, "parse_obj", None)
        if callable(build):
            return [build(args[0])] + args[1:]
    return args


def _type_name(v):
    t = type(v)
    module = getattr(t, "__module__", "builtins")
    return t.__qualname__ if module in ("builtins", "__main__") else "%s.%s" % (module, t.__qualname__)


def _user_frame(tb, script):
    """{file, line} of the innermost traceback frame inside the script file itself."""
    import traceback

    best = None
    for frame in traceback.extract_tb(tb):
        if os.path.abspath(frame.filename) == script:
            best = {"file": script, "line": frame.lineno}
    return best


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and sys.path[0] in (here, ""):
        sys.path.pop(0)  # the host's own folder is not the script's import path
    _setup_io()
    host = Host()
    while True:
        try:
            req = host.next_request()
        except ValueError as e:  # a corrupt frame: nothing after it can be trusted
            send_log("error", "modeldeck host: unreadable request: %s" % e, "stderr")
            break
        except OSError:  # stdin is gone
            break
        if req is None:
            break
        kind = req.get("type")
        try:
            if kind == "call":
                if req.get("stream"):
                    host.stream(req)
                else:
                    host.call(req)
            elif kind == "load":
                host.load(req)
            elif kind == "close":
                break
            elif kind == "cancel":
                pass  # for a call that has already ended
            else:
                send_log("warn", "modeldeck host: unknown request type %r" % (kind,), "stderr")
        except OSError:  # stdout is gone: the server stopped listening
            break
    _drain_output()
    # Normal exit runs the script's atexit handlers; a non-daemon thread it left running must not
    # keep the process alive.
    timer = threading.Timer(3.0, os._exit, (0,))
    timer.daemon = True
    timer.start()
    sys.exit(0)


if __name__ == "__main__":
    main()
