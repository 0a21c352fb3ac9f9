"""The beam search benchmark runs end to end on a small setting and refuses bad arguments."""

import importlib.util
import os
import re
from pathlib import Path

import pytest
import torch

from d2lutils import decoding as D

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "beam_search.py"


@pytest.fixture(scope="module")
def bench():
    """The benchmark as a module; the environment and torch's threads are left as they were."""
    environ, threads = dict(os.environ), torch.get_num_threads()
    spec = importlib.util.spec_from_file_location("beam_search_benchmark", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.environ.clear()
    os.environ.update(environ)
    yield module
    torch.set_num_threads(threads)


def test_small_run_checks_outputs_and_ends_with_the_ratio(bench, capsys):
    args = ["--runs", "2", "--train-steps", "2", "--sentences", "6", "--k", "3", "--max-len", "5"]
    assert bench.main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "outputs: the same 18 hypotheses, token for token and in order" in "\n".join(lines)
    assert re.fullmatch(
        r"beam search: batched \d+\.\d\d s, reference \d+\.\d s, speedup \d+x", lines[-1]
    )


@pytest.mark.parametrize("flag", ["--k", "--threads", "--runs", "--max-len"])
def test_arguments_below_one_are_refused(bench, flag, capsys):
    with pytest.raises(SystemExit) as error:
        bench.main([flag, "0"])
    assert error.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_compare_names_the_sentence_that_differs(bench):
    same = [[D.Hypothesis((3, 2), -1.0, -0.6)]]
    other = [[D.Hypothesis((4, 2), -1.0, -0.6)]]
    assert bench.compare(same, same) == 0.0
    with pytest.raises(SystemExit, match="sentence 0"):
        bench.compare(same, other)
    shifted = [[D.Hypothesis((3, 2), -1.001, -0.6)]]
    with pytest.raises(SystemExit, match="scores differ"):
        bench.compare(same, shifted)
