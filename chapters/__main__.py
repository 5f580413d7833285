"""``python -m chapters readme``: write the README's chapter table from the chapter records."""

from __future__ import annotations

import sys
from pathlib import Path

import chapters

README = Path(__file__).resolve().parents[1] / "README.md"


def replace_table(text: str, table: str) -> str:
    """``text`` with the block that starts at the table header (up to the next blank line) replaced."""
    lines = text.split("\n")
    try:
        start = lines.index(chapters.README_HEADER)
    except ValueError:
        raise SystemExit(f"README.md has no line {chapters.README_HEADER!r} to start the chapter table at")
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    return "\n".join(lines[:start] + table.split("\n") + lines[end:])


def main(argv: list[str]) -> int:
    if argv != ["readme"]:
        print(__doc__, file=sys.stderr)
        return 2
    README.write_text(replace_table(README.read_text(encoding="utf-8"), chapters.readme_table()), encoding="utf-8")
    print(f"wrote the chapter table of {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
