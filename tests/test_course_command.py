"""The README's two commands: `python3 course.py lab` serves the course, `course.py test` is what CI runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_course_lab_serves_the_first_chapter():
    port = _free_port()
    cmd = [sys.executable, str(REPO / "course.py"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--port-retries=0", "--IdentityProvider.token=t0ken"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/notebooks/ch00_review.ipynb"
                                            f"?content=0&token=t0ken", timeout=5) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert proc.poll() is None, f"course.py lab exited early:\n{proc.stdout.read()[-3000:]}"
                assert time.monotonic() < deadline, "JupyterLab did not answer within 120 s"
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=t0ken", timeout=10) as resp:
            assert resp.status == 200 and b"JupyterLab" in resp.read()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_course_help_names_both_commands():
    out = subprocess.run([sys.executable, str(REPO / "course.py"), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "course.py lab" in out.stdout and "course.py test" in out.stdout


def test_unknown_command_is_a_clear_error():
    out = subprocess.run([sys.executable, str(REPO / "course.py"), "tset"], capture_output=True, text=True)
    assert out.returncode == 2 and "unknown command 'tset'" in out.stderr
