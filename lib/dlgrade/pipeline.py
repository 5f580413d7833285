"""The course's grading pipeline: nbgrader's Autograde, protected, for every path that grades.

The course's ``nbgrader_config.py`` calls :func:`protect`, so every command
that runs nbgrader's Autograde converter with it grades a submission the same
way: ``nbgrader autograde CHAPTER`` on the command line, formgrader's Autograde
button (the same converter, in the Jupyter server, with the same
configuration), and ``python -m dlgrade grade``, whose workers run that
converter with these same lists (:mod:`dlgrade.worker`): the parallel command
is the fast path of this pipeline, not another grader.

Sanitizing (nbgrader's steps; the gradebook, not the submission, decides which
cells are graded)::

    ClearOutput, DeduplicateIds, OverwriteKernelspec, RobustOverwriteCells, CheckCellMetadata

Autograding::

    RobustExecute       the notebook run, for what the student reads: the kernel starts through the
                        course's launcher in bubblewrap (dlgrade.sandbox.kernel), with limits, and is
                        restarted when it dies; refuses to start without bubblewrap
    IgnorePattern, ClearMetadataPreprocessor, LimitOutput                   (nbgrader's)
    GradingChecks       the out-of-process checks score every test cell: its outputs are settled to
                        the check's verdict (dlgrade.checks.verdicts), so that ...
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata                  (nbgrader's)
                        ... nbgrader's own SaveAutoGrades writes the checks' scores to the gradebook

Without a working bubblewrap, grading refuses to run (the error names what to
install); ``DLCOURSE_ALLOW_UNSANDBOXED=1`` in the environment (``grade``:
``--unsandboxed``) grades anyway after a loud warning.

The preprocessors are named by their import paths: reading ``nbgrader_config.py``
(which every nbgrader command and the formgrader do) imports nothing of the grader.
"""

from __future__ import annotations

import os

SANITIZE = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "dlgrade.autograde.RobustOverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

AUTOGRADE = [
    "dlgrade.autograde.RobustExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "dlgrade.checks.verdicts.GradingChecks",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

#: TESTS ONLY: when this variable is set to 1, the GradingChecks step does nothing and the notebook run
#: scores (as plain nbgrader would); the kernel stays sandboxed. tests/gradingkit.py sets it for the chapter
#: grading tests, whose variants tests/test_sandbox_chapters.py grades through the checks. Never set it
#: where a class is graded.
TESTS_ONLY_VARIABLE = "DLGRADE_TESTS_SCORE_BY_NOTEBOOK_RUN"


def notebook_scores_for_tests() -> bool:
    """True when the tests-only switch :data:`TESTS_ONLY_VARIABLE` is set."""
    return os.environ.get(TESTS_ONLY_VARIABLE, "") not in ("", "0")


notebook_scores_for_tests.variable = TESTS_ONLY_VARIABLE


def protect(c) -> None:
    """Configure nbgrader's Autograde (``c``: the configuration in ``nbgrader_config.py``) with the pipeline."""
    c.Autograde.sanitize_preprocessors = list(SANITIZE)
    c.Autograde.autograde_preprocessors = list(AUTOGRADE)


def is_protected(config) -> bool:
    """Does an nbgrader configuration (a traitlets ``Config``) grade with exactly this pipeline?"""
    from traitlets.utils.importstring import import_item

    def classes(items) -> list:
        return [import_item(p) if isinstance(p, str) else p for p in items]

    section = config.get("Autograde", {})
    return (classes(section.get("sanitize_preprocessors", [])) == classes(SANITIZE)
            and classes(section.get("autograde_preprocessors", [])) == classes(AUTOGRADE))
