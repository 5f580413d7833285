"""``python -m dlcourse.sandbox ...`` (deprecated): runs the same command of ``python -m dlgrade``."""

import os
import sys


def translate(argv: list[str]) -> list[str]:
    """``check`` -> ``sandbox check``; ``grade CHAPTER [--root R] ...`` -> ``[--root R] rescore CHAPTER ...``."""
    if argv[:1] == ["check"]:
        return ["sandbox", "check", *argv[1:]]
    if argv[:1] == ["grade"]:
        rest, root = list(argv[1:]), []
        if "--root" in rest:
            i = rest.index("--root")
            root, rest = rest[i:i + 2], rest[:i] + rest[i + 2:]
        return [*root, "rescore", *rest]
    return argv


def main(argv: list[str]) -> None:
    new = translate(argv)
    print(f"note: `python -m dlcourse.sandbox` is deprecated and will be removed in the next release; it moved to "
          f"`python -m dlgrade`. Running: python -m dlgrade {' '.join(new)}", file=sys.stderr, flush=True)
    os.execv(sys.executable, [sys.executable, "-m", "dlgrade", *new])


if __name__ == "__main__":
    main(sys.argv[1:])
