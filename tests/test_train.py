import copy
import math
import re
import sys
import time

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import d2lutils.train as train_mod
from d2lutils import Timer, accuracy, evaluate, fit, seed_everything

QUIET = {"device": "cpu", "progress": False, "plot": False}


def toy_loaders(n=256):
    g = seed_everything(0)
    X = torch.randn(n, 2, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long()
    ds = TensorDataset(X, y)
    return DataLoader(ds, batch_size=32, shuffle=True, generator=g), DataLoader(ds, batch_size=64)


def uneven_data(n=100, dtype=torch.float32):
    """100 examples: batches of 32 leave a short last batch of 4."""
    g = torch.Generator().manual_seed(1)
    X = torch.randn(n, 2, generator=g, dtype=dtype)
    y = (X[:, 0] - X[:, 1] > 0.3).long()
    return X, y


def run(epochs=5, **kw):
    train, val = toy_loaders()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    hist = fit(model, nn.CrossEntropyLoss(), opt, train, epochs, **QUIET, **kw)
    return model, opt, hist, val


class NeverIterated:
    """A loader that fails the test if fit starts training with it."""

    def __iter__(self):
        raise AssertionError("the loader was iterated before the arguments were checked")


class ModeRecorder(nn.Linear):
    """nn.Linear(2, 2) that records whether it was in training mode at each call."""

    def __init__(self):
        super().__init__(2, 2)
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        return super().forward(x)


def test_fit_learns_and_records_history():
    _, _, hist, _ = run(val_loader=toy_loaders()[1], metrics={"acc": accuracy})
    assert set(hist) == {"train_loss", "lr", "seconds", "val_loss", "val_acc"}
    assert all(len(v) == 5 for v in hist.values())
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert hist["val_acc"][-1] > 0.9
    assert all(s > 0 for s in hist["seconds"])


def test_fit_is_deterministic():
    assert run()[2]["train_loss"] == run()[2]["train_loss"]


def test_fit_equals_a_hand_written_loop():
    # Same start, same batches (with a short last batch): fit must do exactly what this loop
    # does: zero the gradients, backward, step; and its train_loss is the mean over examples.
    X, y = uneven_data(dtype=torch.float64)
    loader = DataLoader(TensorDataset(X, y), batch_size=32)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    reference = copy.deepcopy(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    hist = fit(model, nn.CrossEntropyLoss(), opt, loader, 2, **QUIET)

    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.3, momentum=0.9)
    losses = []
    for _ in range(2):
        total = 0.0
        for xb, yb in loader:
            loss = nn.functional.cross_entropy(reference(xb), yb)
            ref_opt.zero_grad()
            loss.backward()
            ref_opt.step()
            total += loss.item() * len(yb)
        losses.append(total / len(X))
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        assert torch.equal(p, q)
    assert hist["train_loss"] == pytest.approx(losses, rel=1e-12)


def test_fit_trains_in_training_mode_and_evaluates_in_eval_mode():
    X, y = uneven_data()
    loader = DataLoader(TensorDataset(X, y), batch_size=32)
    model = ModeRecorder()
    fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), loader, 2,
        val_loader=[(X, y)], **QUIET)
    # per epoch: four training batches, then one validation batch
    assert model.modes == [True] * 4 + [False] + [True] * 4 + [False]
    assert model.training


def test_fit_with_several_inputs_and_list_batches():
    class Add(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, a, b):
            return self.lin(a + b)

    X, y = uneven_data()
    batches = [[X[:50], torch.zeros(50, 2), y[:50]], [X[50:], torch.zeros(50, 2), y[50:]]]
    model = Add()
    hist = fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1),
               batches, 1, **QUIET)
    assert len(hist["train_loss"]) == 1


def test_default_device_follows_get_device(monkeypatch):
    monkeypatch.setenv("D2L_DEVICE", "cpu")
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    hist = fit(model, nn.CrossEntropyLoss(), opt, [(X, y)], 1, progress=False, plot=False)
    assert len(hist["train_loss"]) == 1
    assert evaluate(model, nn.CrossEntropyLoss(), [(X, y)])["loss"] > 0


