"""nbgrader configuration of the course (run nbgrader from the repository root)."""

c = get_config()  # noqa: F821  (provided by nbgrader/traitlets)

c.CourseDirectory.course_id = "dl-from-scratch-day2"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Only notebooks are part of an assignment; helper files stay out of release/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Grading: a graded notebook must run in well under 20 s; a cell gets 60 s at most
# so that an infinite loop costs its author only that cell.
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Student versions: strip solutions and hidden tests; lock the cells we grade.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.LockCells.lock_grade_cells = True
c.LockCells.lock_readonly_cells = True
c.ClearHiddenTests.enforce_metadata = True

# A deleted or metadata-stripped test cell is restored from the gradebook and scored.
c.OverwriteCells.add_missing_cells = True

# Protected grading, whichever command grades (`nbgrader autograde`, formgrader's Autograde button,
# `python -m dlgrade grade`): the student's kernel runs in bubblewrap, and every test cell's score
# comes from the out-of-process grading checks (the source notebook's tests and grading/<chapter>.py),
# which student code cannot touch. Without bubblewrap, grading refuses to run. See README.md,
# "Tamper-resistant grading", and lib/dlgrade/pipeline.py for the steps.
# Fail closed: nbgrader skips a configuration file that raises (it only logs the error) and would then
# grade with its own, unprotected steps. So where the grader cannot be imported (a Python without the
# course's set-up), Autograde is given a step that cannot be loaded either: every grading command and
# formgrader's button then fail on it ("No module named 'dlgrade'") and grade nothing.
try:
    from dlgrade.pipeline import protect  # noqa: E402
except ImportError as _missing:
    import sys as _sys

    print(f"nbgrader_config.py: the course's grader cannot be imported ({_missing}); grading refuses to run "
          "until it is installed (python3 course.py setup, then use .venv/bin/nbgrader)", file=_sys.stderr)
    c.Autograde.sanitize_preprocessors = ["dlgrade.pipeline.NotInstalled"]
    c.Autograde.autograde_preprocessors = ["dlgrade.pipeline.NotInstalled"]
else:
    protect(c)

# Grading policy: a test cell passes when it raises no exception. nbgrader would
# also zero any cell that wrote to stderr, so a correct answer that triggers a
# harmless warning (a RuntimeWarning from NumPy, a DeprecationWarning from a
# library) would lose its points. IgnorePattern drops stderr output before
# scoring; it needs both `enabled` and `pattern`. The pattern matches every
# stderr chunk: failures are exceptions, never printed text.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]*"
