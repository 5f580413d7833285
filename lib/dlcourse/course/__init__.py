"""Instructor tools: release, collect, grade (in parallel, safely), feedback and export.

    python -m dlcourse.course release            regenerate release/ from source/ (nbgrader generate_assignment)
    python -m dlcourse.course collect DOWNLOAD   sort an LMS zip/folder into submitted/<student>/<chapter>/
    python -m dlcourse.course grade [CHAPTER]    autograde every submission on all cores (resumable)
    python -m dlcourse.course feedback           per-student HTML feedback without the hidden tests' code
    python -m dlcourse.course export             grades.csv and the class report (plot + HTML page)

Run from the course root (the folder holding nbgrader_config.py) or pass --root.
nbgrader does the grading; this package runs it in-process in a pool of worker
processes, each with a private copy of the course and of the gradebook, and
merges the results into the real gradebook from the parent process only.
"""