def test_scheduler_and_clipping():
    train, _ = toy_loaders()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    hist = fit(model, nn.CrossEntropyLoss(), opt, train, 3, scheduler=sched, clip_grad_norm=0.1,
               **QUIET)
    assert hist["lr"] == [1.0, 0.5, 0.25]


def test_clipping_bounds_each_step():
    # With SGD (lr=1) one step moves the weights by exactly the clipped gradient.
    X, y = uneven_data(dtype=torch.float64)
    model = nn.Linear(2, 2).double()
    loss = nn.functional.cross_entropy(model(X), y)
    grad_norm = torch.nn.utils.get_total_norm(torch.autograd.grad(loss, list(model.parameters())))
    assert grad_norm > 0.1  # so clipping at 1e-3 does change the step
    before = [p.detach().clone() for p in model.parameters()]
    fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=1.0),
        [(X, y)], 1, clip_grad_norm=1e-3, **QUIET)
    steps = [p - b for p, b in zip(model.parameters(), before, strict=True)]
    moved = torch.nn.utils.get_total_norm(steps)
    # clip_grad_norm_ scales by max_norm / (norm + 1e-6), a relative 2e-6 below max_norm here
    assert moved.item() == pytest.approx(1e-3, rel=1e-5)


class RecordingPlateau(torch.optim.lr_scheduler.ReduceLROnPlateau):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.seen = []

    def step(self, metrics, epoch=None):
        self.seen.append(metrics)
        super().step(metrics)


@pytest.mark.parametrize("monitor", ["val_loss", "val_acc", "train_loss"])
def test_plateau_scheduler_is_fed_the_monitored_value(monitor):
    train, val = toy_loaders()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    sched = RecordingPlateau(opt, mode="max" if monitor == "val_acc" else "min")
    hist = fit(model, nn.CrossEntropyLoss(), opt, train, 3, val_loader=val,
               metrics={"acc": accuracy}, scheduler=sched, monitor=monitor, **QUIET)
    assert sched.seen == hist[monitor]


def test_plateau_on_a_stalled_metric_lowers_the_rate():
    # The loss falls every epoch but the metric stays put: only watching the metric lowers lr.
    X, y = uneven_data()
    for monitor, lrs in [("val_loss", [0.1, 0.1, 0.1]), ("val_flat", [0.1, 0.1, 0.05])]:
        model = nn.Linear(2, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min" if monitor == "val_loss" else "max", patience=0, factor=0.5)
        hist = fit(model, nn.CrossEntropyLoss(), opt, [(X, y)], 3, val_loader=[(X, y)],
                   metrics={"flat": lambda out, t: 0.5}, scheduler=sched, monitor=monitor,
                   **QUIET)
        assert hist["val_loss"][2] < hist["val_loss"][1] < hist["val_loss"][0]
        assert hist["lr"] == lrs


def test_plateau_without_val_loader_may_watch_the_training_loss():
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = RecordingPlateau(opt)
    hist = fit(model, nn.CrossEntropyLoss(), opt, [(X, y)], 2, scheduler=sched,
               monitor="train_loss", **QUIET)
    assert sched.seen == hist["train_loss"]


def test_monitor_is_checked_before_training():
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match=re.escape(
            "monitor='val_accuracy' is not in the history; "
            "use one of ['train_loss', 'val_loss', 'val_acc']")):
        fit(model, loss, opt, NeverIterated(), 1, val_loader=NeverIterated(),
            metrics={"acc": accuracy}, monitor="val_accuracy", **QUIET)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
    for monitor in ("val_loss", "val_acc"):
        with pytest.raises(ValueError, match=f"monitor='{monitor}' needs a val_loader"):
            fit(model, loss, opt, NeverIterated(), 1, scheduler=plateau, monitor=monitor,
                metrics={"acc": accuracy}, **QUIET)


