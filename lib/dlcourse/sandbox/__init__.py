"""Tamper-resistant grading: student code runs in a bubblewrap sandbox; scores come from checks it cannot touch.

For the instructor's grader, not for students' notebooks. The public API:

- :func:`grade_notebook` (``hidden.py``): run the source notebook's tests (and the
  chapter's extra checks from ``grading/<chapter>.py``) in the grader against the
  submission's answer cells executed in a fresh sandboxed process; returns a
  :class:`HiddenResult` with ``scores[test grade id] = (score, max)`` and the
  failure ``messages``.
- :func:`hidden_grade` (``gradebook.py``): the same for ``(course root, chapter,
  notebook, submitted file)``, loading the chapter's spec.
- :func:`apply_scores`, :func:`annotate`, :func:`annotate_bytes`,
  :func:`grade_course`: put the scores into the nbgrader gradebook and the
  verdicts into the autograded notebooks (hence into the feedback).
- :func:`wrap_kernel_command`, :class:`SandboxedKernelManager` (``kernel.py``):
  sandboxed Jupyter kernels for nbgrader's notebook run.
- :func:`probe`, :func:`require`, :class:`SandboxUnavailable`, :class:`Limits` (``bwrap.py``).

Command line: ``python -m dlcourse.sandbox check`` and ``python -m dlcourse.sandbox grade CHAPTER``.
"""

from .bwrap import Limits, SandboxUnavailable, probe, require
from .hidden import HiddenResult, grade_notebook
from .spec import NotebookSpec

__all__ = ["Limits", "SandboxUnavailable", "probe", "require", "HiddenResult", "grade_notebook", "NotebookSpec",
           "hidden_grade", "apply_scores", "annotate", "annotate_bytes", "grade_course", "wrap_kernel_command",
           "SandboxedKernelManager"]


def __getattr__(name):  # the nbgrader-dependent parts load on first use
    if name in ("hidden_grade", "apply_scores", "annotate", "annotate_bytes", "grade_course"):
        from . import gradebook

        return getattr(gradebook, name)
    if name in ("wrap_kernel_command", "SandboxedKernelManager", "SandboxedExecute"):
        from . import kernel

        return getattr(kernel, name)
    raise AttributeError(name)
