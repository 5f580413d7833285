"""Training, in small parts that every experiment of the course composes.

- :class:`Minibatches`: the index arrays of the minibatches, either epochs of a random
  permutation (エポック epoch; the incomplete last batch of an epoch is dropped, so an epoch is
  ``N // batch_size`` iterations) or draws with replacement.
- :func:`step`: ONE iteration (反復 iteration) on one minibatch: ``grads = net.gradient(xb, tb)``;
  the loss at the current parameters (before the update) is ``net.last_loss`` when the net
  records it (``MultiLayerNet``, ``SimpleConvNet``: the loss of the very forward pass whose
  gradient is applied, so with dropout the loss uses the same mask and batch-norm running
  statistics see each batch once), else ``net.loss(xb, tb)``, a second forward pass; then
  ``optimizer.update(net.params, grads)``, skipped when the loss is NaN or infinite.
- :class:`History`: what was recorded: the loss of every iteration, and the evaluations
  (``train_acc``, ``test_acc`` or any named metric) at chosen iterations.
- stopping rules: :class:`Divergence` (発散: the first NaN/inf loss, with a message that names
  the iteration and the usual causes) and :class:`EarlyStopping` (早期終了: the test accuracy has
  not improved for ``patience`` evaluations).
- :func:`fit`: the one loop: draw a batch, :func:`step`, record, evaluate when scheduled, ask
  the stopping rules, show a progress bar. Every figure and explorer of the course trains
  through it.
- :func:`train`: :func:`fit` with the usual settings (epochs, accuracy on the training and test
  sets once per epoch, the divergence stop, optional early stopping, a progress bar).

``net`` is anything with ``gradient(x, t) -> dict``, ``loss(x, t)`` and ``params`` (a dict of
arrays), as ``MultiLayerNet``; ``optimizer`` anything with ``update(params, grads)``, as
``dlcourse.optimizers``. A STACK of networks (``MultiLayerNet`` with several initialisations)
trains through the same loop: its loss has one value per member, and each member stops at its
own first NaN/inf loss: :class:`Divergence` drops it from the stack (``net.keep_members``,
``optimizer.keep_members``) and its later losses and evaluations are recorded as NaN.

NumPy floating-point warnings (decision): with ``numpy_errors="summarise"`` (:func:`train`),
overflow / invalid / divide-by-zero are not printed one by one (a diverging network would print
hundreds). They are counted instead, with the first occurrence (kind, which call, which
iteration):

- if the loss becomes non-finite, they are summarised in the divergence message;
- if training ends normally, ONE ``RuntimeWarning`` per kind summarises them, because a
  problem that did not show up in the loss may still be real (a naive sigmoid overflowing).

Where the global NumPy setting is ``"raise"`` (``np.seterr(all="raise")``, a debugging aid),
it is kept: the exception surfaces at the offending operation. ``numpy_errors="ignore"``
silences them (figures that show a divergence as such); ``None`` leaves the caller's
``np.errstate`` alone.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

__all__ = ["Minibatches", "step", "History", "Divergence", "EarlyStopping", "TrainingDiverged", "fit",
           "accuracy_on", "train"]


# ----------------------------------------------------------------------------- minibatches
class Minibatches:
    """An endless iterator over the index arrays of minibatches of ``n`` examples.

    ``replace=False`` (default): epochs; each epoch is a new random permutation of
    ``0 .. n-1`` cut into ``n // batch_size`` batches (the incomplete rest is dropped).
    ``replace=True``: every batch is ``batch_size`` independent draws from ``0 .. n-1``
    (``rng.integers(0, n, batch_size)``). Drawn from ``rng`` in order, when needed.
    """

    def __init__(self, n, batch_size, rng, *, replace=False):
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
                            f"got {type(rng).__name__}.")
        self.n, self.batch_size, self.rng, self.replace = int(n), int(batch_size), rng, replace
        if self.batch_size < 1 or (not replace and self.batch_size > self.n):
            raise ValueError(f"batch_size={batch_size} must be between 1 and the number of examples ({n}).")
        self.iters_per_epoch = max(1, self.n // self.batch_size)
        self._perm, self._pos = None, 0

    def __iter__(self):
        return self

    def __next__(self) -> np.ndarray:
        if self.replace:
            return self.rng.integers(0, self.n, self.batch_size)
        if self._perm is None or self._pos + self.batch_size > self.n:
            self._perm, self._pos = self.rng.permutation(self.n), 0
        idx = self._perm[self._pos:self._pos + self.batch_size]
        self._pos += self.batch_size
        return idx


# ----------------------------------------------------------------------------- one step
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


def _as_loss(value):
    """A float, or a float64 array for a stack; a TypeError for anything else."""
    try:
        if np.ndim(value) == 0:
            return float(value)
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"net.loss(x, t) must return a number, got {type(value).__name__} "
                        f"{getattr(value, 'shape', '')}; average the loss over the batch.") from None


def step(net, optimizer, x, t, *, fp=None):
    """One training step on the minibatch ``(x, t)``; returns ``(loss, grads)``.

    ``grads = net.gradient(x, t)``; ``loss`` is the loss at the parameters before the update
    (``net.last_loss`` when the net records it, else ``net.loss(x, t)``): a float, or one per
    member (K,) for a stack. ``optimizer.update(net.params, grads)`` follows unless the loss is
    NaN or infinite (for a stack: unless every member's is). ``fp`` (internal) is told which
    call runs, for the summary of NumPy's floating-point errors.
    """
    if fp is not None:
        fp.stage = "net.gradient"
    grads = net.gradient(x, t)
    value = getattr(net, "last_loss", None)
    if value is None:
        if fp is not None:
            fp.stage = "net.loss"
        value = net.loss(x, t)
    loss = _as_loss(value)
    if np.any(np.isfinite(loss)):
        if fp is not None:
            fp.stage = "optimizer.update"
        optimizer.update(net.params, grads)
    return loss, grads


# ----------------------------------------------------------------------------- history
class History:
    """What :func:`fit` / :func:`train` recorded.

    - ``loss``: ``(n_iters_done,)`` minibatch loss; ``loss[k - 1]`` belongs to iteration ``k``
      (a stack: ``(n_iters_done, K)``).
    - ``eval_iters``: ``(n_evals,)`` iteration numbers after which the net was evaluated
      (0: before training).
    - ``metrics``: every evaluated quantity by name, ``(n_evals,)`` (a stack: ``(n_evals, K)``);
      ``train_acc`` and ``test_acc`` are the usual two (``None`` when not evaluated).
    - ``iters_per_epoch``: ``N // batch_size`` with epochs; ``epochs`` converts ``eval_iters``.
    - ``diverged_at``: the iteration whose loss was NaN/inf, or ``None`` (a stack: ``(K,)``,
      0 for a member that never diverged).
    - ``stopped_early``: True when early stopping ended training; ``best_iter`` /
      ``best_test_acc``: its best evaluation.
    - ``stop_reason``: a sentence saying why training ended before ``iters`` (or ``None``).
    """

    def __init__(self, iters_per_epoch=1):
        self.iters_per_epoch = iters_per_epoch
        self.stack = None  # K for a stack of K networks
        self._loss: list = []
        self._eval_iters: list[int] = []
        self._metrics: dict[str, list] = {}
        self.diverged_at = None
        self.stopped_early = False
        self.best_iter = None
        self.best_test_acc = None
        self.stop_reason = None

    # -- recording ----------------------------------------------------------------------
    def _full(self, value, members):
        """A stack's value for the members still trained, as a row over all K (NaN elsewhere)."""
        if members is None or np.ndim(value) == 0:
            return value
        row = np.full(self.stack, np.nan)
        row[members] = value
        return row

    def record_loss(self, loss, members=None) -> None:
        """``loss`` of one iteration; for a stack, ``members`` are the original indices of the
        values (members dropped earlier get NaN)."""
        self._loss.append(self._full(loss, members))

    def record_eval(self, iteration: int, values: dict, members=None) -> None:
        self._eval_iters.append(int(iteration))
        for name, value in values.items():
            self._metrics.setdefault(name, []).append(self._full(value, members))

    # -- reading ------------------------------------------------------------------------
    @property
    def loss(self) -> np.ndarray:
        return np.asarray(self._loss, dtype=np.float64)

    @property
    def eval_iters(self) -> np.ndarray:
        return np.asarray(self._eval_iters, dtype=np.int64)

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(values, dtype=np.float64) for name, values in self._metrics.items()}

    def metric(self, name, length=None):
        """The evaluations of ``name`` as an array, or ``None`` if it was never evaluated.
        With ``length``: NaN appended up to ``length`` evaluations (a run that stopped early)."""
        values = self._metrics.get(name)
        if values is None:
            return None
        return _pad(np.asarray(values, dtype=np.float64), length)

    @property
    def train_acc(self):
        return self.metric("train_acc")

    @property
    def test_acc(self):
        return self.metric("test_acc")

    @property
    def iterations(self) -> np.ndarray:
        """``(n_iters_done,)`` the iteration numbers 1, 2, ... matching ``loss``."""
        return np.arange(1, len(self._loss) + 1)

    @property
    def epochs(self) -> np.ndarray:
        """``(n_evals,)`` ``eval_iters`` in epochs."""
        return self.eval_iters / self.iters_per_epoch

    def padded_loss(self, iters: int) -> np.ndarray:
        """``loss`` with NaN appended up to ``iters`` iterations (a run that stopped early)."""
        return _pad(self.loss, iters)


