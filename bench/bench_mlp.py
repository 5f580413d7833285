"""Benchmark: one epoch of MultiLayerNet training against a baseline timed in the same run.

Network 784-100-100-10 (ReLU, He), SGD lr 0.1, mini-batches of 100, one epoch over 60,000
samples of MNIST shape, in float32 and float64. The baseline is PyTorch CPU training of the
same network (same initial weights, same batches, ``torch.set_num_threads`` = the thread
count used for NumPy's BLAS) when ``import torch`` works, and always also a plain
hand-written NumPy loop. Printed: the time of each, the ratio ours / baseline (< 1: we are
faster) and the loss after the epoch (equal work gives equal losses).

    python bench/bench_mlp.py                # full epoch, all cores
    python bench/bench_mlp.py --threads 1    # single-threaded BLAS and torch
    python bench/bench_mlp.py --quick        # 6,000 samples, 1 repeat (smoke test)

Timings are noisy on shared machines; each configuration is repeated (interleaved) and the
best time is used.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def _parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="6,000 samples and 1 repeat (smoke run)")
    ap.add_argument("--samples", type=int, default=None, help="samples per epoch (default 60000)")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats per configuration (default 3)")
    ap.add_argument("--threads", type=int, default=None,
                    help="BLAS / torch threads (default: the cores this process may use)")
    ap.add_argument("--mnist", action="store_true",
                    help="use real MNIST images (tiled to the sample count) instead of random data")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch baseline")
    ap.add_argument("--dtypes", default="float32,float64", help="comma-separated dtypes")
    args = ap.parse_args(argv)
    if args.samples is None:
        args.samples = 6000 if args.quick else 60000
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    return args


ARGS = _parse_args()
if ARGS.threads is not None:
    # Must happen before NumPy (and its BLAS) or torch is imported.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

from dlcourse.network import MultiLayerNet  # noqa: E402
from dlcourse.optimizers import SGD  # noqa: E402

SIZES = (784, 100, 100, 10)
BATCH = 100
LR = 0.1

try:  # the baseline, when available
    if ARGS.no_torch:
        raise ImportError("--no-torch")
    import torch  # noqa: E402
    import torch.nn.functional as F  # noqa: E402
except ImportError:
    torch = None


def _threads() -> int:
    if ARGS.threads is not None:
        return ARGS.threads
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def make_data(n, rng):
    """(n, 784) in [0, 1] and labels 0..9: MNIST tiled, or synthetic "digits": each class
    has a random sparse prototype (about 20% of the pixels on, like MNIST's ink), and a
    sample is its class prototype with every pixel's intensity scaled randomly, plus stray
    pixels (30%) switched fully on. Learnable, so one epoch lowers the loss a lot and the losses after the
    epoch show that every implementation did the same work."""
    if ARGS.mnist:
        from dlcourse.data import load_mnist

        (x, t), _ = load_mnist()
        reps = -(-n // x.shape[0])
        return np.tile(x, (reps, 1))[:n], np.tile(t, reps)[:n]
    k, d = SIZES[-1], SIZES[0]
    protos = (rng.random((k, d)) < 0.2).astype(np.float32)
    t = rng.integers(0, k, n)
    x = protos[t]
    x *= rng.random((n, d), dtype=np.float32)
    stray = rng.random((n, d), dtype=np.float32) < 0.3
    x[stray] = np.float32(1.0)
    return x, t


# ----------------------------------------------------------------------------- contenders
class Ours:
    name = "dlcourse MultiLayerNet"

    def __init__(self, init, dtype):
        self.init = init
        self.net = MultiLayerNet(784, [100, 100], 10, activation="relu", weight_init="he",
                                 rng=np.random.default_rng(0), dtype=dtype)

    def reset(self):
        for k, v in self.init.items():
            self.net.params[k][...] = v

    def epoch(self, x, t, batches):
        net, opt = self.net, SGD(lr=LR)
        for idx in batches:
            grads = net.gradient(x[idx], t[idx])
            opt.update(net.params, grads)

    def loss(self, x, t):
        return float(self.net.loss(x, t, train=False))


class PlainNumpy:
    """The hand-written NumPy loop: what a lean script without a library would do."""

    name = "plain NumPy loop"

    def __init__(self, init, dtype):
        self.init, self.dtype = init, np.dtype(dtype)

    def reset(self):
        self.p = {k: v.astype(self.dtype, copy=True) for k, v in self.init.items()}

    def epoch(self, x, t, batches):
        W1, b1, W2, b2, W3, b3 = (self.p[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
        lr = LR
        for idx in batches:
            xb, tb = x[idx], t[idx]
            n = xb.shape[0]
            h1 = xb @ W1
            h1 += b1
            np.maximum(h1, 0, out=h1)
            h2 = h1 @ W2
            h2 += b2
            np.maximum(h2, 0, out=h2)
            s = h2 @ W3
            s += b3
            s -= s.max(axis=1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(axis=1, keepdims=True)
            s[np.arange(n), tb] -= 1
            s *= 1.0 / n
            gW3, gb3 = h2.T @ s, s.sum(axis=0)
            d2 = s @ W3.T
            d2 *= h2 > 0
            gW2, gb2 = h1.T @ d2, d2.sum(axis=0)
            d1 = d2 @ W2.T
            d1 *= h1 > 0
            gW1, gb1 = xb.T @ d1, d1.sum(axis=0)
            for p, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2), (W3, gW3), (b3, gb3)):
                g *= lr
                p -= g

    def loss(self, x, t):
        p = self.p
        h = np.maximum(x @ p["W1"] + p["b1"], 0)
        h = np.maximum(h @ p["W2"] + p["b2"], 0)
        s = (h @ p["W3"] + p["b3"]).astype(np.float64)
        s -= s.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(t)), t].mean())


class Torch:
    name = "PyTorch CPU"

    def __init__(self, init, dtype):
        tdtype = torch.float32 if np.dtype(dtype) == np.float32 else torch.float64
        self.model = torch.nn.Sequential(
            torch.nn.Linear(784, 100), torch.nn.ReLU(),
            torch.nn.Linear(100, 100), torch.nn.ReLU(),
            torch.nn.Linear(100, 10),
        ).to(tdtype)
        self.init, self.tdtype, self.dtype = init, tdtype, np.dtype(dtype)
        self.name = f"PyTorch {torch.__version__} CPU"

    def reset(self):
        with torch.no_grad():
            for i, layer in enumerate((self.model[0], self.model[2], self.model[4]), start=1):
                # torch stores W as (out, in); ours is (in, out)
                layer.weight.copy_(torch.from_numpy(self.init[f"W{i}"].T.astype(self.dtype)))
                layer.bias.copy_(torch.from_numpy(self.init[f"b{i}"].astype(self.dtype)))

    def prepare(self, x, t, batches):
        return torch.from_numpy(x), torch.from_numpy(t), [torch.from_numpy(b) for b in batches]

    def epoch(self, x, t, batches):
        model = self.model
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        for idx in batches:
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[idx]), t[idx])
            loss.backward()
            opt.step()

    def loss(self, x, t):
        with torch.no_grad():
            return float(F.cross_entropy(self.model(x).double(), t))


# ----------------------------------------------------------------------------- driver
def run_dtype(dtype, x32, t, batches, x_eval, t_eval):
    x = x32.astype(dtype, copy=False)
    xe = x_eval.astype(dtype, copy=False)
    ours = Ours(None, dtype)
    init = {k: v.copy() for k, v in ours.net.params.items()}
    ours.init = init
    contenders = [ours, PlainNumpy(init, dtype)]
    if torch is not None:
        contenders.append(Torch(init, dtype))
    inputs = {}
    for c in contenders:
        if isinstance(c, Torch):
            inputs[c] = (c.prepare(x, t, batches), c.prepare(xe, t_eval, []))
        else:
            inputs[c] = ((x, t, batches), (xe, t_eval, []))
    times = {c: [] for c in contenders}
    losses = {}
    for _ in range(ARGS.repeats):
        for c in contenders:  # interleaved, so load spikes hit everyone
            c.reset()
            (xa, ta, ba), (xea, tea, _) = inputs[c]
            start = time.perf_counter()
            c.epoch(xa, ta, ba)
            times[c].append(time.perf_counter() - start)
            losses[c] = c.loss(xea, tea)
    return contenders, times, losses


def main():
    threads = _threads()
    if torch is not None:
        torch.set_num_threads(threads)
    rng = np.random.default_rng(12345)
    x, t = make_data(ARGS.samples, rng)
    perm = rng.permutation(ARGS.samples)
    batches = [perm[i : i + BATCH] for i in range(0, ARGS.samples - BATCH + 1, BATCH)]
    x_eval, t_eval = x[:5000], t[:5000]
    data = "MNIST (tiled)" if ARGS.mnist else "synthetic data of MNIST shape"
    print(f"MultiLayerNet 784-100-100-10, ReLU, He, SGD lr {LR}, batch {BATCH}: one epoch of "
          f"{ARGS.samples} samples ({len(batches)} steps), {data}")
    print(f"threads: {threads} (BLAS and torch), best of {ARGS.repeats} interleaved repeat(s); "
          f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch is not None else
                                        ", no torch (--no-torch or not importable): "
                                        "baseline = plain NumPy loop"))
    print()
    header = f"{'dtype':8} {'implementation':26} {'best [s]':>9} {'median [s]':>11} {'ms/step':>8} {'loss after':>11}"
    print(header)
    print("-" * len(header))
    summary = []
    for name in ARGS.dtypes.split(","):
        dtype = np.dtype(name.strip())
        contenders, times, losses = run_dtype(dtype, x, t, batches, x_eval, t_eval)
        for c in contenders:
            best = min(times[c])
            med = float(np.median(times[c]))
            print(f"{dtype.name:8} {c.name:26} {best:9.3f} {med:11.3f} {1e3 * best / len(batches):8.3f} "
                  f"{losses[c]:11.6f}")
        ours = contenders[0]
        base = contenders[-1]  # torch if available, else the plain loop
        summary.append((dtype.name, base.name, min(times[ours]) / min(times[base]),
                        min(times[ours]) / min(times[contenders[1]])))
        rel = abs(losses[ours] - losses[base]) / abs(losses[base])
        tol = 1e-2 if dtype == np.float32 else 1e-6  # float32 rounding depends on thread count
        if rel > tol:
            print(f"WARNING: the losses after the epoch differ by {rel:.1e} (relative): the two "
                  f"implementations did not do the same work.")
    print()
    print("ratio = time of dlcourse / time of baseline (< 1 means dlcourse is faster)")
    for dt, base_name, r_base, r_plain in summary:
        extra = f";  vs plain NumPy loop: {r_plain:.2f}" if base_name.startswith("PyTorch") else ""
        print(f"  {dt:8} vs {base_name}: {r_base:.2f}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
