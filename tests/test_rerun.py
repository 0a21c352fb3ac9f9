"""Every chapter survives re-running: running every cell a second time in one kernel raises nothing.

A reader re-runs cells: after Run All, any cell must run again, and so must the whole chapter.
Each chapter is run with nbclient in one kernel (on the CPU, without progress bars): all its
code cells in order, then every one of them a second time, from the last cell up. A cell
fails there when it reads a name that a later cell rebinds (a section's working names leaked
into another section) or state that a later cell changes (a builtin shadowed, a global setting).

Select the chapters with ``-k chapter`` (or one: ``-k 00_getting``); ``-k synthetic`` runs only
the checks of the checker. A chapter takes about twice its execution time.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
# As `make execute` runs them: on the CPU, without progress bars.
KERNEL_ENV = {"D2L_DEVICE": "cpu", "TQDM_DISABLE": "1", "PYTHONHASHSEED": "0"}
CELL_TIMEOUT = 300  # seconds, as `make nbval` allows


def rerun_error(path: Path) -> str | None:
    """Run the code cells of ``path`` twice in one kernel; the first failure, or None.

    First Run All, then every cell a second time from the last one up, so that each cell runs
    after the cells below it have run again, as when a reader edits a later section and goes
    back. This second run is stricter than a second Run All: it also catches a cell that reads a
    name an earlier cell binds and a later one rebinds (in a Run All the earlier cell always
    binds it again first), and the usual ways a second Run All breaks (a shadowed builtin, a
    global setting changed further down) break it too.
    """
    nb = nbformat.read(path, as_version=4)
    code = [(index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    passes = {"first Run All": code, "re-run from the last cell up": code[::-1]}
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel(env={**os.environ, **KERNEL_ENV}):
        for run, cells in passes.items():
            for index, cell in cells:
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as exc:
                    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                    return (f"{path.name}: cell {index} ({first_line!r}) raised on the {run}: "
                            f"{exc.ename}: {exc.evalue}")
    return None


@pytest.mark.parametrize("path", CHAPTERS, ids=[f"chapter-{p.stem}" for p in CHAPTERS])
def test_chapter_survives_a_second_run_all(path: Path) -> None:
    error = rerun_error(path)
    if error:
        pytest.fail(error, pytrace=False)


def _write_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a chapter")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def test_synthetic_rebound_name_fails_when_re_run(tmp_path: Path) -> None:
    # Cell 2 reads x, which cell 1 binds and cell 3 rebinds: a Run All always binds x again
    # before cell 2 reads it, re-running cell 2 after cell 3 does not.
    path = _write_notebook(tmp_path / "leaky.ipynb",
                           "x = 1", "y = x + 1\nassert y == 2", "x = 'a later section'")
    error = rerun_error(path)
    assert error is not None
    assert error.startswith(
        "leaky.ipynb: cell 2 ('y = x + 1') raised on the re-run from the last cell up: TypeError")


def test_synthetic_shadowed_builtin_fails_on_the_second_run(tmp_path: Path) -> None:
    path = _write_notebook(tmp_path / "shadow.ipynb",
                           "total = sum([1, 2])", "sum = total  # a later section's name")
    error = rerun_error(path)
    assert error is not None
    assert error.startswith(
        "shadow.ipynb: cell 1 ('total = sum([1, 2])') raised on the re-run from the last cell up: "
        "TypeError")


def test_synthetic_error_on_the_first_run_all_is_named(tmp_path: Path) -> None:
    path = _write_notebook(tmp_path / "broken.ipynb", "x = 1", "1 / 0")
    error = rerun_error(path)
    assert error == ("broken.ipynb: cell 2 ('1 / 0') raised on the first Run All: "
                     "ZeroDivisionError: division by zero")


def test_synthetic_local_names_pass_and_the_kernel_env_is_set(tmp_path: Path) -> None:
    # The leaky chapter with its section's working names kept local passes both runs.
    path = _write_notebook(
        tmp_path / "local.ipynb",
        "import os\nassert os.environ['D2L_DEVICE'] == 'cpu', os.environ.get('D2L_DEVICE')",
        "def section_one():\n    x = 1\n    return x + 1\nassert section_one() == 2",
        "x = 'a later section'",
    )
    assert rerun_error(path) is None
