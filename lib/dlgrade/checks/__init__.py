"""The out-of-process grading checks: scores that student code cannot touch.

- :func:`grade_notebook` (``run.py``): run the source notebook's tests (and the
  chapter's extra checks from ``grading/<chapter>.py``, see :mod:`dlgrade.spec`)
  in the grader against the submission's answer cells executed in a fresh
  sandboxed process; returns a :class:`HiddenResult` with
  ``scores[test grade id] = (score, max)`` and the failure ``messages``;
- :func:`hidden_grade`: the same for ``(course root, chapter, notebook, submitted file)``;
- :func:`time_limit`: a check's own time limit for the student's code it calls (``run.py``);
- :class:`GradingChecks`, :func:`annotate`, :func:`apply_scores`, :func:`grade_course`
  (``verdicts.py``): the checks as a step of nbgrader's Autograde (their verdicts in the
  autograded notebooks, hence the feedback, and their scores in the gradebook), and
  afterwards on notebooks autograded before;
- ``cells.py``: reading graded notebooks (answer and test cells, the names an answer defines).
"""

from .run import HiddenResult, grade_notebook, hidden_grade, time_limit

_VERDICTS = ("GradingChecks", "annotate", "apply_scores", "grade_course", "HEADER")
__all__ = ["HiddenResult", "grade_notebook", "hidden_grade", "time_limit", *_VERDICTS]


def __getattr__(name):  # the gradebook side needs nbgrader: loaded on first use
    if name in _VERDICTS:
        from . import verdicts

        return getattr(verdicts, name)
    raise AttributeError(name)
