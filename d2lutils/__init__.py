"""Helpers shared by the notebooks of the book: one small module per concern."""

from d2lutils import decoding as decoding
from d2lutils import word2vec as word2vec
from d2lutils.data import load_digits, load_fra_eng, load_ptb
from d2lutils.device import describe_device, get_device
from d2lutils.gradcheck import check_grad, numerical_grad, rel_error
from d2lutils.plot import plot_curves, plot_history, use_style
from d2lutils.seed import seed_everything
from d2lutils.train import Timer, accuracy, evaluate, fit

__all__ = [
    "Timer",
    "accuracy",
    "check_grad",
    "describe_device",
    "evaluate",
    "fit",
    "get_device",
    "load_digits",
    "load_fra_eng",
    "load_ptb",
    "numerical_grad",
    "plot_curves",
    "plot_history",
    "rel_error",
    "seed_everything",
    "use_style",
]
