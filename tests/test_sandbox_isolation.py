"""The sandbox itself: what student code can see and do, the wire format, and the grader's proxies."""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

from sandboxkit import REPO, require_sandbox


@pytest.fixture(scope="module")
def probe_session():
    """One sandboxed process whose answer code records what it can see and do."""
    require_sandbox()
    from dlgrade.sandbox.session import Session

    code = r'''
import os, socket, sys, resource
def look():
    seen = {}
    seen["uid"] = os.getuid()
    for path in [%(paths)s]:
        seen["exists:" + path] = os.path.exists(path)
    try:
        import dlcourse
        seen["dlcourse"] = True
    except ImportError:
        seen["dlcourse"] = False
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=1)
        seen["net"] = "connected"
    except OSError as exc:
        seen["net"] = type(exc).__name__
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        seen["fork"] = "forked"
    except OSError as exc:
        seen["fork"] = exc.errno
    try:
        open("/usr/lib/x", "w")
        seen["write_usr"] = True
    except OSError:
        seen["write_usr"] = False
    try:
        with open("/tmp/big", "wb") as f:
            f.write(b"x" * (200 * 1024 * 1024))
        seen["big_file"] = True
    except OSError:
        seen["big_file"] = False
    try:
        bytearray(8 * 1024 ** 3)
        seen["8GB"] = True
    except MemoryError:
        seen["8GB"] = False
    seen["env"] = sorted(os.environ)
    seen["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    seen["sys_path_has_site"] = any("site-packages" in p for p in sys.path)
    return seen
def spin():
    while True:
        pass
''' % {"paths": ", ".join(repr(p) for p in _hidden_paths())}
    with Session([("look", code)]) as s:
        names = s.names(["look", "spin"])
        seen = names["look"]()
        s.deadline = __import__("time").monotonic() + 2
        try:
            names["spin"]()
            spun = "returned"
        except Exception as exc:  # noqa: BLE001
            spun = type(exc).__name__
        yield seen, spun, s


def _hidden_paths() -> list[str]:
    home = os.path.expanduser("~")
    return [str(REPO), str(REPO / "source"), str(REPO / "grading"), str(REPO / "lib" / "dlcourse"), home,
            "/etc/passwd", "/etc/shadow", "/work/shared", str(REPO / ".venv"), sys.prefix]


def test_sandbox_hides_the_course_and_the_home(probe_session):
    seen, _, _ = probe_session
    visible = [p for p in _hidden_paths() if seen[f"exists:{p}"] and not (p == os.path.expanduser("~") and
                                                                          _home_holds_python(p))]
    assert visible == [], f"visible in the sandbox: {visible}"
    assert seen["dlcourse"] is False, "the course library (reference solutions) is importable in the sandbox"
    assert seen["sys_path_has_site"] is False


def _home_holds_python(home: str) -> bool:
    """A Python installed under $HOME (pyenv) must be mounted, so the home folder exists but only holds it."""
    return os.path.realpath(sys.base_prefix).startswith(os.path.realpath(home) + os.sep)


def test_sandbox_has_no_network_no_processes_and_limits(probe_session):
    seen, spun, _ = probe_session
    assert seen["uid"] == 65534
    assert seen["net"] != "connected"
    assert seen["fork"] != "forked"
    assert seen["write_usr"] is False
    assert seen["big_file"] is False, "a 200 MB file was written (file-size / tmpfs limit missing)"
    assert seen["8GB"] is False, "8 GB could be allocated (memory limit missing)"
    assert "HOME" in seen["env"] and not any(k.startswith(("NBGRADER", "JPY", "DLCOURSE", "CI")) for k in seen["env"])
    assert len(seen["pids"]) <= 3, f"the sandbox sees other processes: {seen['pids']}"
    assert spun == "SandboxTimeout"


