"""Build the course edition: ``python -m course.build [--out dist/course]``.

``student/`` the notebooks with blanks; ``solution/`` the reference notebooks; ``autograder/``
the hidden tests, their inputs and expected observations, and the teacher's README.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from course import edition, hidden_tests, reference, teacher

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "dist" / "course"


def build(out: Path) -> Path:
    if out.exists():
        shutil.rmtree(out)
    edition.write_edition(out / "student", "student")
    edition.write_edition(out / "solution", "solution")
    autograder = out / "autograder"
    reference.write(autograder)
    shutil.copy(hidden_tests.__file__, autograder / "hidden_tests.py")
    (autograder / "README.md").write_text(teacher.readme(), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    out = build(parser.parse_args(argv).out)
    print(f"The course edition is in {out}: student/, solution/, autograder/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
