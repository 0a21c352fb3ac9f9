"""Widget latency: the time from moving a control to the redrawn figure, for every widget.

Every ``notebooks/[0-9]*.ipynb`` (or the notebooks named on the command line) is run in this
process, cell by cell (matplotlib's Agg backend, IPython magics and ``!`` lines skipped,
``TQDM_DISABLE=1``). Each ``InteractiveFigure`` it leaves in its namespace or as a cell's value is
then driven as a reader would drive it: its live widget is built, and ``fig.set(name=value)``
steps through the choices of every control, with the frame cache cleared before each change so
that every change is a real redraw. One line per widget gives the median; the last line gives
this chapter's widget (weight initialization) and the worst median of all, against the target.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("D2L_DEVICE", "cpu")
os.environ["MPLBACKEND"] = "Agg"

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from d2lutils.interact import InteractiveFigure  # noqa: E402

TARGET_MS = 100.0
OWN_NOTEBOOK = "03_weight_init"


def code_cells(path: Path) -> list[tuple[str, bool]]:
    """(source, may_raise) of each code cell, with IPython magics and shell lines removed."""
    cells = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if source.lstrip().startswith("%%"):
            continue  # a cell magic: the whole cell is not Python
        lines = [
            "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
        ]
        tags = cell.get("metadata", {}).get("tags", [])
        cells.append(("\n".join(lines), "raises-exception" in tags))
    return cells


def run_cell(source: str, namespace: dict, filename: str) -> object:
    """Execute one cell; return the value of its last line when that is an expression."""
    tree = ast.parse(source, filename=filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), filename, "eval"), namespace)


def run_notebook(path: Path) -> dict[str, InteractiveFigure]:
    """Run the notebook's code; return its interactive figures by name."""
    namespace: dict = {"__name__": "__main__"}
    found: dict[int, tuple[str, InteractiveFigure]] = {}
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        for number, (source, may_raise) in enumerate(code_cells(path), start=1):
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    value = run_cell(source, namespace, f"{path.name}[{number}]")
                except Exception:
                    if not may_raise:
                        raise
                    value = None
                finally:
                    plt.close("all")
            if isinstance(value, InteractiveFigure):
                found.setdefault(id(value), (f"cell {number}", value))
    finally:
        os.chdir(cwd)
    for name, value in namespace.items():  # a variable name is a better label than a cell number
        if isinstance(value, InteractiveFigure) and not name.startswith("_"):
            found[id(value)] = (name, value)
    return {name: fig for name, fig in found.values()}


def changes(fig: InteractiveFigure, rounds: int) -> list[dict[str, object]]:
    """The control moves to time: each control steps through its choices and back, ``rounds``x."""
    moves = []
    for _ in range(rounds):
        for name, choices in fig.choices.items():
            start = fig.values[name]
            for value in [*choices, start]:
                moves.append({name: value})
    return moves


def time_widget(fig: InteractiveFigure, rounds: int, budget_s: float) -> list[float]:
    """Milliseconds per change, cache cleared before each one (a real redraw every time)."""
    fig.widget()  # build the live version, so each change also updates its image as in Jupyter
    initial = {n: fig.values[n] for n in fig.choices}
    times: list[float] = []
    deadline = time.perf_counter() + budget_s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for move in changes(fig, rounds):
            fig.clear_cache()
            start = time.perf_counter()
            fig.set(**move)
            times.append(1e3 * (time.perf_counter() - start))
            if time.perf_counter() > deadline and len(times) >= 10:
                break
        fig.set(**initial)
        plt.close("all")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9]*.ipynb")
    parser.add_argument("--rounds", type=int, default=3, help="passes over every control")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per widget at most")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    medians: dict[str, float] = {}
    failed = False
    for path in paths:
        try:
            figures = run_notebook(path.resolve())
        except Exception as err:
            print(f"{path.stem}: could not run the notebook: {type(err).__name__}: {err}")
            failed = True
            continue
        if not figures:
            print(f"{path.stem}: no interactive figure")
        for name, fig in figures.items():
            times = time_widget(fig, args.rounds, args.budget)
            label = f"{path.stem}: {name}"
            medians[label] = statistics.median(times)
            print(
                f"{label} ({', '.join(fig.choices)}): median {medians[label]:.0f} ms, "
                f"max {max(times):.0f} ms over {len(times)} changes"
            )
    if not medians:
        print(f"widget latency: no widget measured, target {TARGET_MS:.0f} ms")
        return 1
    worst = max(medians, key=medians.get)
    own = [m for label, m in medians.items() if label.startswith(OWN_NOTEBOOK)]
    own_text = f"init {max(own):.0f} ms (median), " if own else ""
    verdict = "within" if medians[worst] < TARGET_MS else "OVER"
    print(
        f"widget latency: {own_text}worst of {len(medians)} widgets {medians[worst]:.0f} ms "
        f"({worst}), target {TARGET_MS:.0f} ms ({verdict})"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
