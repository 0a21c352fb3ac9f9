import pytest
import torch

from d2lutils import device as dev


def test_default_is_a_working_device(monkeypatch):
    monkeypatch.delenv("D2L_DEVICE", raising=False)
    d = dev.get_device()
    assert isinstance(d, torch.device)
    assert torch.ones(1, device=d).item() == 1.0


def test_env_override_cpu(monkeypatch):
    monkeypatch.setenv("D2L_DEVICE", "cpu")
    assert dev.get_device() == torch.device("cpu")


def test_name_beats_env(monkeypatch):
    monkeypatch.setenv("D2L_DEVICE", "not-a-device")
    assert dev.get_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("bad", ["gpu0", "tpu", "cuda:x"])
def test_bad_env_value_is_named(monkeypatch, bad):
    monkeypatch.setenv("D2L_DEVICE", bad)
    with pytest.raises(ValueError, match="D2L_DEVICE"):
        dev.get_device()


def test_bad_name_type():
    with pytest.raises(TypeError, match="name"):
        dev.get_device(3)


def test_requested_cuda_without_cuda(monkeypatch):
    monkeypatch.setattr(dev, "_cuda_available", lambda: False)
    with pytest.raises(ValueError, match="no usable CUDA"):
        dev.get_device("cuda")


def test_unusable_cuda_falls_back_with_warning(monkeypatch):
    # CUDA reports itself available but every computation on it fails.
    monkeypatch.delenv("D2L_DEVICE", raising=False)
    monkeypatch.setattr(dev, "_cuda_available", lambda: True)
    monkeypatch.setattr(dev, "_mps_available", lambda: False)
    monkeypatch.setattr(dev, "_works", lambda d: d.type == "cpu")
    with pytest.warns(RuntimeWarning, match="not usable"):
        assert dev.get_device() == torch.device("cpu")


def test_cuda_is_available_raising_is_not_fatal(monkeypatch):
    def boom():
        raise RuntimeError("driver too old")

    monkeypatch.setattr(torch.cuda, "is_available", boom)
    assert dev._cuda_available() is False


def test_describe_device_is_one_line():
    line = dev.describe_device("cpu")
    assert "\n" not in line and "PyTorch" in line and "cpu" in line
