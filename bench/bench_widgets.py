"""Time every widget explorer's callback: the work a control change triggers.

Each explorer class in ``dlcourse.widgets.*`` that defines ``bench_cases()``
(a list of ``(control_attribute, new_value)`` pairs) is built with no
arguments under the Agg backend; for every case the control is set and the
time until the callback returns is measured (median of several rounds,
alternating between the new and the original value so that each change is
real). Rendering is deferred while timing (``FigureView.deferred``), as
ipympl's ``draw_idle`` returns at once: the number is the callback's compute,
the part the 100 ms budget is about. The baseline, timed in the same run, is
a full render of the same figure to PNG (what the inline fallback pays on
top, and a lower bound of a naive clear-and-replot). End-to-end latency in a
real browser is measured by tests/test_browser.py.

    python bench/bench_widgets.py [--rounds 5] [--quick]
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import statistics
import time

import matplotlib

matplotlib.use("Agg")

BUDGET_MS = 100.0


def explorers():
    import dlcourse.widgets as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"dlcourse.widgets.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and hasattr(cls, "bench_cases"):
                yield f"{info.name}.{name}", cls


def _figures(explorer):
    figs = []
    for value in vars(explorer).values():
        fig = getattr(value, "fig", None) or (value if value.__class__.__name__ == "Figure" else None)
        if fig is not None and fig not in figs:
            figs.append(fig)
    return figs


def time_case(explorer, attr, value, rounds):
    from dlcourse.figures import FigureView

    control = getattr(explorer, attr)
    original = control.value
    if value == original:
        return None
    FigureView.deferred = True
    times = []
    for i in range(rounds):
        target = value if i % 2 == 0 else original
        if target == control.value:
            continue
        start = time.perf_counter()
        control.value = target
        times.append(time.perf_counter() - start)
    control.value = original
    FigureView.deferred = False
    return statistics.median(times) * 1e3


def time_full_render(explorer, rounds):
    import io

    figs = _figures(explorer)
    if not figs:
        return float("nan")
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for fig in figs:
            fig.savefig(io.BytesIO(), format="png")
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 rounds (a smoke run for tests)")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else args.rounds
    print(f"{'explorer':44s} {'control':22s} {'compute ms':>10s} {'full render ms':>15s} {'ratio':>6s}  budget")
    over = 0
    found = 0
    for label, cls in explorers():
        explorer = cls()
        baseline = time_full_render(explorer, rounds)
        for attr, value in cls.bench_cases():
            ms = time_case(explorer, attr, value, max(rounds, 2))
            if ms is None:
                print(f"{label:44s} {attr:22s} (bench case equals the initial value: skipped)")
                continue
            found += 1
            ok = ms <= BUDGET_MS
            over += not ok
            ratio = ms / baseline if baseline == baseline and baseline > 0 else float("nan")
            print(f"{label:44s} {attr:22s} {ms:10.1f} {baseline:15.1f} {ratio:6.2f}  {'ok' if ok else 'OVER'}")
    print(f"{found} widget updates timed; {over} over the {BUDGET_MS:.0f} ms compute budget.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
