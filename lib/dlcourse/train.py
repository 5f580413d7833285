"""A minibatch training loop with history, progress bar, divergence detection and early stopping.

``train(net, optimizer, x_train, t_train, x_test, t_test, iters=..., batch_size=..., rng=...)``
works with any ``net`` that has ``gradient(x, t) -> dict``, ``loss(x, t) -> float``,
``accuracy(x, t) -> float`` and ``params`` (a dict of arrays, as ``MultiLayerNet``), and any
``optimizer`` with ``update(params, grads)`` (as ``dlcourse.optimizers``).

One iteration (反復 iteration), numbered from 1:

1. take the next minibatch of a random permutation of the training set (a new permutation
   each epoch (エポック epoch); the incomplete last batch of an epoch is dropped, so an epoch
   is ``N // batch_size`` iterations);
2. ``grads = net.gradient(xb, tb)``; the loss at the current parameters (before the update) is
   ``net.last_loss`` when the net records it (``MultiLayerNet`` and ``SimpleConvNet`` do: the
   loss of the very forward pass whose gradient is applied), else ``net.loss(xb, tb)``;
3. if the loss is NaN or infinite, stop (see below); else ``optimizer.update(net.params, grads)``.

Reading ``last_loss`` keeps one forward pass per iteration: with dropout the recorded loss uses
the same mask as the gradient, and batch-norm running statistics see each batch once. A net
without ``last_loss`` costs a second forward pass.

Every ``eval_every`` iterations (default: once per epoch) and after the last one, the
accuracy on the training set and the test set (or on fixed random subsets of
``eval_samples`` examples, chosen once with ``rng``) is recorded.

Divergence (発散): at the first non-finite loss, :class:`TrainingDiverged` is raised; its
message names the iteration and the usual causes, and its ``.history`` holds everything
recorded so far (the last loss is the non-finite one) so a notebook can plot it. With
``raise_on_divergence=False`` the loop records, stops and returns the history with
``diverged_at`` and ``stop_reason`` set.

NumPy floating-point warnings (decision): inside the loop, overflow / invalid / divide-by-zero
are not printed one by one (a diverging network would print hundreds). They are counted
instead, with the first occurrence (kind, which call, which iteration):

- if the loss becomes non-finite, they are summarised in the divergence message;
- if training ends normally, ONE ``RuntimeWarning`` per kind summarises them, because a
  problem that did not show up in the loss may still be real (a naive sigmoid overflowing).

Where the global NumPy setting is ``"raise"`` (``np.seterr(all="raise")``, a debugging aid),
it is kept: the exception surfaces at the offending operation.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

__all__ = ["History", "TrainingDiverged", "train"]


@dataclass
class History:
    """What :func:`train` recorded.

    - ``loss``: ``(n_iters_done,)`` minibatch loss; ``loss[k - 1]`` belongs to iteration ``k``.
    - ``eval_iters``: ``(n_evals,)`` iteration numbers after which accuracy was measured.
    - ``train_acc``, ``test_acc``: ``(n_evals,)`` accuracies; ``test_acc`` is ``None`` without a test set.
    - ``iters_per_epoch``: ``N // batch_size``; ``epochs`` converts ``eval_iters`` to epochs.
    - ``diverged_at``: the iteration whose loss was NaN/inf, or ``None``.
    - ``stopped_early``: True when early stopping ended training; ``best_iter`` /
      ``best_test_acc``: the best evaluation (with a test set).
    - ``stop_reason``: a sentence saying why training ended before ``iters`` (or ``None``).
    """

    loss: np.ndarray
    eval_iters: np.ndarray
    train_acc: np.ndarray
    test_acc: np.ndarray | None
    iters_per_epoch: int
    diverged_at: int | None = None
    stopped_early: bool = False
    best_iter: int | None = None
    best_test_acc: float | None = None
    stop_reason: str | None = None

    @property
    def iterations(self) -> np.ndarray:
        """``(n_iters_done,)`` the iteration numbers 1, 2, ... matching ``loss``."""
        return np.arange(1, len(self.loss) + 1)

    @property
    def epochs(self) -> np.ndarray:
        """``(n_evals,)`` ``eval_iters`` in epochs."""
        return self.eval_iters / self.iters_per_epoch


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite. ``iteration``, ``loss`` and ``history`` (a :class:`History`) say more."""

    def __init__(self, message: str, iteration: int, loss: float, history: History):
        super().__init__(message)
        self.iteration = iteration
        self.loss = loss
        self.history = history


