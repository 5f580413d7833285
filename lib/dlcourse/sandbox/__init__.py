"""Moved: the grading sandbox is ``dlgrade.sandbox`` (and the checks ``dlgrade.checks``) now.

``python -m dlcourse.sandbox check | grade CHAPTER`` still works for this release: it says so and runs
``python -m dlgrade sandbox check`` / ``python -m dlgrade rescore CHAPTER``. Nothing here imports dlgrade.
"""
