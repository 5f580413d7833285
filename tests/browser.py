"""Drive JupyterLab in Debian's Chromium: start a server, run notebooks, move widgets.

Used by tests/test_browser.py and bench/bench_browser.py. Everything it starts
(the Jupyter server, its kernels, the browser) is stopped by the context
managers, also when a test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import nbformat

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

# In-page helpers: a fingerprint of every plot in an output area (ipympl canvases and PNG images).
FINGERPRINT_JS = """
(area) => {
  const parts = [];
  for (const c of area.querySelectorAll('canvas')) {
    if (!c.width || !c.height) continue;
    const url = c.toDataURL();
    let h = 0;
    for (let i = 0; i < url.length; i += 7) { h = (h * 31 + url.charCodeAt(i)) | 0; }
    parts.push(c.width + 'x' + c.height + ':' + url.length + ':' + h);
  }
  for (const img of area.querySelectorAll('img')) { parts.push('img:' + img.src.length + ':' + img.src.slice(-64)); }
  return parts.join('|');
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_missing_reason() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the Python package playwright is missing (pip install -e '.[test]')"
    return None


@dataclass
class LabServer:
    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log_path: Path

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{sep}token={self.token}"


def require_or_skip(reason: str | None, what: str) -> None:
    """Skip a test whose tools are missing (``reason``), but fail it in CI, which must run it."""
    import pytest

    if reason and os.environ.get("CI"):
        pytest.fail(f"{what} cannot run in CI: {reason}. `python3 course.py test` installs it as root.")
    if reason:
        pytest.skip(reason)


def stop_process(proc: subprocess.Popen, *, group: bool, wait_s: float) -> None:
    """SIGTERM (to the process group when ``group``), wait up to ``wait_s``, then SIGKILL the group."""
    with contextlib.suppress(ProcessLookupError):
        (os.killpg if group else os.kill)(proc.pid, signal.SIGTERM)
    try:
        proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@contextlib.contextmanager
def lab_server(root: Path, log_dir: Path) -> Iterator[LabServer]:
    """Start JupyterLab on 127.0.0.1 with a free port, serving ``root``; stop it and its kernels after."""
    port, token = free_port(), secrets.token_hex(16)
    log_path = log_dir / "jupyterlab.log"
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["JUPYTER_CONFIG_DIR"] = str(root / ".jupyter-config")
    cmd = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--ServerApp.open_browser=False",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.25)
        yield LabServer(root, port, token, proc, log_path)
    finally:
        # SIGTERM to the whole session: the server and the kernels it started.
        stop_process(proc, group=True, wait_s=20)
        log.close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class WidgetResult:
    notebook: str
    control: str
    changed: bool
    latency_ms: float | None
    detail: str = ""


@dataclass
class NotebookRun:
    notebook: str
    errors: list[str] = field(default_factory=list)
    widgets: list[WidgetResult] = field(default_factory=list)
    seconds: float = 0.0


def run_all_cells(page, server: LabServer, rel_path: str, timeout_s: float = 240) -> float:
    """Open a notebook, restart its kernel and run all cells; return the seconds it took."""
    page.goto(server.url(f"lab/tree/{rel_path}?reset"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})

    def restart_and_run_all():
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator('[data-command="runmenu:restart-and-run-all"]').click()
        page.locator(".jp-Dialog-button.jp-mod-accept").click()

    restart_and_run_all()
    start = time.monotonic()
    # Run-all queues every cell at once, so every input prompt shows [*] until its cell has run:
    # done when no prompt shows [*] any more and some show a number, twice in a row 0.5 s apart.
    # JupyterLab sometimes loses the queued cells when the restart races the kernel's start-up:
    # prompts stay [*] while the kernel sits idle or stays "starting", or the restart happens and
    # the run-all never queues (every prompt blank, kernel idle). After 15 s of either with no cell
    # executing, restart and run all again (three times at most).
    state_js = """() => {
        const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')];
        const busy = prompts.some(p => p.textContent.includes('*'));
        const numbered = prompts.some(p => /\\[\\d+\\]/.test(p.textContent));
        const ind = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
        const working = !!ind && ind.getAttribute('data-status') === 'busy';
        return {done: !busy && numbered, stalled: (busy || !numbered) && !working};
    }"""
    deadline = start + timeout_s
    stable, stalled_since, retries = 0, None, 0
    while stable < 2:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{rel_path}: run-all did not finish within {timeout_s:.0f} s")
        state = page.evaluate(state_js)
        stable = stable + 1 if state["done"] else 0
        if state["stalled"]:
            stalled_since = stalled_since or time.monotonic()
            if time.monotonic() - stalled_since > 15 and retries < 3:
                retries += 1
                stalled_since = None
                restart_and_run_all()
        else:
            stalled_since = None
        page.wait_for_timeout(500)
    seconds = time.monotonic() - start
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1500)
    return seconds


def saved_errors(path: Path) -> list[str]:
    """Error outputs (exceptions) in the notebook file as the browser saved it."""
    nb = nbformat.read(path, as_version=4)
    errors = []
    unexecuted = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if cell.get("execution_count") is None:
            unexecuted += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
    if unexecuted:
        errors.append(f"{unexecuted} code cell(s) were not executed")
    return errors


