import platform

import pytest
import torch

from d2lutils import device as dev


@pytest.fixture
def one_gpu(monkeypatch):
    """Pretend to be a machine with one working CUDA GPU, named 'Fake GPU <device asked>'."""
    monkeypatch.delenv("D2L_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda d=None: f"Fake GPU {d}")
    monkeypatch.setattr(dev, "_works", lambda d: True)


def test_default_is_a_working_device(monkeypatch):
    monkeypatch.delenv("D2L_DEVICE", raising=False)
    d = dev.get_device()
    assert isinstance(d, torch.device)
    assert torch.ones(1, device=d).item() == 1.0


def test_env_override_cpu(monkeypatch):
    monkeypatch.setenv("D2L_DEVICE", " cpu ")
    assert dev.get_device() == torch.device("cpu")


def test_empty_env_means_automatic(monkeypatch):
    monkeypatch.setenv("D2L_DEVICE", " ")
    monkeypatch.setattr(dev, "_cuda_available", lambda: False)
    monkeypatch.setattr(dev, "_mps_available", lambda: False)
    assert dev.get_device() == torch.device("cpu")


def test_cpu_is_never_probed(monkeypatch):
    monkeypatch.setattr(dev, "_works", lambda d: False)
    assert dev.get_device("cpu") == torch.device("cpu")


def test_name_beats_env(monkeypatch):
    monkeypatch.setenv("D2L_DEVICE", "not-a-device")
    assert dev.get_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("bad", ["gpu0", "tpu", "cuda:x"])
def test_bad_env_value_is_named(monkeypatch, bad):
    monkeypatch.setenv("D2L_DEVICE", bad)
    with pytest.raises(ValueError, match=f"D2L_DEVICE='{bad}' is not a device; use 'cpu'"):
        dev.get_device()


def test_unsupported_device_type():
    with pytest.raises(ValueError, match="name='xla': only 'cpu', 'cuda' and 'mps'"):
        dev.get_device("xla")


def test_bad_name_type():
    with pytest.raises(TypeError, match="name must be a device string"):
        dev.get_device(3)


def test_requested_cuda_without_cuda(monkeypatch):
    monkeypatch.setattr(dev, "_cuda_available", lambda: False)
    with pytest.raises(ValueError, match="name='cuda' but no usable CUDA GPU"):
        dev.get_device("cuda")


def test_requested_mps_without_mps(monkeypatch):
    monkeypatch.setattr(dev, "_mps_available", lambda: False)
    with pytest.raises(ValueError, match="name='mps' but Apple's MPS backend is not available"):
        dev.get_device("mps")


def test_requested_gpu_that_fails_a_computation(one_gpu, monkeypatch):
    monkeypatch.setattr(dev, "_works", lambda d: d.type == "cpu")
    with pytest.raises(ValueError, match="name='cuda' is present but a test computation failed"):
        dev.get_device("cuda")


def test_no_second_gpu_on_a_one_gpu_machine(one_gpu):
    assert dev.get_device("cuda") == torch.device("cuda")
    assert dev.get_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(ValueError, match="there is no cuda:1: this machine has 1 CUDA GPU"):
        dev.get_device("cuda:1")


def test_two_gpus_are_listed(one_gpu, monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert dev.get_device("cuda:1") == torch.device("cuda:1")
    with pytest.raises(ValueError, match=r"no cuda:2: this machine has 2 CUDA GPU\(s\), "
                                         r"cuda:0, cuda:1$"):
        dev.get_device("cuda:2")


def test_automatic_choice_prefers_cuda_then_mps(monkeypatch):
    monkeypatch.delenv("D2L_DEVICE", raising=False)
    monkeypatch.setattr(dev, "_works", lambda d: True)
    monkeypatch.setattr(dev, "_cuda_available", lambda: True)
    monkeypatch.setattr(dev, "_mps_available", lambda: True)
    assert dev.get_device() == torch.device("cuda")
    monkeypatch.setattr(dev, "_cuda_available", lambda: False)
    assert dev.get_device() == torch.device("mps")
    monkeypatch.setattr(dev, "_works", lambda d: d.type == "cpu")
    assert dev.get_device() == torch.device("cpu")


def test_unusable_cuda_falls_back_with_warning(monkeypatch):
    # CUDA reports itself available but every computation on it fails.
    monkeypatch.delenv("D2L_DEVICE", raising=False)
    monkeypatch.setattr(dev, "_cuda_available", lambda: True)
    monkeypatch.setattr(dev, "_mps_available", lambda: False)
    monkeypatch.setattr(dev, "_works", lambda d: d.type == "cpu")
    message = "^CUDA is installed but not usable; falling back$"
    with pytest.warns(RuntimeWarning, match=message) as w:
        assert dev.get_device() == torch.device("cpu")
    assert w[0].filename != dev.__file__  # it points at the caller, not at get_device


def test_probe_runs_a_computation(monkeypatch):
    assert dev._works(torch.device("cpu")) is True

    def unusable(*args, **kwargs):
        raise RuntimeError("CUDA error: no kernel image is available for execution")

    monkeypatch.setattr(torch, "ones", unusable)
    assert dev._works(torch.device("cpu")) is False


def test_probe_computes_on_the_device_asked_for(monkeypatch):
    seen, ones = [], torch.ones
    monkeypatch.setattr(torch, "ones", lambda n, device=None: seen.append(device) or ones(n))
    assert dev._works(torch.device("cuda:3")) is True
    assert seen == [torch.device("cuda:3")]


def test_probe_checks_the_result(monkeypatch):
    monkeypatch.setattr(torch, "ones", lambda n, device: torch.zeros(n, device=device))
    assert dev._works(torch.device("cpu")) is False


def test_cuda_probe(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert dev._cuda_available() is False
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert dev._cuda_available() is True
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    assert dev._cuda_available() is False


def test_cuda_is_available_raising_is_not_fatal(monkeypatch):
    def boom():
        raise RuntimeError("driver too old")

    monkeypatch.setattr(torch.cuda, "is_available", boom)
    assert dev._cuda_available() is False


def test_mps_probe(monkeypatch):
    def boom():
        raise RuntimeError("macOS too old")

    for answer, expected in [(lambda: True, True), (lambda: False, False), (boom, False)]:
        monkeypatch.setattr(torch.backends.mps, "is_available", answer)
        assert dev._mps_available() is expected
    monkeypatch.setattr(torch.backends, "mps", None)  # a PyTorch without the backend
    assert dev._mps_available() is False


def _threads_in_words() -> str:
    n = torch.get_num_threads()
    return f"{n} thread" if n == 1 else f"{n} threads"


def test_describe_device_is_one_line():
    line = dev.describe_device("cpu")
    assert line == (f"Python {platform.python_version()}, "
                    f"PyTorch {torch.__version__.split('+')[0]}, "
                    f"device cpu (CPU, {_threads_in_words()})")
    assert dev.describe_device(torch.device("cpu")) == line


def test_describe_device_counts_threads_in_words(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert dev.describe_device("cpu").endswith("device cpu (CPU, 1 thread)")
    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    assert dev.describe_device("cpu").endswith("device cpu (CPU, 4 threads)")


def test_describe_device_default_follows_env(monkeypatch):
    monkeypatch.setenv("D2L_DEVICE", "cpu")
    assert dev.describe_device().endswith(f"device cpu (CPU, {_threads_in_words()})")


def test_describe_gpus(one_gpu, monkeypatch):
    assert dev.describe_device("cuda").endswith("device cuda (Fake GPU cuda)")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert dev.describe_device("cuda:1").endswith("device cuda:1 (Fake GPU cuda:1)")
    monkeypatch.setattr(dev, "_mps_available", lambda: True)
    assert dev.describe_device("mps").endswith("device mps (Apple GPU (MPS))")


def test_describe_device_without_cuda_says_why(monkeypatch):
    monkeypatch.setattr(dev, "_cuda_available", lambda: False)
    with pytest.raises(ValueError, match="device='cuda' but no usable CUDA GPU is present"):
        dev.describe_device("cuda")
    with pytest.raises(ValueError, match="device='cuda:x' is not a device"):
        dev.describe_device("cuda:x")
    with pytest.raises(TypeError, match="device must be a torch.device or a string"):
        dev.describe_device(0)
