"""What must never reach a student: a solution's answer lines and hidden-check lines.

Read here straight from the MyST source, independently of shipml.course.instructor, so
that the tests of the student pack and the student edition do not trust the
code they test. Lines that also stand in the chapter or the exercise are public
and left out, as are short ones (`return x`), which prove nothing.
"""

from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[2]


def secret_lines(stem: str = "01-ml-engineering") -> tuple[list[str], list[str]]:
    """(answer lines, hidden-check lines) of solutions/<stem>.md that appear nowhere public."""
    nb = jupytext.read(ROOT / "solutions" / f"{stem}.md", fmt="md:myst")
    answers, hidden = [], []
    for cell in nb.cells:
        if "hidden-check" in (cell.metadata.get("tags") or []):
            hidden += cell.source.splitlines()
            continue
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN SOLUTION" in line or "END SOLUTION" in line:
                inside = "BEGIN" in line
            elif inside:
                answers.append(line)
    public = {line.strip() for folder in ("chapters", "exercises")
              for line in (ROOT / folder / f"{stem}.md").read_text().splitlines()}

    def distinctive(lines):
        return sorted({s for s in (line.strip() for line in lines) if len(s) >= 12 and s not in public})

    return distinctive(answers), distinctive(hidden)