def _controls(page):
    """(kind, locator) for every widget control on the page, in document order."""
    found = []
    for kind, selector in [
        ("slider", ".jp-OutputArea-output .noUi-handle"),
        ("dropdown", ".jp-OutputArea-output .widget-dropdown select"),
        ("checkbox", ".jp-OutputArea-output .widget-checkbox input[type=checkbox]"),
        ("toggle", ".jp-OutputArea-output .widget-toggle-buttons"),
        ("radio", ".jp-OutputArea-output .widget-radio-box"),
    ]:
        loc = page.locator(selector)
        for i in range(loc.count()):
            found.append((kind, loc.nth(i)))
    return found


def _label(kind: str, control) -> str:
    text = control.evaluate(
        """(el) => { const w = el.closest('.widget-inline-hbox, .jupyter-widgets, .widget-box');
                     const l = w && w.querySelector('.widget-label');
                     return l ? l.textContent.trim() : ''; }""")
    return f"{kind}:{text or '?'}"


def move_control(page, kind: str, control) -> None:
    if kind == "slider":
        # One key press on the handle, as a student would; leftwards when already at the maximum.
        now, top = control.get_attribute("aria-valuenow"), control.get_attribute("aria-valuemax")
        control.focus()
        page.keyboard.press("ArrowLeft" if now is not None and now == top else "ArrowRight")
    elif kind == "dropdown":
        options = control.evaluate("(s) => [...s.options].map(o => o.value)")
        current = control.evaluate("(s) => s.value")
        other = next((o for o in options if o != current), current)
        control.select_option(other)
    elif kind == "checkbox":
        control.click()
    elif kind in ("toggle", "radio"):
        items = control.locator("button, input[type=radio]")
        for i in range(items.count()):
            item = items.nth(i)
            selected = item.evaluate("(b) => b.classList.contains('mod-active') || b.checked === true")
            if not selected:
                item.click()
                break


DISABLED_JS = "(el) => !!(el.disabled || el.closest('[disabled]') || el.closest('.mod-disabled'))"


def enable(page, control) -> bool:
    """A control that is disabled in the explorer's current state (e.g. Momentum's slider while SGD
    is selected) is enabled by trying the options of the explorer's dropdowns and toggle buttons."""
    if not control.evaluate(DISABLED_JS):
        return True
    area = control.evaluate_handle("(el) => el.closest('.jp-OutputArea') || el.closest('.jp-Cell')")
    selects = area.as_element().query_selector_all(".widget-dropdown select")
    for select in selects:
        for value in select.evaluate("(s) => [...s.options].map(o => o.value)"):
            select.select_option(value)
            page.wait_for_timeout(300)
            if not control.evaluate(DISABLED_JS):
                return True
    for button in area.as_element().query_selector_all(".widget-toggle-buttons button"):
        button.click()
        page.wait_for_timeout(300)
        if not control.evaluate(DISABLED_JS):
            return True
    return False


def exercise_widgets(page, notebook: str, timeout_ms: int = 15_000) -> list[WidgetResult]:
    """Move every control; check the plot in the same output area changed; time it.

    A control disabled in the current state is first enabled through the explorer's own
    selectors (see :func:`enable`); one that no state enables is reported as such.
    """
    results = []
    for kind, control in _controls(page):
        label = _label(kind, control)
        control.scroll_into_view_if_needed()
        if not enable(page, control):
            results.append(WidgetResult(notebook, label, False, None, "disabled in every state of its explorer"))
            continue
        page.wait_for_timeout(500)  # let the redraw caused by enabling settle
        area = control.evaluate_handle("(el) => el.closest('.jp-OutputArea') || el.closest('.jp-Cell')")
        before = page.evaluate(f"({FINGERPRINT_JS})", area)
        if not before:
            results.append(WidgetResult(notebook, label, False, None, "no plot (canvas or image) in its output"))
            continue
        page.evaluate("() => { window.__t0 = performance.now(); }")
        move_control(page, kind, control)
        try:
            page.wait_for_function(
                f"([area, before]) => ({FINGERPRINT_JS})(area) !== before", arg=[area, before],
                timeout=timeout_ms, polling=10)
            latency = page.evaluate("() => performance.now() - window.__t0")
            results.append(WidgetResult(notebook, label, True, latency))
        except Exception as exc:  # playwright TimeoutError
            results.append(WidgetResult(notebook, label, False, None, f"plot unchanged after {timeout_ms} ms ({exc.__class__.__name__})"))
        page.wait_for_timeout(300)
    return results


def copy_course(repo: Path, dest: Path) -> Path:
    """The parts of the course a browser session needs, in a scratch folder (the browser saves files)."""
    for name in ["notebooks", "source", "release"]:
        if (repo / name).exists():
            shutil.copytree(repo / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy2(repo / "nbgrader_config.py", dest / "nbgrader_config.py")
    return dest


def write_baseline_notebook(path: Path) -> None:
    """A minimal explorer (one slider, one ipympl line): the latency baseline of the same run."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%matplotlib widget"),
        nbformat.v4.new_code_cell(
            "import ipywidgets as w, numpy as np\n"
            "from dlcourse.figures import new_figure, FigureView\n"
            "fig, ax = new_figure((5, 3)); x = np.linspace(0, 6, 100)\n"
            "line, = ax.plot(x, np.sin(x)); ax.set_ylim(-3, 3); view = FigureView(fig)\n"
            "s = w.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description='amp')\n"
            "s.observe(lambda ch: (line.set_ydata(s.value * np.sin(x)), view.refresh()), 'value')\n"
            "w.VBox([s, view.widget])"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def save_json(path: Path, runs: list[NotebookRun]) -> None:
    path.write_text(json.dumps([{
        "notebook": r.notebook, "seconds": r.seconds, "errors": r.errors,
        "widgets": [w.__dict__ for w in r.widgets]} for r in runs], indent=1))