@dataclass
class _FPErrors:
    """Collects NumPy floating-point errors reported through ``np.errstate(call=...)``."""

    stage: str = "setup"
    iteration: int = 0
    first: dict = field(default_factory=dict)  # kind -> (stage, iteration)
    count: dict = field(default_factory=dict)  # kind -> number of reports

    def __call__(self, kind: str, flag: int) -> None:
        # NumPy passes e.g. "overflow" (or "divide by zero" / "invalid value") and a flag.
        kind = kind.strip()
        self.count[kind] = self.count.get(kind, 0) + 1
        self.first.setdefault(kind, (self.stage, self.iteration))

    def describe(self) -> list[str]:
        return [
            f"{kind}, first in {stage} at iteration {it}, {self.count[kind]} time(s) in all"
            for kind, (stage, it) in self.first.items()
        ]

    def errstate(self):
        current = np.geterr()
        modes = {k: ("raise" if current[k] == "raise" else "call") for k in ("over", "invalid", "divide")}
        return np.errstate(call=self, **modes)


def _check_inputs(x_train, t_train, x_test, t_test, iters, batch_size, rng, eval_every, eval_samples, patience):
    for name, a in (("x_train", x_train), ("t_train", t_train)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a NumPy array, got {type(a).__name__}.")
    if len(x_train) != len(t_train) or len(x_train) == 0:
        raise ValueError(
            f"x_train and t_train must hold the same, non-zero number of examples; got {len(x_train)} "
            f"and {len(t_train)} (x_train {x_train.shape}, t_train {t_train.shape})."
        )
    if (x_test is None) != (t_test is None):
        raise ValueError("Give both x_test and t_test, or neither.")
    if x_test is not None and len(x_test) != len(t_test):
        raise ValueError(f"x_test has {len(x_test)} examples but t_test has {len(t_test)}.")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
                        f"got {type(rng).__name__}.")
    for name, value, low in (("iters", iters, 0), ("batch_size", batch_size, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    if batch_size > len(x_train):
        raise ValueError(f"batch_size={batch_size} is larger than the training set ({len(x_train)} examples).")
    for name, value in (("eval_every", eval_every), ("eval_samples", eval_samples), ("patience", patience)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be None or an integer >= 1, got {value!r}.")
    if patience is not None and x_test is None:
        raise ValueError("Early stopping (patience=...) watches the test/validation accuracy: give x_test and t_test.")


def _divergence_message(it, iters, loss, last_finite, fp: _FPErrors, optimizer, x_train) -> str:
    lines = [f"Training diverged at iteration {it} of {iters}: the loss is {loss}"
             + (f" (last finite loss {last_finite[1]:.4g} at iteration {last_finite[0]})." if last_finite else ".")]
    problems = fp.describe()
    if problems:
        lines.append("NumPy reported: " + "; ".join(problems) + ".")
    lr = getattr(optimizer, "lr", None)
    uint_inputs = x_train.dtype.kind in "ui"
    big_inputs = x_train.dtype.kind == "f" and x_train.size and float(np.max(np.abs(x_train[:1000]))) > 10
    lines += [
        "Usual causes:",
        f"  - the learning rate is too high{f' (lr={lr})' if lr is not None else ''}: try it 10 times smaller;",
        "  - log of 0 in the cross-entropy: use the log-sum-exp form (softmax_cross_entropy) or add a tiny eps;",
        "  - overflow in exp: an unstable softmax or sigmoid; subtract the row maximum before exp;",
        "  - inputs not normalised: uint8 pixels 0..255 must become floats in [0, 1] "
        "(x.astype(np.float32) / 255)"
        + (f"; HERE x_train has dtype {x_train.dtype}" if uint_inputs else "")
        + ("; HERE x_train has values above 10" if big_inputs else "")
        + ".",
        "The history so far (ending with the non-finite loss) is in the exception's .history; "
        "plot e.g. err.history.loss to see the divergence.",
    ]
    return "\n".join(lines)


def train(
    net,
    optimizer,
    x_train: np.ndarray,
    t_train: np.ndarray,
    x_test: np.ndarray | None = None,
    t_test: np.ndarray | None = None,
    *,
    iters: int,
    batch_size: int = 100,
    rng: np.random.Generator,
    eval_every: int | None = None,
    eval_samples: int | None = None,
    progress: bool = True,
    desc: str | None = None,
    raise_on_divergence: bool = True,
    patience: int | None = None,
    restore_best: bool = False,
) -> History:
    """Train ``net`` with ``optimizer`` on minibatches; return a :class:`History`.

    x_train: ``(N, ...)``, t_train: ``(N,)`` labels or ``(N, C)`` one-hot; same for the test set.
    ``iters`` updates of ``batch_size`` examples, drawn with ``rng``. Accuracy every
    ``eval_every`` iterations (default one epoch, ``N // batch_size``), on at most
    ``eval_samples`` examples per set. ``progress`` shows a tqdm bar with the loss.

    Early stopping (早期終了): with ``patience=p``, stop when the test accuracy has not
    improved for ``p`` evaluations in a row; ``restore_best=True`` then puts back the
    parameters of the best evaluation (in place, in ``net.params``).

    Raises :class:`TrainingDiverged` at the first NaN/inf loss unless
    ``raise_on_divergence=False``. The net's parameters are changed in place; the data are not.
    """
    _check_inputs(x_train, t_train, x_test, t_test, iters, batch_size, rng, eval_every, eval_samples, patience)
    n = len(x_train)
    iters_per_epoch = max(1, n // batch_size)
    eval_every = iters_per_epoch if eval_every is None else int(eval_every)

    def eval_subset(x, t):
        if x is None or eval_samples is None or eval_samples >= len(x):
            return x, t
        idx = np.sort(rng.choice(len(x), size=eval_samples, replace=False))
        return x[idx], t[idx]

    x_tr_eval, t_tr_eval = eval_subset(x_train, t_train)
    x_te_eval, t_te_eval = eval_subset(x_test, t_test)

    losses: list[float] = []
    eval_iters: list[int] = []
    train_acc: list[float] = []
    test_acc: list[float] = []
    state = {"best_iter": None, "best_acc": -math.inf, "best_params": None, "stale": 0,
             "diverged_at": None, "stopped_early": False, "stop_reason": None}

    def history() -> History:
        return History(
            loss=np.asarray(losses, dtype=np.float64),
            eval_iters=np.asarray(eval_iters, dtype=np.int64),
            train_acc=np.asarray(train_acc, dtype=np.float64),
            test_acc=None if x_test is None else np.asarray(test_acc, dtype=np.float64),
            iters_per_epoch=iters_per_epoch,
            diverged_at=state["diverged_at"],
            stopped_early=state["stopped_early"],
            best_iter=state["best_iter"],
            best_test_acc=None if state["best_iter"] is None else state["best_acc"],
            stop_reason=state["stop_reason"],
        )

    fp = _FPErrors()
    perm, pos = rng.permutation(n), 0
    last_finite = None
    bar = tqdm(total=iters, desc=desc or "training", disable=not progress, leave=True)
    try:
        with fp.errstate():
            for it in range(1, iters + 1):
                fp.iteration = it
                if pos + batch_size > n:
                    perm, pos = rng.permutation(n), 0
                idx = perm[pos:pos + batch_size]
                pos += batch_size
                xb, tb = x_train[idx], t_train[idx]

                fp.stage = "net.gradient"
                grads = net.gradient(xb, tb)
                loss_value = getattr(net, "last_loss", None)
                if loss_value is None:
                    fp.stage = "net.loss"
                    loss_value = net.loss(xb, tb)
                try:
                    loss = float(loss_value)
                except (TypeError, ValueError):
                    raise TypeError(f"net.loss(x, t) must return a number, got {type(loss_value).__name__} "
                                    f"{getattr(loss_value, 'shape', '')}; average the loss over the batch.") from None
                losses.append(loss)

                if not math.isfinite(loss):
                    state["diverged_at"] = it
                    message = _divergence_message(it, iters, loss, last_finite, fp, optimizer, x_train)
                    state["stop_reason"] = message
                    bar.set_postfix(loss=loss, refresh=True)
                    if raise_on_divergence:
                        raise TrainingDiverged(message, it, loss, history())
                    break
                last_finite = (it, loss)

                fp.stage = "optimizer.update"
                optimizer.update(net.params, grads)

                if it % eval_every == 0 or it == iters:
                    fp.stage = "net.accuracy"
                    eval_iters.append(it)
                    train_acc.append(float(net.accuracy(x_tr_eval, t_tr_eval)))
                    if x_test is not None:
                        acc = float(net.accuracy(x_te_eval, t_te_eval))
                        test_acc.append(acc)
                        if acc > state["best_acc"]:
                            state.update(best_iter=it, best_acc=acc, stale=0)
                            if restore_best:
                                state["best_params"] = {k: np.array(v, copy=True) for k, v in net.params.items()}
                        else:
                            state["stale"] += 1
                    if progress:
                        post = {"loss": f"{loss:.4g}", "train_acc": f"{train_acc[-1]:.3f}"}
                        if x_test is not None:
                            post["test_acc"] = f"{test_acc[-1]:.3f}"
                        bar.set_postfix(post, refresh=False)
                    if patience is not None and state["stale"] >= patience:
                        state["stopped_early"] = True
                        state["stop_reason"] = (
                            f"Early stopping at iteration {it}: the test accuracy has not improved for "
                            f"{patience} evaluations (best {state['best_acc']:.4f} at iteration {state['best_iter']})."
                        )
                        bar.update(1)
                        break
                elif progress:
                    bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
                bar.update(1)
    finally:
        bar.close()

    if restore_best and state["best_params"] is not None:
        for key, value in state["best_params"].items():
            net.params[key][...] = value
    if state["diverged_at"] is None:
        for line in fp.describe():
            warnings.warn(
                f"NumPy floating-point problem during training (the loss stayed finite): {line}. "
                "Look for an unstable exp/log/division in the network.",
                RuntimeWarning,
                stacklevel=2,
            )
    return history()
