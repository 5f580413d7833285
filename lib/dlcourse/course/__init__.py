"""Moved: the instructor's commands are the package ``dlgrade`` now (``python -m dlgrade ...``).

``python -m dlcourse.course ...`` still works for this release: it says so and runs ``python -m dlgrade ...``
in its place. Nothing here imports dlgrade: the student library never loads the grader.
"""
