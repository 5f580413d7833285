"""Explorers of chapter 4: an optimizer's path on the narrow valley f(x, y) = x²/20 + y², and
learning-rate decay on the same valley with noisy gradients.

``OptimizerExplorer()`` shows the path from (-7, 2) on the contours of ``f`` and ``f`` along
the path (log scale). Controls: the optimizer, the learning rate (log slider), the inertia
(Momentum's ``momentum``, Adam's ``beta1``), the decay rate (RMSprop's ``decay_rate``, Adam's
``beta2``) and the number of steps. Choosing another optimizer resets the other controls to
that optimizer's defaults (:data:`dlcourse.plots.optimizers.DEFAULT_LR`, 0.9, 0.99 / 0.999).
A run costs microseconds, so every slider updates continuously.

``DecayExplorer()`` compares a constant learning rate with step decay and cosine decay, all
starting at the same rate, on the valley with noisy gradients (standard normal draws made once,
shared by the three schedules, scaled by the noise slider): the rates, the mean of f over the
runs with the predicted floor of the constant rate, and one run's path. A change of a control
reruns the three schedules (a few hundred runs of 200 updates each, some tens of milliseconds).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from dlcourse.figures import FigureView, new_figure
from dlcourse.plots.optimizers import (DECAY_SETTINGS, DECAY_STEPS, DEFAULT_LR, NOISE_STD, OPTIMIZERS, SCHEDULES,
                                       START, bowl_noise, draw_contours, noise_floor, noisy_bowl_runs, schedule_rates,
                                       trajectory)

__all__ = ["OptimizerExplorer", "explorer_data", "DecayExplorer", "decay_data"]

#: Which optimizer uses which slider, and the slider's label then.
_USES = {
    "SGD": (None, None),
    "Momentum": ("momentum μ", None),
    "AdaGrad": (None, None),
    "RMSprop": (None, "decay_rate ρ"),
    "Adam": ("beta1 β₁", "beta2 β₂"),
}
_DEFAULT_DECAY = {"RMSprop": 0.99, "Adam": 0.999}


def explorer_data(optimizer, lr, momentum=0.9, decay_rate=0.99, steps=30):
    """What the explorer draws: :func:`dlcourse.plots.optimizers.trajectory` for these settings.

    ``momentum`` is Momentum's inertia and Adam's ``beta1``; ``decay_rate`` is RMSprop's decay
    rate and Adam's ``beta2``. Returns ``{"points": (k, 2), "loss": (k,), "diverged": bool}``
    with ``k = steps + 1`` unless the run blew up.
    """
    run = trajectory(optimizer, lr, int(steps), momentum=momentum, decay_rate=decay_rate,
                     beta1=momentum, beta2=decay_rate)
    run["diverged"] = len(run["points"]) < int(steps) + 1 or bool(run["loss"][-1] > 1e6)
    return run


class OptimizerExplorer:
    """Path of an optimizer on f(x, y) = x²/20 + y² and f along it.

    Attributes: ``optimizer`` (Dropdown), ``lr`` (FloatLogSlider), ``momentum`` (FloatSlider,
    Momentum's μ / Adam's β₁), ``decay_rate`` (FloatSlider, RMSprop's ρ / Adam's β₂), ``steps``
    (IntSlider), ``data`` (last :func:`explorer_data`), ``path_line`` and ``loss_line`` (the
    Matplotlib lines updated in place), ``widget``.
    """

    def __init__(self, optimizer="SGD", lr=None, momentum=0.9, decay_rate=None, steps=30):
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}.")
        self._busy = False
        self.optimizer = widgets.Dropdown(options=list(OPTIMIZERS), value=optimizer, description="optimizer")
        self.lr = widgets.FloatLogSlider(value=DEFAULT_LR[optimizer] if lr is None else lr, base=10,
                                         min=-3, max=0.5, step=0.01, description="lr",
                                         readout_format=".3g", continuous_update=True)
        self.momentum = widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                                            description="momentum μ", continuous_update=True)
        self.decay_rate = widgets.FloatSlider(value=_DEFAULT_DECAY.get(optimizer, 0.99) if decay_rate is None
                                              else decay_rate, min=0.0, max=0.999, step=0.001,
                                              readout_format=".3f", description="decay_rate ρ",
                                              continuous_update=True)
        self.steps = widgets.IntSlider(value=steps, min=1, max=200, step=1, description="steps",
                                       continuous_update=True)
        for control in (self.lr, self.momentum, self.decay_rate, self.steps):
            control.style.description_width = "90px"

        self.fig, (self.ax_path, self.ax_loss) = new_figure(figsize=(11, 4), ncols=2,
                                                            gridspec_kw={"width_ratios": [1.6, 1]})
        draw_contours(self.ax_path)
        (self.path_line,) = self.ax_path.plot([], [], "o-", color="C3", markersize=3, linewidth=1)
        self.ax_path.plot(*START, "s", color="k", markersize=5)
        (self.loss_line,) = self.ax_loss.plot([], [], color="C3")
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_ylim(1e-8, 1e4)
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("f(x, y)  (log scale)")
        self.ax_loss.grid(True, which="major", alpha=0.3)
        self.title = self.ax_path.set_title("", fontsize=10)
        self.loss_title = self.ax_loss.set_title("", fontsize=10)
        self.fig.tight_layout()
        self.view = FigureView(self.fig)
        self.update()

        self.optimizer.observe(self._on_optimizer, names="value")
        for control in (self.lr, self.momentum, self.decay_rate, self.steps):
            control.observe(lambda change: self.update(), names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.optimizer, self.lr, self.steps]),
            widgets.HBox([self.momentum, self.decay_rate]),
            self.view.widget,
        ])

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("lr", 0.5), ("optimizer", "Momentum"), ("momentum", 0.5), ("optimizer", "Adam"),
                ("decay_rate", 0.9), ("steps", 200)]

    def _on_optimizer(self, change):
        """A new optimizer starts from its own defaults; one redraw for all the changes."""
        name = change["new"]
        self._busy = True
        try:
            self.lr.value = DEFAULT_LR[name]
            self.momentum.value = 0.9
            self.decay_rate.value = _DEFAULT_DECAY.get(name, self.decay_rate.value)
        finally:
            self._busy = False
        self.update()

    def update(self):
        """Recompute the path for the current controls and redraw the lines in place."""
        if self._busy:
            return
        name = self.optimizer.value
        uses_momentum, uses_decay = _USES[name]
        self.momentum.disabled = uses_momentum is None
        self.decay_rate.disabled = uses_decay is None
        self.momentum.description = uses_momentum or "momentum μ"
        self.decay_rate.description = uses_decay or "decay_rate ρ"
        self.data = explorer_data(name, self.lr.value, self.momentum.value, self.decay_rate.value,
                                  self.steps.value)
        p, loss = self.data["points"], self.data["loss"]
        self.path_line.set_data(p[:, 0], p[:, 1])
        self.loss_line.set_data(np.arange(len(loss)), np.clip(loss, 1e-12, 1e12))
        self.ax_loss.set_xlim(0, max(1, self.steps.value))
        settings = f"lr {self.lr.value:.3g}"
        if uses_momentum:
            settings += f", {uses_momentum.split()[0]} {self.momentum.value:.2f}"
        if uses_decay:
            settings += f", {uses_decay.split()[0]} {self.decay_rate.value:.3f}"
        self.title.set_text(f"{name} ({settings})")
        end = p[-1]
        if self.data["diverged"]:
            self.loss_title.set_text(f"diverged: f = {loss[-1]:.3g} after {len(loss) - 1} steps")
        else:
            self.loss_title.set_text(f"after {len(loss) - 1} steps: ({end[0]:.3g}, {end[1]:.3g}), f = {loss[-1]:.2g}")
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def decay_data(lr0=DECAY_SETTINGS["lr0"], noise_std=NOISE_STD, momentum=0.0, drop=DECAY_SETTINGS["drop"],
               every=DECAY_SETTINGS["every"], *, noise):
    """What the decay explorer draws: for each schedule of :data:`dlcourse.plots.optimizers.SCHEDULES`
    (all from ``lr0``, cosine to 0 over the run), :func:`dlcourse.plots.optimizers.noisy_bowl_runs` with
    the draws ``noise`` (steps, runs, 2); plus the predicted floor of the constant rate.

    Returns ``{name: {"lr": (steps,), "mean_loss": (k,), "path": (k, 2) the first run's points},
    "floor": float}``.
    """
    steps = noise.shape[0]
    out = {"floor": noise_floor(lr0, noise_std=noise_std, momentum=momentum)}
    for kind in SCHEDULES:
        rates = schedule_rates(kind, steps, lr0, drop=drop, every=every, lr_min=0.0)
        run = noisy_bowl_runs(rates, noise_std=noise_std, momentum=momentum, noise=noise)
        out[kind] = {"lr": rates, "mean_loss": run["mean_loss"], "path": run["points"][:, 0]}
    return out


class DecayExplorer:
    """A constant rate, step decay and cosine decay on the valley with noisy gradients.

    Attributes: the controls ``lr0`` (FloatLogSlider: the rate every schedule starts with),
    ``noise`` (the noise std σ), ``momentum`` (μ; 0 is SGD), ``drop`` and ``every`` (step decay);
    ``data`` (the last :func:`decay_data`), ``rate_lines``, ``loss_lines``, ``path_lines`` (dicts
    schedule -> Matplotlib line, updated in place), ``floor_line``, ``widget``.
    """

    def __init__(self, lr0=DECAY_SETTINGS["lr0"], noise=NOISE_STD, momentum=0.0, drop=DECAY_SETTINGS["drop"],
                 every=DECAY_SETTINGS["every"], steps=DECAY_STEPS, runs=300, seed=0):
        self.draws = bowl_noise(steps, runs, seed)
        self.steps = int(steps)
        style = {"description_width": "110px"}
        self.lr0 = widgets.FloatLogSlider(value=lr0, base=10, min=-2, max=0, step=0.01, description="start rate lr0",
                                          readout_format=".3g", continuous_update=True, style=style)
        self.noise = widgets.FloatSlider(value=noise, min=0.0, max=2.0, step=0.05, description="noise std σ",
                                         continuous_update=True, style=style)
        self.momentum = widgets.FloatSlider(value=momentum, min=0.0, max=0.95, step=0.05, description="momentum μ",
                                            continuous_update=True, style=style)
        self.drop = widgets.FloatSlider(value=drop, min=0.1, max=0.9, step=0.05, description="step: drop",
                                        continuous_update=True, style=style)
        self.every = widgets.IntSlider(value=every, min=10, max=100, step=5, description="step: every",
                                       continuous_update=True, style=style)

        self.fig, (self.ax_lr, self.ax_loss, self.ax_path) = new_figure(
            figsize=(12, 3.7), ncols=3, gridspec_kw={"width_ratios": [1, 1.2, 1.2]})
        t = np.arange(self.steps)
        self.rate_lines, self.loss_lines, self.path_lines = {}, {}, {}
        draw_contours(self.ax_path, xlim=(-8, 3), ylim=(-3, 3))
        self.ax_path.plot(*START, "s", color="k", markersize=5)
        for i, kind in enumerate(SCHEDULES):
            (self.rate_lines[kind],) = self.ax_lr.plot(t, np.zeros(self.steps), color=f"C{i}", label=kind,
                                                       drawstyle="steps-post")
            (self.loss_lines[kind],) = self.ax_loss.plot([], [], color=f"C{i}", label=kind)
            (self.path_lines[kind],) = self.ax_path.plot([], [], "-", color=f"C{i}", linewidth=0.7, alpha=0.8)
        self.floor_line = self.ax_loss.axhline(1.0, color="C0", linestyle="--", linewidth=1)
        self.ax_lr.set_xlabel("update t")
        self.ax_lr.set_ylabel("learning rate")
        self.ax_lr.set_xlim(0, self.steps)
        self.ax_lr.legend(fontsize=8)
        self.ax_loss.set_yscale("log")
        self.ax_loss.minorticks_off()              # (a log axis's minor ticks cost a third of a redraw)
        self.ax_loss.set_ylim(1e-3, 10)
        self.ax_loss.set_xlim(0, self.steps)
        self.ax_loss.set_xlabel("update t")
        self.ax_loss.set_ylabel(f"mean f over {runs} runs (log)")
        self.ax_loss.grid(True, which="major", alpha=0.3)
        self.ax_path.set_title("one run of each (the same noise)", fontsize=9)
        # Tick labels are most of a redraw's cost: few of them, none on the picture of the valley.
        self.ax_path.set_xticks([])
        self.ax_path.set_yticks([])
        self.ax_path.set_xlabel("")
        self.ax_path.set_ylabel("")
        for ax in (self.ax_lr, self.ax_loss):
            ax.set_xticks(np.linspace(0, self.steps, 5))
        self.ax_lr.yaxis.set_major_locator(MaxNLocator(4))
        self.lr_title = self.ax_lr.set_title("", fontsize=9)
        self.loss_title = self.ax_loss.set_title("mean f after the run\npredicted floor", fontsize=9)
        self.fig.tight_layout()      # leaves room for the two lines of the title
        self.view = FigureView(self.fig)
        self.update()

        for control in (self.lr0, self.noise, self.momentum, self.drop, self.every):
            control.observe(lambda change: self.update(), names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.lr0, self.noise, self.momentum]),
            widgets.HBox([self.drop, self.every]),
            self.view.widget,
        ])

    @classmethod
    def bench_cases(cls):
        """Controls and values whose callbacks the widget benchmark times."""
        return [("lr0", 0.1), ("noise", 0.5), ("momentum", 0.5), ("drop", 0.3), ("every", 60)]

    def update(self):
        """Rerun the three schedules for the current controls and redraw the lines in place."""
        self.data = decay_data(self.lr0.value, self.noise.value, self.momentum.value, self.drop.value,
                               self.every.value, noise=self.draws)
        finals = []
        for kind in SCHEDULES:
            d = self.data[kind]
            self.rate_lines[kind].set_ydata(d["lr"])
            loss = np.clip(d["mean_loss"], 1e-12, 1e12)
            self.loss_lines[kind].set_data(np.arange(len(loss)), loss)
            self.path_lines[kind].set_data(d["path"][:, 0], d["path"][:, 1])
            diverged = len(loss) < self.steps + 1
            finals.append(f"{kind} " + ("diverged" if diverged else f"{d['mean_loss'][-1]:.3g}"))
        floor = self.data["floor"]
        self.floor_line.set_ydata([min(floor, 1e12)] * 2)
        self.ax_lr.set_ylim(0, self.lr0.value * 1.08)
        self.lr_title.set_text(f"step: × {self.drop.value:g} every {self.every.value} updates; cosine: to 0 "
                               f"over {self.steps}")
        self.loss_title.set_text(f"mean f after {self.steps} updates: " + ", ".join(finals) +
                                 (f"\ndashed: the constant rate's predicted floor, {floor:.3g}" if np.isfinite(floor)
                                  else "\nthe constant rate is unstable (no floor)"))
        self.view.refresh()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