def test_evaluate_matches_manual_mean():
    model, _, _, val = run(epochs=1)
    X, y = val.dataset.tensors
    with torch.no_grad():
        expected = nn.functional.cross_entropy(model(X), y).item()
    got = evaluate(model, nn.CrossEntropyLoss(), val, {"acc": accuracy}, device="cpu")
    assert got["loss"] == pytest.approx(expected, rel=1e-6)
    assert 0.0 <= got["acc"] <= 1.0


def test_evaluate_weights_batches_by_size():
    # Batches of 32, 32, 32 and 4: an unweighted mean of batch means differs from the mean.
    X, y = uneven_data(dtype=torch.float64)
    model = nn.Linear(2, 2).double()
    loader = DataLoader(TensorDataset(X, y), batch_size=32)
    per_example = nn.functional.cross_entropy(model(X), y, reduction="none").detach()
    batch_means = [chunk.mean().item() for chunk in per_example.split(32)]
    assert abs(sum(batch_means) / 4 - per_example.mean().item()) > 1e-3  # the test can tell
    got = evaluate(model, nn.CrossEntropyLoss(), loader, {"acc": accuracy}, device="cpu")
    assert got["loss"] == pytest.approx(per_example.mean().item(), rel=1e-12)
    assert got["acc"] == pytest.approx(accuracy(model(X), y), rel=1e-6)
    assert set(got) == {"loss", "acc"}


@pytest.mark.parametrize("training", [True, False])
def test_evaluate_restores_the_mode(training):
    X, y = uneven_data()
    model = ModeRecorder().train(training)
    evaluate(model, nn.CrossEntropyLoss(), [(X, y)], device="cpu")
    assert model.modes == [False] and model.training is training

    def broken(outputs, target):
        raise RuntimeError("metric failed")

    with pytest.raises(RuntimeError, match="metric failed"):
        evaluate(model, nn.CrossEntropyLoss(), [(X, y)], {"bad": broken}, device="cpu")
    assert model.training is training


def test_evaluate_needs_no_grad():
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    seen = []
    evaluate(model, lambda out, t: seen.append(out.requires_grad) or out.sum(), [(X, y)],
             device="cpu")
    assert seen == [False]


def test_divergence_is_reported():
    train, _ = toy_loaders()
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.fill_(math.inf)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError,
                       match=r"the loss became nan in epoch 1, step 1; .*learning rate"):
        fit(model, nn.CrossEntropyLoss(), opt, train, 1, **QUIET)


