"""Reading a submitted notebook: the graded definitions and the imports they need, nothing else.

The grader never runs a submission's notebook top to bottom: that would train networks, and a
hostile cell (an endless loop, ``sys.exit``, 10 MB of output) would hold up every task. It
takes, from the code cells, the top-level imports and the last definition of each graded name
(the one a top-to-bottom run would leave), and runs only those, each task with its hidden test.
"""

from __future__ import annotations

import ast
import dataclasses
import json

import nbformat
import nbformat.reader

# Graded code must be the student's own: these names would reach the tutorial's reference
# code (the package's twins of the solutions) or hide an import from this check.
FORBIDDEN_NAMES = ("mnist_tutorial", "importlib", "__import__", "sys.modules", "builtins")


class SubmissionError(ValueError):
    """The file is not a notebook the grader can read."""


@dataclasses.dataclass(frozen=True)
class Submission:
    imports: str  # the notebook's top-level imports, except those of the tutorial's package
    definitions: dict[str, str]  # name -> the source of its last top-level definition
    unreadable_cells: int  # code cells that are not valid Python (magics removed first)


def _python(source: str) -> str:
    """A cell's code with IPython magics and shell lines commented out."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("# " + line if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def _imports_package(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "mnist_tutorial" for alias in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mnist_tutorial")


def forbidden(source: str) -> str | None:
    """The first forbidden name used by ``source``, or None."""
    return next((name for name in FORBIDDEN_NAMES if name in source), None)


def _notebook(name: str, data: bytes) -> nbformat.NotebookNode:
    try:
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError):
        raise SubmissionError(f"{name} is not a notebook: it is not valid JSON") from None
    except Exception as error:  # nbformat's own reader errors
        raise SubmissionError(f"{name} is not a notebook ({type(error).__name__})") from None


def read_submission(files: dict[str, bytes]) -> Submission:
    """The graded parts of a student's notebooks (name -> bytes, read in name order).

    SubmissionError if one of them is not a notebook.
    """
    cells = []
    for name in sorted(files):
        cells += _notebook(name, files[name]).cells
    imports: list[str] = []
    definitions: dict[str, str] = {}
    unreadable = 0
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        code = _python(cell.get("source", ""))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            unreadable += 1
            continue
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue  # only legal at the top of a file; the grader's cells do not need it
            if isinstance(node, ast.Import | ast.ImportFrom) and not _imports_package(node):
                imports.append(ast.get_source_segment(code, node))
            elif isinstance(node, ast.ClassDef | ast.FunctionDef):
                definitions[node.name] = ast.get_source_segment(code, node, padded=True)
                if node.decorator_list:  # keep the decorators with the definition
                    first = node.decorator_list[0]
                    lines = code.splitlines()[first.lineno - 1 : node.end_lineno]
                    definitions[node.name] = "\n".join(lines)
    return Submission("\n".join(dict.fromkeys(imports)), definitions, unreadable)
