"""A training loop small enough to read: ``fit``, ``evaluate``, ``accuracy`` and a ``Timer``.

A batch from a loader is a tuple ``(*inputs, target)``: the model is called as
``model(*inputs)`` and the loss as ``loss_fn(outputs, target)``, averaged over the batch.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping

import torch
from tqdm.auto import tqdm

from d2lutils.device import get_device
from d2lutils.plot import figure_to_png, plot_history

Metric = Callable[[torch.Tensor, torch.Tensor], float]


class Timer:
    """Wall-clock stopwatch; use as ``with Timer() as t: ...`` then read ``t.elapsed`` (seconds).

    ``start()`` starts it (and returns it), ``stop()`` adds the time since then to ``elapsed`` and
    returns the total.

    Raises:
        RuntimeError: From ``stop()``, if the timer was not started.
    """

    def __init__(self) -> None:
        self.elapsed = 0.0
        self._start: float | None = None

    def start(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def stop(self) -> float:
        if self._start is None:
            raise RuntimeError("Timer.stop() called before Timer.start()")
        self.elapsed += time.perf_counter() - self._start
        self._start = None
        return self.elapsed

    def __enter__(self) -> Timer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def accuracy(outputs: torch.Tensor, target: torch.Tensor) -> float:
    """Fraction of rows whose largest score is at the target class.

    Raises:
        ValueError: If ``outputs`` is not (N, C) or ``target`` not (N,) for the same N.
    """
    if outputs.ndim != 2 or target.ndim != 1 or len(outputs) != len(target):
        raise ValueError(
            f"accuracy needs outputs (N, C) and target (N,), got {tuple(outputs.shape)} "
            f"and {tuple(target.shape)}"
        )
    return (outputs.argmax(dim=1) == target).float().mean().item()


def _split(batch: object, device: torch.device) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError("each batch must be a tuple (*inputs, target) of at least two tensors")
    *inputs, target = (t.to(device) for t in batch)
    return tuple(inputs), target


def _check_common(model: object, loss_fn: object, loader: object, name: str) -> None:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {loss_fn!r}")
    if not isinstance(loader, Iterable):
        raise TypeError(f"{name} must be an iterable of batches (a DataLoader), got {loader!r}")
    try:
        empty = len(loader) == 0  # type: ignore[arg-type]
    except TypeError:  # no len(): a generator or an iterable dataset, found out while iterating
        empty = False
    if empty:
        raise ValueError(f"{name} is empty: len({name}) == 0, so it yields no batches")


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    loader: Iterable,
    metrics: Mapping[str, Metric] | None = None,
    device: torch.device | str | None = None,
) -> dict[str, float]:
    """Mean loss (and each metric) over ``loader``, weighted by batch size, in eval mode.

    Raises:
        TypeError: If ``model`` is not a ``torch.nn.Module``, ``loss_fn`` is not callable or
            ``loader`` is not iterable.
        ValueError: If ``loader`` is empty or a batch is not a tuple ``(*inputs, target)``.
    """
    _check_common(model, loss_fn, loader, "loader")
    device = get_device() if device is None else torch.device(device)
    metrics = dict(metrics or {})
    was_training = model.training
    model.eval()
    totals = {"loss": 0.0, **{k: 0.0 for k in metrics}}
    count = 0
    try:  # the model goes back to its mode even if a metric raises
        for batch in loader:
            inputs, target = _split(batch, device)
            outputs = model(*inputs)
            n = len(target)
            totals["loss"] += loss_fn(outputs, target).item() * n
            for k, metric in metrics.items():
                totals[k] += metric(outputs, target) * n
            count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("loader yielded no examples")
    return {k: v / count for k, v in totals.items()}


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class _LivePlot:
    """A loss plot redrawn in place in Jupyter; ends as one static PNG in the output."""

    def __init__(self, min_interval: float = 0.5) -> None:
        self.min_interval = min_interval
        self.last = -math.inf
        self.handle = None
        self.epochs_drawn = 0

    def update(self, history: dict[str, list[float]], final: bool = False) -> None:
        now = time.perf_counter()
        if not final and now - self.last < self.min_interval:
            return
        if len(history["train_loss"]) == self.epochs_drawn:  # the final call, already drawn
            return
        self.last, self.epochs_drawn = now, len(history["train_loss"])
        from IPython.display import Image, display

        image = Image(data=figure_to_png(plot_history(history)))
        if self.handle is None:  # the first frame is a real output; later ones replace it
            self.handle = display(image, display_id=True)
        else:
            self.handle.update(image)


def _norm(tensors: list[torch.Tensor]) -> float:
    """The sum of the tensors' 2-norms (a norm of them all), from one fused kernel.

    It is inf or NaN when an entry is: a cheap test for the whole model. ``torch._foreach_norm``
    is the kernel ``torch.nn.utils.clip_grad_norm_`` uses inside.
    """
    return torch.stack(torch._foreach_norm(tensors)).sum().item() if tensors else 0.0


def _check_finite(value: float, what: str, where: str, advice: str) -> None:
    """Raise a FloatingPointError saying where ``value`` (a loss or a norm) stopped being finite."""
    if not math.isfinite(value):
        raise FloatingPointError(f"{what} became {value} {where}; {advice}")


def fit(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    train_loader: Iterable,
    epochs: int,
    *,
    val_loader: Iterable | None = None,
    metrics: Mapping[str, Metric] | None = None,
    scheduler: object | None = None,
    monitor: str = "val_loss",
    clip_grad_norm: float | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
    plot: bool | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` for ``epochs`` epochs and return the per-epoch history.

    The history maps ``train_loss``, ``lr``, ``seconds`` and, with ``val_loader``, ``val_loss``
    and ``val_<metric>`` to lists with one entry per epoch. ``scheduler`` is stepped once per
    epoch; a ``ReduceLROnPlateau`` is given the history entry named by ``monitor`` (default
    ``"val_loss"``; ``"val_<metric>"`` or ``"train_loss"`` also work; pick the scheduler's
    ``mode="max"`` for a metric that should grow, such as accuracy). ``clip_grad_norm`` clips the
    global gradient norm before each step. A non-finite loss, gradient norm or parameter stops
    training with a ``FloatingPointError`` naming the epoch and step; a non-finite gradient is
    found before the optimizer step, so the model keeps its last finite weights. ``progress``
    shows a tqdm bar (default: unless the environment sets ``TQDM_DISABLE=1``); ``plot``
    (default: only in Jupyter) draws the loss live and leaves one static figure behind.

    Raises:
        TypeError: If ``model``, ``loss_fn``, ``optimizer``, ``epochs``, ``scheduler`` or
            ``metrics`` has the wrong type, or a loader is an iterator (used up after one
            epoch) while ``epochs > 1``.
        ValueError: If ``epochs < 1``, a loader is empty or yields something other than
            ``(*inputs, target)`` tuples, ``clip_grad_norm`` is not positive, a metric is named
            ``"loss"``, ``monitor`` is not in the history, or a ``ReduceLROnPlateau`` watches a
            validation entry without ``val_loader``.
        FloatingPointError: If the loss, the gradient norm or the parameters stop being finite
            (the message names the epoch and the step).
    """
    _check_common(model, loss_fn, train_loader, "train_loader")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {optimizer!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int):
        raise TypeError(f"epochs must be an int, got {epochs!r}")
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got epochs={epochs}")
    if val_loader is not None:
        _check_common(model, loss_fn, val_loader, "val_loader")
    for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
        if epochs > 1 and isinstance(loader, Iterator):
            raise TypeError(
                f"{name} is an iterator (such as a generator), used up after one epoch; "
                "pass something that can be iterated again: a list or a DataLoader"
            )
    if clip_grad_norm is not None and not (
        isinstance(clip_grad_norm, (int, float)) and clip_grad_norm > 0
    ):
        raise ValueError(f"clip_grad_norm must be a positive number, got {clip_grad_norm!r}")
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"scheduler must have a step() method, got {scheduler!r}")
    metrics = dict(metrics or {})
    if not all(callable(m) for m in metrics.values()):
        raise TypeError("metrics must map names to callables metric(outputs, target) -> float")
    if "loss" in metrics:
        raise ValueError("'loss' is taken by the validation loss; give the metric another name")
    names = ["train_loss", "val_loss", *(f"val_{k}" for k in metrics)]
    if monitor not in names:
        raise ValueError(f"monitor={monitor!r} is not in the history; use one of {names}")
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if plateau and monitor != "train_loss" and val_loader is None:
        raise ValueError(
            f"a ReduceLROnPlateau scheduler watching monitor={monitor!r} needs a val_loader; "
            "pass val_loader=... or monitor='train_loss'"
        )

    device = get_device() if device is None else torch.device(device)
    model.to(device)
    params = list(model.parameters())
    history: dict[str, list[float]] = {"train_loss": [], "lr": [], "seconds": []}
    live = _LivePlot() if (plot if plot is not None else _in_notebook()) else None
    if progress is None:  # tqdm's own switch, which its notebook bar does not read
        progress = os.environ.get("TQDM_DISABLE", "").lower() not in ("1", "true", "yes")
    bar = tqdm(range(epochs), desc="epochs", unit="epoch", disable=not progress)
    for epoch in bar:
        timer = Timer().start()
        model.train()
        total, count = 0.0, 0
        for step, batch in enumerate(train_loader, start=1):
            where = f"in epoch {epoch + 1}, step {step}"
            inputs, target = _split(batch, device)
            loss = loss_fn(model(*inputs), target)
            value = loss.item()
            _check_finite(
                value, "the loss", where, "try a smaller learning rate or gradient clipping"
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip_grad_norm is not None:  # clipping computes the norm anyway
                norm = torch.nn.utils.clip_grad_norm_(params, clip_grad_norm).item()
            else:
                norm = _norm([p.grad for p in params if p.grad is not None])
            _check_finite(
                norm, "the gradient norm", where,
                "a gradient is inf or NaN although the loss is finite (an operation such as "
                "sqrt or log at 0 in the model or the loss?); the weights are left unchanged",
            )
            optimizer.step()
            _check_finite(
                _norm(params), "the parameter norm", where,
                "the optimizer step made a weight inf or NaN; try a smaller learning rate",
            )
            total += value * len(target)
            count += len(target)
        if count == 0:
            raise ValueError("train_loader yielded no examples")
        history["train_loss"].append(total / count)
        history["lr"].append(optimizer.param_groups[0]["lr"])
        postfix = {"loss": f"{total / count:.4f}"}
        if val_loader is not None:
            for k, v in evaluate(model, loss_fn, val_loader, metrics, device).items():
                history.setdefault(f"val_{k}", []).append(v)
                postfix[f"val_{k}"] = f"{v:.4f}"
        if plateau:
            scheduler.step(history[monitor][-1])
        elif scheduler is not None:
            scheduler.step()
        history["seconds"].append(timer.stop())
        bar.set_postfix(postfix)
        if live is not None:
            live.update(history)
    if live is not None:
        live.update(history, final=True)
    return history