class SqrtModel(nn.Module):
    """y = sqrt(x w^2): a finite output whose gradient is NaN where x = 0."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return torch.sqrt(x * self.w**2)


class EpochBatches:
    """A loader that yields a different list of batches in each epoch."""

    def __init__(self, *epochs):
        self.epochs = iter(epochs)

    def __iter__(self):
        return iter(next(self.epochs))


@pytest.mark.parametrize("clip", [None, 10.0])
def test_non_finite_gradient_with_finite_loss_is_reported(clip):
    good = (torch.tensor([1.0, 4.0]), torch.tensor([1.5, 2.5]))
    bad = (torch.tensor([0.0, 4.0]), torch.tensor([1.5, 2.5]))  # sqrt at 0
    model = SqrtModel()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loader = EpochBatches([good, good, good], [good, good, bad])
    with pytest.raises(FloatingPointError, match=(
            r"the gradient norm became nan in epoch 2, step 3; a gradient is inf or NaN although "
            r"the loss is finite .* the weights are left unchanged")):
        fit(model, nn.MSELoss(), opt, loader, 2, clip_grad_norm=clip, **QUIET)
    assert torch.isfinite(model.w).all()


def test_norm_of_nothing_is_zero():
    assert train_mod._norm([]) == 0.0
    assert train_mod._norm([torch.ones(4), torch.ones(9)]) == pytest.approx(5.0)


def test_non_finite_parameter_after_a_step_is_reported():
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=math.inf)
    with pytest.raises(FloatingPointError,
                       match=r"the parameter norm became (nan|inf) in epoch 1, step 1; "
                             r"the optimizer step made a weight inf or NaN"):
        fit(model, nn.CrossEntropyLoss(), opt, [(X, y)], 1, **QUIET)


def test_empty_loaders_are_reported_before_training():
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    empty = DataLoader(TensorDataset(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long)))
    with pytest.raises(ValueError, match=re.escape("val_loader is empty: len(val_loader) == 0")):
        fit(model, loss, opt, NeverIterated(), 1, val_loader=empty, **QUIET)
    with pytest.raises(ValueError, match=re.escape("val_loader is empty")):
        fit(model, loss, opt, NeverIterated(), 1, val_loader=[], **QUIET)
    with pytest.raises(ValueError, match=re.escape("train_loader is empty")):
        fit(model, loss, opt, empty, 1, **QUIET)
    with pytest.raises(ValueError, match=re.escape("loader is empty")):
        evaluate(model, loss, [], device="cpu")
    # without len() an empty loader is found out when it yields nothing
    with pytest.raises(ValueError, match="train_loader yielded no examples"):
        fit(model, loss, opt, (b for b in []), 1, **QUIET)
    with pytest.raises(ValueError, match="loader yielded no examples"):
        evaluate(model, loss, (b for b in []), device="cpu")


def test_iterators_are_refused_for_several_epochs():
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    with pytest.raises(TypeError, match="train_loader is an iterator .* a list or a DataLoader"):
        fit(model, loss, opt, iter([(X, y)]), 2, **QUIET)
    with pytest.raises(TypeError, match="val_loader is an iterator"):
        fit(model, loss, opt, [(X, y)], 2, val_loader=iter([(X, y)]), **QUIET)
    hist = fit(model, loss, opt, iter([(X, y)]), 1, val_loader=iter([(X, y)]), **QUIET)
    assert len(hist["val_loss"]) == 1


def test_bad_arguments():
    train, _ = toy_loaders()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    common = QUIET
    with pytest.raises(ValueError, match="epochs=0"):
        fit(model, loss, opt, train, 0, **common)
    with pytest.raises(TypeError, match="epochs"):
        fit(model, loss, opt, train, 2.0, **common)
    with pytest.raises(TypeError, match="epochs"):
        fit(model, loss, opt, train, True, **common)
    with pytest.raises(TypeError, match="model"):
        fit(lambda x: x, loss, opt, train, 1, **common)
    with pytest.raises(TypeError, match="optimizer"):
        fit(model, loss, "sgd", train, 1, **common)
    with pytest.raises(TypeError, match="loss_fn"):
        fit(model, "mse", opt, train, 1, **common)
    with pytest.raises(TypeError, match="train_loader"):
        fit(model, loss, opt, 5, 1, **common)
    with pytest.raises(TypeError, match="val_loader"):
        fit(model, loss, opt, train, 1, val_loader=5, **common)
    for bad in (-1, 0, "1"):
        with pytest.raises(ValueError, match="clip_grad_norm"):
            fit(model, loss, opt, train, 1, clip_grad_norm=bad, **common)
    with pytest.raises(TypeError, match="scheduler must have a step"):
        fit(model, loss, opt, train, 1, scheduler=object(), **common)
    with pytest.raises(TypeError, match="metrics must map names to callables"):
        fit(model, loss, opt, train, 1, metrics={"acc": 0.5}, **common)
    with pytest.raises(ValueError, match="'loss' is taken"):
        fit(model, loss, opt, train, 1, metrics={"loss": accuracy}, **common)
    with pytest.raises(ValueError, match="batch must be a tuple"):
        fit(model, loss, opt, [torch.zeros(2)], 1, **common)
    with pytest.raises(ValueError, match="batch must be a tuple"):
        fit(model, loss, opt, [(torch.zeros(2),)], 1, **common)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match="val_loader"):
        fit(model, loss, opt, train, 1, scheduler=plateau, **common)


def test_accuracy():
    outputs = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(outputs, torch.tensor([1, 0, 0])) == pytest.approx(2 / 3)
    for out, tgt in [(torch.zeros(3), torch.zeros(3)), (outputs, torch.zeros(3, 1)),
                     (outputs, torch.zeros(2))]:
        with pytest.raises(ValueError, match=re.escape("accuracy needs outputs (N, C)")):
            accuracy(out, tgt)


def test_timer():
    with Timer() as t:
        sum(range(1000))
    first = t.elapsed
    assert 0 < first < time.perf_counter()  # a duration, not a clock reading
    t.start()
    assert t.stop() > first  # a second interval adds to the first
    with pytest.raises(RuntimeError, match=r"^Timer\.stop\(\) called before Timer\.start\(\)$"):
        t.stop()
    with pytest.raises(RuntimeError):
        Timer().stop()


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_progress_bar_follows_tqdm_disable(monkeypatch, capsys, value):
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    args = (model, nn.CrossEntropyLoss(), opt, [(X, y)], 1)
    monkeypatch.setenv("TQDM_DISABLE", value)
    fit(*args, device="cpu", plot=False)
    assert "epochs" not in capsys.readouterr().err
    monkeypatch.delenv("TQDM_DISABLE")
    fit(*args, val_loader=[(X, y)], device="cpu", plot=False)
    err = capsys.readouterr().err
    assert "epochs" in err
    assert re.search(r"loss=\d\.\d{4}, val_loss=\d\.\d{4}", err)


class FakeDisplay:
    """Stands in for IPython's display(): records each frame shown or updated."""

    def __init__(self):
        self.frames = []

    def __call__(self, image, display_id=None):
        assert display_id is True and image.data == PNG
        self.frames.append(("display", image))
        return self

    def update(self, image):
        assert image.data == PNG
        self.frames.append(("update", image))


