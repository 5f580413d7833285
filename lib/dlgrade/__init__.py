"""dlgrade: the instructor's grading tools of the course (dl-course grading).

    python -m dlgrade release             regenerate release/ from source/ (nbgrader generate_assignment)
    python -m dlgrade collect DOWNLOAD    sort an LMS zip/folder into submitted/<student>/<chapter>/
    python -m dlgrade grade [CHAPTER]     autograde every submission on all cores, sandboxed (resumable)
    python -m dlgrade feedback            per-student HTML feedback without the hidden tests' code
    python -m dlgrade export              grades.csv and the class report (plot + HTML page)
    python -m dlgrade sandbox check       can bubblewrap sandbox student code on this machine?
    python -m dlgrade rescore CHAPTER     the out-of-process checks again, on notebooks autograded earlier

(``dlgrade`` is the same command, installed as a console script.) Run from the
course root (the folder holding nbgrader_config.py) or pass --root.

Every path that grades (``grade``, ``nbgrader autograde``, formgrader's Autograde
button) runs nbgrader's Autograde with one pipeline, ``pipeline`` (set in the
course's ``nbgrader_config.py``): the notebook in a sandboxed kernel, then the
out-of-process checks, whose verdicts nbgrader scores.

Modules: ``cli`` (the command line), ``course`` (the course folder), ``release``,
``collect``, ``pipeline`` (the grading steps of nbgrader's Autograde),
``grade`` (the parent: plan, pool, the one gradebook writer),
``worker`` (one submission in a private course copy), ``autograde`` (nbgrader
preprocessors made robust, and the per-submission log), ``checks`` (the
out-of-process grading checks, and their step in the pipeline), ``spec`` (``grading/<chapter>.py``),
``sandbox`` (bubblewrap, limits, seccomp, the launcher, the kernel manager,
the sandboxed process), ``feedback``, ``export``.

dlgrade depends on the student library ``dlcourse`` (the checks use
``dlcourse.checks``); ``dlcourse`` never imports dlgrade, nbgrader or the sandbox.
"""

__version__ = "0.1.0"