def test_wire_round_trip_and_refusals():
    from dlgrade.sandbox import _runner as wire

    rng = np.random.default_rng(3)
    value = [None, True, 3, 2 ** 80, 1.5, float("nan"), float("-inf"), 1 + 2j, "ü", b"\x00", (1, [2]), {"a": {3}},
             frozenset({"x"}), np.arange(6, dtype=np.float32).reshape(2, 3), np.float32(2.5), np.int64(-4),
             np.array(["ab", "c"]), np.dtype("<f8"), np.float32, slice(1, None, 2), Ellipsis, rng]
    tree, blobs = wire.encode(value, lambda x: (_ for _ in ()).throw(TypeError(type(x))))
    back = wire.decode(tree, blobs, lambda t: None)
    assert type(back[10]) is tuple and back[11] == {"a": {3}} and back[12] == frozenset({"x"})
    assert back[13].dtype == np.float32 and np.array_equal(back[13], value[13])
    assert type(back[14]) is np.float32 and type(back[15]) is np.int64 and back[3] == 2 ** 80
    assert np.isnan(back[5]) and back[6] == float("-inf") and back[17] == np.dtype("<f8") and back[18] is np.float32
    assert back[21].standard_normal() == np.random.default_rng(3).standard_normal()

    class Sneaky(float):
        def __eq__(self, other):
            return True

    others = []
    wire.encode([Sneaky(1.0), np.zeros(2).view(np.matrix), np.array([object()])], lambda x: others.append(x) or {"t": "none"})
    assert len(others) == 3, "subclasses and object arrays must not travel as data"
    with pytest.raises(wire.WireError):
        wire.decode({"t": "ndarray", "dtype": "|O", "shape": [1], "b": 0}, [b"\x00" * 8], None)
    with pytest.raises(wire.WireError):
        wire.decode({"t": "ndarray", "dtype": "<f8", "shape": [10 ** 6], "b": 0}, [b"\x00" * 8], None)
    with pytest.raises(wire.WireError):
        wire.decode({"t": "pickle", "v": "gASV"}, [], None)


def test_proxies_behave_like_local_calls():
    """Arguments changed in place come back, a Generator advances, callbacks run in the grader,
    exceptions keep their builtin type and name the student's line, warnings reach checks.call."""
    require_sandbox()
    from dlcourse.checks import call
    from dlgrade.sandbox.session import Session, register_source

    code = '''import numpy as np
def scale_in_place(x):
    x *= 2
    return None
def draw(rng):
    return rng.standard_normal(2)
def grad(f, x):
    return np.array([f(x + 1.0) - f(x)])
def broken(x):
    y = x + 1
    raise ValueError("bad shape " + str(np.shape(x)))
def overflow(x):
    return np.exp(x)
class Cache:
    pass
def forward(x):
    c = Cache(); c.x = x
    return x * 3, c
def backward(d, c):
    return d * c.x
'''
    register_source("ex", code)
    with Session([("ex", code)]) as s:
        n = s.names(["scale_in_place", "draw", "grad", "broken", "overflow", "forward", "backward"])
        x = np.ones(3)
        n["scale_in_place"](x)
        assert np.array_equal(x, [2.0, 2.0, 2.0])
        rng, ref = np.random.default_rng(7), np.random.default_rng(7)
        assert np.array_equal(n["draw"](rng), ref.standard_normal(2))
        assert rng.standard_normal() == ref.standard_normal(), "the caller's generator did not advance"
        assert n["grad"](lambda v: float(v[0] ** 2), np.array([1.0]))[0] == 3.0
        with pytest.raises(ValueError, match="bad shape") as info:
            n["broken"](np.zeros(2))
        assert info.traceback[-1].lineno + 1 == 11  # the student's line, 1-based
        with pytest.raises(AssertionError, match=r"line 11: `raise ValueError"):
            call(n["broken"], np.zeros(2), name="broken")
        _, warned = call(n["overflow"], np.array([1000.0]), name="overflow", record_warnings=True)
        assert any("overflow" in w for w in warned)
        out, cache = n["forward"](np.array([1.0, 2.0]))
        assert type(out) is np.ndarray and "sandbox" in repr(cache)
        assert np.array_equal(n["backward"](np.ones(2), cache), [1.0, 2.0])