PNG = b"\x89PNG\r\n\x1a\n"


def drawn_epochs(monkeypatch):
    """Patch the drawing so that each frame records how many epochs it showed."""
    import IPython.display

    shown = FakeDisplay()
    monkeypatch.setattr(IPython.display, "display", shown)
    epochs = []
    monkeypatch.setattr(train_mod, "plot_history",
                        lambda h: epochs.append(len(h["train_loss"])) or "figure")
    monkeypatch.setattr(train_mod, "figure_to_png", lambda fig: PNG)
    return shown, epochs


def feed_epochs(live):
    """Three epochs' losses, one update after each; returns the history."""
    history = {"train_loss": []}
    for loss in (3.0, 2.0, 1.0):
        history["train_loss"].append(loss)
        live.update(history)
    return history


def test_live_plot_draws_each_epoch_once(monkeypatch):
    shown, epochs = drawn_epochs(monkeypatch)
    live = train_mod._LivePlot(min_interval=0.0)
    history = feed_epochs(live)
    live.update(history, final=True)  # the last epoch is already on screen
    assert epochs == [1, 2, 3]
    assert [kind for kind, _ in shown.frames] == ["display", "update", "update"]


def test_live_plot_throttles_and_ends_on_the_last_epoch(monkeypatch):
    shown, epochs = drawn_epochs(monkeypatch)
    live = train_mod._LivePlot(min_interval=3600.0)
    history = feed_epochs(live)
    assert epochs == [1]
    live.update(history, final=True)
    assert epochs == [1, 3]


def test_fit_plots_live_in_a_notebook(monkeypatch):
    shown, epochs = drawn_epochs(monkeypatch)
    monkeypatch.setattr(train_mod, "_in_notebook", lambda: True)
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), [(X, y)], 3,
        device="cpu", progress=False)
    assert epochs[0] == 1 and epochs[-1] == 3 and len(epochs) == len(set(epochs))
    monkeypatch.setattr(train_mod, "_in_notebook", lambda: False)
    epochs.clear()
    fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), [(X, y)], 1,
        device="cpu", progress=False)
    assert epochs == []