def _pad(a: np.ndarray, length) -> np.ndarray:
    """``a`` with NaN rows appended up to ``length`` rows."""
    if length is None or len(a) >= length:
        return a
    return np.concatenate([a, np.full((length - len(a),) + a.shape[1:], np.nan)])


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite. ``iteration``, ``loss`` and ``history`` (a :class:`History`) say more."""

    def __init__(self, message: str, iteration: int, loss: float, history: History):
        super().__init__(message)
        self.iteration = iteration
        self.loss = loss
        self.history = history


# ----------------------------------------------------------------------------- stopping rules
def _divergence_message(it, iters, loss, last_finite, fp, optimizer, x_train) -> str:
    lines = [f"Training diverged at iteration {it} of {iters}: the loss is {loss}"
             + (f" (last finite loss {last_finite[1]:.4g} at iteration {last_finite[0]})." if last_finite else ".")]
    problems = fp.describe() if fp is not None else []
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


class Divergence:
    """Stop at the first NaN or infinite loss (発散).

    One network: ``history.diverged_at`` and ``history.stop_reason`` (a message naming the
    iteration, the last finite loss, NumPy's floating-point errors and the usual causes) are
    set, and :class:`TrainingDiverged` is raised when ``raise_error`` (else training stops
    quietly). A stack: each member stops at its own first non-finite loss (``diverged_at`` (K,)):
    it is dropped from the net (``net.keep_members``) and from the optimizer
    (``optimizer.keep_members``, when it has one), and its later losses and evaluations are NaN;
    training ends when every member has diverged.
    """

    def __init__(self, raise_error: bool = True):
        self.raise_error = raise_error
        self._last_finite = None

    def after_step(self, ctx, it, loss) -> bool:
        h = ctx.history
        if np.ndim(loss):
            if h.diverged_at is None:
                h.diverged_at = np.zeros(h.stack, dtype=np.int64)
            bad = ~np.isfinite(loss)
            if not bad.any():
                return False
            h.diverged_at[ctx.members[bad]] = it
            ctx.members = ctx.members[~bad]
            if ctx.members.size == 0:
                h.stop_reason = f"Every member of the stack diverged (the last at iteration {it})."
                return True
            ctx.net.keep_members(~bad)
            if hasattr(ctx.optimizer, "keep_members"):
                ctx.optimizer.keep_members(~bad)
            return False
        if math.isfinite(loss):
            self._last_finite = (it, loss)
            return False
        h.diverged_at = it
        h.stop_reason = _divergence_message(it, ctx.iters, loss, self._last_finite, ctx.fp, ctx.optimizer, ctx.x)
        if ctx.bar is not None:
            ctx.bar.set_postfix(loss=loss, refresh=True)
        if self.raise_error:
            raise TrainingDiverged(h.stop_reason, it, loss, h)
        return True

    def after_eval(self, ctx, it) -> bool:
        return False


class EarlyStopping:
    """Stop when the test (validation) accuracy has not improved for ``patience`` evaluations in
    a row (早期終了); ``history.best_iter`` / ``best_test_acc`` hold the best evaluation, and
    ``restore_best=True`` puts its parameters back into ``net.params`` (in place) at the end."""

    def __init__(self, patience: int, restore_best: bool = False):
        if isinstance(patience, bool) or not isinstance(patience, numbers.Integral) or patience < 1:
            raise ValueError(f"patience must be None or an integer >= 1, got {patience!r}.")
        self.patience, self.restore_best = int(patience), restore_best
        self.best, self.stale, self.best_params = -math.inf, 0, None

    def after_step(self, ctx, it, loss) -> bool:
        return False

    def after_eval(self, ctx, it) -> bool:
        h = ctx.history
        acc = float(h.metric("test_acc")[-1])
        if acc > self.best:
            self.best, self.stale = acc, 0
            h.best_iter, h.best_test_acc = it, acc
            if self.restore_best:
                self.best_params = {k: np.array(v, copy=True) for k, v in ctx.net.params.items()}
            return False
        self.stale += 1
        if self.stale < self.patience:
            return False
        h.stopped_early = True
        h.stop_reason = (f"Early stopping at iteration {it}: the test accuracy has not improved for "
                         f"{self.patience} evaluations (best {self.best:.4f} at iteration {h.best_iter}).")
        return True

    def finish(self, ctx) -> None:
        if self.best_params is not None:
            for key, value in self.best_params.items():
                ctx.net.params[key][...] = value


# ----------------------------------------------------------------------------- the loop
@dataclass
class _Context:
    """What the stopping rules may look at."""

    net: object
    optimizer: object
    x: np.ndarray
    iters: int
    history: History
    fp: _FPErrors | None = None
    bar: object = None
    members: np.ndarray | None = None  # a stack: the original indices of the members still trained


def fit(net, optimizer, x, t, batches, *, iters, evaluate=None, eval_at=(), stop=(), on_step=None,
        numpy_errors="ignore", progress=False, desc=None, iters_per_epoch=1) -> History:
    """The training loop: ``iters`` times, take the next index array of ``batches``, run
    :func:`step` on ``(x[idx], t[idx])`` and record its loss; return the :class:`History`.

    x, t: the training set; batches: an iterator of index arrays into it (:class:`Minibatches`,
        or e.g. ``iter(fixed)`` for batches drawn beforehand); iters_per_epoch: for
        ``History.epochs``.
    evaluate: ``evaluate(net) -> {name: value}``, called after the update of every iteration in
        ``eval_at`` (iteration numbers; 0 means before training); the values are recorded under
        their names (``"train_acc"``, ``"test_acc"``, ...).
    stop: stopping rules (:class:`Divergence`, :class:`EarlyStopping`), asked after every step
        and every evaluation; the first that says stop ends training.
    on_step: ``on_step(iteration, loss, grads)``, called after every step (to record more).
    numpy_errors: ``"summarise"``, ``"ignore"`` (default) or ``None`` (see the module docstring).
    progress, desc: a tqdm progress bar showing the loss and the evaluations.
    """
    history = History(iters_per_epoch)
    fp = _FPErrors() if numpy_errors == "summarise" else None
    ctx = _Context(net, optimizer, x, iters, history, fp)
    eval_at = set(int(i) for i in eval_at) if evaluate is not None else set()
    if numpy_errors == "summarise":
        errstate = fp.errstate()
    elif numpy_errors == "ignore":
        errstate = np.errstate(all="ignore")
    elif numpy_errors is None:
        errstate = np.errstate()
    else:
        raise ValueError(f"numpy_errors must be 'summarise', 'ignore' or None, got {numpy_errors!r}.")

    def evaluation(it):
        if fp is not None:
            fp.stage = "net.accuracy"
        history.record_eval(it, evaluate(net), ctx.members)
        if ctx.bar is not None and progress:
            post = {"loss": f"{history._loss[-1]:.4g}"} if history._loss and np.ndim(history._loss[-1]) == 0 else {}
            post.update({k: f"{v[-1]:.3f}" for k, v in history._metrics.items() if np.ndim(v[-1]) == 0})
            ctx.bar.set_postfix(post, refresh=False)
        return any(rule.after_eval(ctx, it) for rule in stop)

    ctx.bar = tqdm(total=iters, desc=desc or "training", disable=not progress, leave=True)
    try:
        with errstate:
            if 0 in eval_at:
                evaluation(0)
            for it in range(1, iters + 1):
                if fp is not None:
                    fp.iteration = it
                idx = next(batches)
                loss, grads = step(net, optimizer, x[idx], t[idx], fp=fp)
                if np.ndim(loss) and ctx.members is None:
                    ctx.members, history.stack = np.arange(len(loss)), len(loss)
                history.record_loss(loss, ctx.members)
                if on_step is not None:
                    on_step(it, loss, grads)
                if any(rule.after_step(ctx, it, loss) for rule in stop):
                    break
                stopping = it in eval_at and evaluation(it)
                if progress and it not in eval_at and np.ndim(loss) == 0:
                    ctx.bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
                ctx.bar.update(1)
                if stopping:
                    break
    finally:
        ctx.bar.close()
    for rule in stop:
        if hasattr(rule, "finish"):
            rule.finish(ctx)
    if fp is not None and history.diverged_at is None:
        for line in fp.describe():
            warnings.warn(
                f"NumPy floating-point problem during training (the loss stayed finite): {line}. "
                "Look for an unstable exp/log/division in the network.",
                RuntimeWarning,
                stacklevel=3,
            )
    return history


# ----------------------------------------------------------------------------- the usual settings
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


def accuracy_on(**sets):
    """An ``evaluate`` for :func:`fit`: ``accuracy_on(train_acc=(x, t), test_acc=(x, t))``
    returns ``net -> {"train_acc": net.accuracy(x, t), ...}`` (sets given as None are skipped)."""
    def evaluate(net):
        return {name: net.accuracy(x, t) for name, (x, t) in sets.items()}
    return evaluate


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
    ``iters`` updates of ``batch_size`` examples, in epochs drawn with ``rng``. Accuracy every
    ``eval_every`` iterations (default one epoch, ``N // batch_size``) and after the last one,
    on at most ``eval_samples`` examples per set (fixed random subsets, chosen once with
    ``rng``). ``progress`` shows a tqdm bar with the loss.

    Early stopping (早期終了): with ``patience=p``, stop when the test accuracy has not
    improved for ``p`` evaluations in a row; ``restore_best=True`` then puts back the
    parameters of the best evaluation (in place, in ``net.params``).

    Raises :class:`TrainingDiverged` at the first NaN/inf loss unless
    ``raise_on_divergence=False``. The net's parameters are changed in place; the data are not.
    NumPy's floating-point errors are summarised (see the module docstring).
    """
    _check_inputs(x_train, t_train, x_test, t_test, iters, batch_size, rng, eval_every, eval_samples, patience)
    batches_per_epoch = max(1, len(x_train) // batch_size)
    eval_every = batches_per_epoch if eval_every is None else int(eval_every)

    def subset(x, t):
        if x is None or eval_samples is None or eval_samples >= len(x):
            return x, t
        idx = np.sort(rng.choice(len(x), size=eval_samples, replace=False))
        return x[idx], t[idx]

    sets = {"train_acc": subset(x_train, t_train)}
    if x_test is not None:
        sets["test_acc"] = subset(x_test, t_test)
    stop = [Divergence(raise_error=raise_on_divergence)]
    if patience is not None:
        stop.append(EarlyStopping(patience, restore_best))
    return fit(net, optimizer, x_train, t_train, Minibatches(len(x_train), batch_size, rng), iters=iters,
               evaluate=accuracy_on(**sets), eval_at={*range(eval_every, iters + 1, eval_every), *([iters] if iters else [])},
               stop=stop, numpy_errors="summarise", progress=progress, desc=desc,
               iters_per_epoch=batches_per_epoch)
