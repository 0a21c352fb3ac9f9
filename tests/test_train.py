import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from d2lutils import Timer, accuracy, evaluate, fit, seed_everything


def toy_loaders(n=256):
    g = seed_everything(0)
    X = torch.randn(n, 2, generator=g)
    y = (X[:, 0] + X[:, 1] > 0).long()
    ds = TensorDataset(X, y)
    return DataLoader(ds, batch_size=32, shuffle=True, generator=g), DataLoader(ds, batch_size=64)


def run(epochs=5, **kw):
    train, val = toy_loaders()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    hist = fit(model, nn.CrossEntropyLoss(), opt, train, epochs, device="cpu", progress=False,
               plot=False, **kw)
    return model, opt, hist, val


def test_fit_learns_and_records_history():
    _, _, hist, _ = run(val_loader=toy_loaders()[1], metrics={"acc": accuracy})
    assert set(hist) == {"train_loss", "lr", "seconds", "val_loss", "val_acc"}
    assert all(len(v) == 5 for v in hist.values())
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert hist["val_acc"][-1] > 0.9


def test_fit_is_deterministic():
    assert run()[2]["train_loss"] == run()[2]["train_loss"]


def test_scheduler_and_clipping():
    train, _ = toy_loaders()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    hist = fit(model, nn.CrossEntropyLoss(), opt, train, 3, scheduler=sched, clip_grad_norm=0.1,
               device="cpu", progress=False, plot=False)
    assert hist["lr"] == [1.0, 0.5, 0.25]


def test_evaluate_matches_manual_mean():
    model, _, _, val = run(epochs=1)
    X, y = val.dataset.tensors
    with torch.no_grad():
        expected = nn.functional.cross_entropy(model(X), y).item()
    got = evaluate(model, nn.CrossEntropyLoss(), val, {"acc": accuracy}, device="cpu")
    assert got["loss"] == pytest.approx(expected, rel=1e-6)
    assert 0.0 <= got["acc"] <= 1.0


def test_divergence_is_reported():
    train, _ = toy_loaders()
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.fill_(math.inf)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(model, nn.CrossEntropyLoss(), opt, train, 1, device="cpu", progress=False, plot=False)


def test_bad_arguments():
    train, _ = toy_loaders()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()
    common = {"device": "cpu", "progress": False, "plot": False}
    with pytest.raises(ValueError, match="epochs=0"):
        fit(model, loss, opt, train, 0, **common)
    with pytest.raises(TypeError, match="epochs"):
        fit(model, loss, opt, train, 2.0, **common)
    with pytest.raises(TypeError, match="model"):
        fit(lambda x: x, loss, opt, train, 1, **common)
    with pytest.raises(TypeError, match="optimizer"):
        fit(model, loss, "sgd", train, 1, **common)
    with pytest.raises(TypeError, match="loss_fn"):
        fit(model, "mse", opt, train, 1, **common)
    with pytest.raises(TypeError, match="train_loader"):
        fit(model, loss, opt, 5, 1, **common)
    with pytest.raises(ValueError, match="clip_grad_norm"):
        fit(model, loss, opt, train, 1, clip_grad_norm=-1, **common)
    with pytest.raises(ValueError, match="batch must be a tuple"):
        fit(model, loss, opt, [torch.zeros(2)], 1, **common)
    with pytest.raises(ValueError, match="no examples"):
        fit(model, loss, opt, [], 1, **common)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match="val_loader"):
        fit(model, loss, opt, train, 1, scheduler=plateau, **common)
    with pytest.raises(ValueError, match="accuracy needs"):
        accuracy(torch.zeros(3), torch.zeros(3))


def test_timer():
    with Timer() as t:
        sum(range(1000))
    assert t.elapsed > 0
    with pytest.raises(RuntimeError):
        Timer().stop()


def test_progress_bar_follows_tqdm_disable(monkeypatch, capsys):
    train, _ = toy_loaders()
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    args = (model, nn.CrossEntropyLoss(), opt, train, 1)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    fit(*args, device="cpu", plot=False)
    assert "epochs" not in capsys.readouterr().err
    monkeypatch.delenv("TQDM_DISABLE")
    fit(*args, device="cpu", plot=False)
    assert "epochs" in capsys.readouterr().err