def test_in_notebook(monkeypatch):
    import IPython

    assert train_mod._in_notebook() is False  # pytest has no IPython shell
    ZMQInteractiveShell = type("ZMQInteractiveShell", (), {})
    TerminalInteractiveShell = type("TerminalInteractiveShell", (), {})
    monkeypatch.setattr(IPython, "get_ipython", lambda: ZMQInteractiveShell())
    assert train_mod._in_notebook() is True
    monkeypatch.setattr(IPython, "get_ipython", lambda: TerminalInteractiveShell())
    assert train_mod._in_notebook() is False
    monkeypatch.setitem(sys.modules, "IPython", None)  # IPython not installed
    assert train_mod._in_notebook() is False


def test_messages_are_whole_sentences():
    """Each message of fit's checks, matched from its first character to its last."""
    train, _ = toy_loaders()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()

    def raises(kind, message, *args, **kwargs):
        with pytest.raises(kind, match="^" + re.escape(message) + "$"):
            fit(*args, **{**QUIET, **kwargs})

    raises(TypeError, "model must be a torch.nn.Module, got function",
           lambda x: x, loss, opt, train, 1)
    raises(TypeError, "model must be a torch.nn.Module, got int", 3, loss, opt, train, 1)
    raises(ValueError, "each batch must be a tuple (*inputs, target) of at least two tensors",
           model, loss, opt, [(torch.zeros(2),)], 1)
    raises(TypeError, "train_loader is an iterator (such as a generator), used up after one "
           "epoch; pass something that can be iterated again: a list or a DataLoader",
           model, loss, opt, iter(train), 2)
    raises(TypeError, "metrics must map names to callables metric(outputs, target) -> float",
           model, loss, opt, train, 1, metrics={"acc": 0.5})
    raises(ValueError, "'loss' is taken by the validation loss; give the metric another name",
           model, loss, opt, train, 1, metrics={"loss": accuracy})
    raises(ValueError, "a ReduceLROnPlateau scheduler watching monitor='val_loss' needs a "
           "val_loader; pass val_loader=... or monitor='train_loss'",
           model, loss, opt, train, 1, scheduler=torch.optim.lr_scheduler.ReduceLROnPlateau(opt))
    raises(ValueError, "train_loader yielded no examples", model, loss, opt, (b for b in []), 1)
    with torch.no_grad():
        model.weight.fill_(math.inf)
    raises(FloatingPointError, "the loss became nan in epoch 1, step 1; try a smaller learning "
           "rate or gradient clipping", model, loss, opt, train, 1)
    bad = (torch.tensor([0.0, 4.0]), torch.tensor([1.5, 2.5]))  # sqrt at 0
    sqrt_model = SqrtModel()
    raises(FloatingPointError, "the gradient norm became nan in epoch 1, step 1; a gradient is "
           "inf or NaN although the loss is finite (an operation such as sqrt or log at 0 in the "
           "model or the loss?); the weights are left unchanged",
           sqrt_model, nn.MSELoss(), torch.optim.SGD(sqrt_model.parameters(), lr=0.01), [bad], 1)


def test_progress_bar_names_epochs(capsys):
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), [(X, y)], 2,
        device="cpu", plot=False, progress=True)
    err = capsys.readouterr().err
    assert re.search(r"^epochs: 100%.* 2/2 \[.*epoch/s", err.replace("\r", "\n"), re.M), err


def test_plot_false_wins_over_a_notebook(monkeypatch):
    shown, epochs = drawn_epochs(monkeypatch)
    monkeypatch.setattr(train_mod, "_in_notebook", lambda: True)
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1), [(X, y)], 2,
        device="cpu", progress=False, plot=False)
    assert epochs == []


def test_a_new_timer_has_measured_nothing():
    assert Timer().elapsed == 0.0


def test_fit_puts_the_model_and_every_batch_on_its_device():
    # PyTorch's "meta" device holds shapes without data: training there fails at the first
    # loss.item(), and only if the model and the batch both went there (otherwise the model
    # call fails first, on mixed devices).
    X, y = uneven_data()
    model = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match=r"^Tensor\.item\(\) cannot be called on meta tensors$"):
        fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            [(X, y)], 1, device="meta", progress=False, plot=False)
    assert model.weight.device.type == "meta"
