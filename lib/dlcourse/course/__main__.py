"""``python -m dlcourse.course ...`` (deprecated): runs ``python -m dlgrade ...`` with the same arguments."""

import os
import sys

NOTE = ("note: `python -m dlcourse.course` is deprecated and will be removed in the next release; the grading "
        "commands moved to `python -m dlgrade` (or `dlgrade`). Running: python -m dlgrade {args}")


def main(argv: list[str]) -> None:
    print(NOTE.format(args=" ".join(argv)), file=sys.stderr, flush=True)
    os.execv(sys.executable, [sys.executable, "-m", "dlgrade", *argv])  # the grader, in its own process image


if __name__ == "__main__":
    main(sys.argv[1:])