def test_unsandboxed_needs_explicit_consent(monkeypatch):
    from dlgrade.sandbox import bwrap

    monkeypatch.setattr(bwrap, "probe", lambda: (False, "bwrap missing (simulated)"))
    monkeypatch.delenv("DLCOURSE_ALLOW_UNSANDBOXED", raising=False)
    with pytest.raises(bwrap.SandboxUnavailable, match="simulated"):
        bwrap.require(False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert bwrap.require(True) is False
    assert any("WITHOUT A SANDBOX" in str(w.message) for w in caught)


def test_cli_refuses_without_sandbox(monkeypatch, tmp_path, capsys):
    from dlgrade import cli
    from dlgrade.sandbox import bwrap

    monkeypatch.setattr(bwrap, "probe", lambda: (False, "bwrap missing (simulated)"))
    monkeypatch.delenv("DLCOURSE_ALLOW_UNSANDBOXED", raising=False)
    monkeypatch.setenv("PATH", os.environ.get("PATH", ""))  # the command puts its interpreter's folder first
    assert cli.main(["--root", str(tmp_path), "rescore", "ch01_vanishing_gradients"]) == 2
    assert "refusing to grade without a sandbox" in capsys.readouterr().err


def test_seccomp_program_is_well_formed():
    from dlgrade.sandbox import seccomp

    for machine in ("x86_64", "aarch64"):
        prog = seccomp.program(machine)
        assert prog is not None and len(prog) % 8 == 0 and 8 <= len(prog) // 8 <= 64
    assert seccomp.program("sparc") is None


def test_the_notebook_kernel_reads_the_graders_mnist_and_knows_nbgrader_runs_it(tmp_path, monkeypatch):
    """The sandboxed kernel of the notebook run (what the student reads in the feedback) has MNIST read-only
    where the grader has it (the capstone's notebook trains on it) and NBGRADER_EXECUTION, which notebooks read
    to skip long runs while nbgrader grades them; it still sees nothing else of the machine."""
    require_sandbox()
    import nbformat
    from nbclient import NotebookClient

    from dlcourse.data import load_mnist, mnist_is_available
    from dlgrade.sandbox.kernel import MNIST_IN_SANDBOX, SandboxedKernelManager, mnist_folder

    folder = os.environ.get("DLCOURSE_MNIST_DIR")
    if not folder or not mnist_is_available(folder):
        pytest.skip("no MNIST files on this machine (DLCOURSE_MNIST_DIR)")
    assert mnist_folder() == str(os.path.realpath(folder))
    (x_train, t_train), _ = load_mnist(folder)   # the grader's copy (a folder may hold a prefix of the 60,000)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nfrom dlcourse.data import load_mnist\n(x, t), _ = load_mnist()\n"
        "print(os.environ['DLCOURSE_MNIST_DIR'], os.environ.get('NBGRADER_EXECUTION'), x.shape[0], int(t.max()))\n"
        "try:\n    open(os.path.join(os.environ['DLCOURSE_MNIST_DIR'], 'x'), 'w')\n    print('wrote')\n"
        "except OSError:\n    print('read-only')\n"
        f"print(os.path.exists({folder!r}), os.path.exists({str(REPO / 'source')!r}), "
        f"os.path.exists({str(REPO / 'grading')!r}))\n")])
    client = NotebookClient(nb, timeout=120, kernel_name="python3", kernel_manager_class=SandboxedKernelManager,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("output_type") == "stream").split()
    # the grader's MNIST path itself, source/ and grading/ are not there (the venv's and the library's folders
    # are bound at their own paths, so the repository's path exists, holding only those)
    assert text == [MNIST_IN_SANDBOX, "autograde", str(len(x_train)), str(int(t_train.max())), "read-only",
                    "False", "False", "False"], nb.cells[0].outputs
