"""Data sets of the book: where each file comes from, how it is checked, and loaders.

A file is looked for, in order, in a local mirror folder (argument ``mirror`` or the environment
variable ``D2L_DATA_DIR``), then in the download cache (``D2L_CACHE_DIR``, default: the user
cache folder), and only then downloaded with ``pooch``. Every file is checked against its
SHA-256 before use: a corrupt or truncated file is never returned, a broken cached copy is
downloaded again, and nothing half-written is left in the cache.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pooch
import torch

MIRROR_ENV = "D2L_DATA_DIR"
CACHE_ENV = "D2L_CACHE_DIR"


class DataError(RuntimeError):
    """A data file is missing, cannot be downloaded, or fails its checksum."""


@dataclass(frozen=True)
class RemoteFile:
    """One data file: its path in a mirror or cache, the zip archive that holds it, its sha256."""

    path: str
    url: str
    member: str
    sha256: str


_D2L = "http://d2l-data.s3-accelerate.amazonaws.com"
REGISTRY: dict[str, RemoteFile] = {
    f.path: f
    for f in [
        RemoteFile(
            "ptb/ptb.train.txt",
            f"{_D2L}/ptb.zip",
            "ptb/ptb.train.txt",
            "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
        ),
        RemoteFile(
            "ptb/ptb.valid.txt",
            f"{_D2L}/ptb.zip",
            "ptb/ptb.valid.txt",
            "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
        ),
        RemoteFile(
            "ptb/ptb.test.txt",
            f"{_D2L}/ptb.zip",
            "ptb/ptb.test.txt",
            "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
        ),
        RemoteFile(
            "fra-eng/fra.txt",
            f"{_D2L}/fra-eng.zip",
            "fra-eng/fra.txt",
            "0bb85dbaa1c896844649094d7eaf2e34bee34e84fe362b26ce7e8f2e12aae104",
        ),
    ]
}


def sha256sum(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mirror_dir(mirror: str | Path | None = None) -> Path | None:
    """The local mirror folder (``mirror`` or ``$D2L_DATA_DIR``), or None; it must exist."""
    source = "mirror"
    if mirror is None:
        mirror = os.environ.get(MIRROR_ENV, "").strip() or None
        source = MIRROR_ENV
    if mirror is None:
        return None
    if not isinstance(mirror, (str, Path)):
        raise TypeError(f"mirror must be a path, got {mirror!r}")
    path = Path(mirror).expanduser()
    if not path.is_dir():
        raise ValueError(f"{source}={str(mirror)!r} is not an existing folder")
    return path


def cache_dir() -> Path:
    """Where downloads are kept: ``$D2L_CACHE_DIR`` or the user's cache folder."""
    env = os.environ.get(CACHE_ENV, "").strip()
    return Path(env).expanduser() if env else Path(pooch.os_cache("d2lutils"))


def _where_to_put(item: RemoteFile) -> str:
    return (
        f"Download {item.url}, extract {item.member} and either set {MIRROR_ENV} to the folder "
        f"that holds {item.path} or copy it to {cache_dir() / item.path} "
        f"(expected sha256 {item.sha256})"
    )


def fetch(item: str | RemoteFile, mirror: str | Path | None = None) -> Path:
    """Path to a verified local copy of a registered data file, downloading it if needed."""
    if isinstance(item, str):
        if item not in REGISTRY:
            raise ValueError(f"unknown data file {item!r}; known files: {sorted(REGISTRY)}")
        item = REGISTRY[item]
    elif not isinstance(item, RemoteFile):
        raise TypeError(f"item must be a registered name or a RemoteFile, got {item!r}")

    root = mirror_dir(mirror)
    if root is not None and (root / item.path).is_file():
        path = root / item.path
        actual = sha256sum(path)
        if actual != item.sha256:
            raise DataError(
                f"{path} is corrupt or truncated: its sha256 is {actual}, expected "
                f"{item.sha256}. Replace it with a fresh copy. {_where_to_put(item)}"
            )
        return path

    target = cache_dir() / item.path
    if target.is_file():
        if sha256sum(target) == item.sha256:
            return target
        target.unlink()  # a broken cached copy: fetch it again below
    return _download(item, target)


def _download(item: RemoteFile, target: Path) -> Path:
    archives = cache_dir() / "archives"
    try:
        # pooch writes to a temporary file and renames it when complete.
        archive = Path(pooch.retrieve(item.url, known_hash=None, path=archives, progressbar=False))
    except Exception as exc:  # no network, HTTP error, interrupted transfer ...
        raise DataError(
            f"could not download {item.path} from {item.url} ({type(exc).__name__}: {exc}). "
            f"If you are offline: {_where_to_put(item)}"
        ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with (
            zipfile.ZipFile(archive) as zf,
            zf.open(item.member) as src,
            open(partial, "wb") as dst,
        ):
            for chunk in iter(lambda: src.read(1 << 20), b""):
                dst.write(chunk)
        actual = sha256sum(partial)
        if actual != item.sha256:
            raise DataError(
                f"{item.member} from {item.url} has sha256 {actual}, expected {item.sha256}; "
                "the download was discarded, try again"
            )
        os.replace(partial, target)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        archive.unlink(missing_ok=True)
        raise DataError(
            f"the archive {archive} downloaded from {item.url} is damaged or lacks "
            f"{item.member} ({exc}); it was removed, try again"
        ) from None
    except DataError:
        archive.unlink(missing_ok=True)
        raise
    finally:
        partial.unlink(missing_ok=True)
    return target


def load_digits(
    test_fraction: float = 0.25, seed: int = 0, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """scikit-learn's 8×8 digits (1,797 images, bundled, offline) as tensors.

    Returns ``X_train, y_train, X_test, y_test``: pixels scaled to [0, 1] as rows of 64 values,
    labels 0–9 as int64; the split is stratified and fixed by ``seed``.
    """
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    if not (isinstance(test_fraction, float) and 0.0 < test_fraction < 1.0):
        raise ValueError(f"test_fraction must be a float in (0, 1), got {test_fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating torch dtype, got {dtype!r}")
    digits = sk_load_digits()
    X = (digits.data / 16.0).astype(np.float64)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, digits.target, test_size=test_fraction, random_state=seed, stratify=digits.target
    )
    as_x = lambda a: torch.tensor(a, dtype=dtype)  # noqa: E731
    as_y = lambda a: torch.tensor(a, dtype=torch.int64)  # noqa: E731
    return as_x(X_tr), as_y(y_tr), as_x(X_te), as_y(y_te)


def load_ptb(split: str = "train", mirror: str | Path | None = None) -> list[list[str]]:
    """Penn Treebank (Mikolov's split) as a list of sentences, each a list of tokens."""
    if split not in ("train", "valid", "test"):
        raise ValueError(f"split must be 'train', 'valid' or 'test', got {split!r}")
    path = fetch(f"ptb/ptb.{split}.txt", mirror)
    with open(path, encoding="utf-8") as fh:
        return [line.split() for line in fh if line.strip()]


def load_fra_eng(mirror: str | Path | None = None) -> list[tuple[str, str]]:
    """English–French sentence pairs from Tatoeba (via manythings.org/anki, CC BY 2.0)."""
    path = fetch("fra-eng/fra.txt", mirror)
    pairs = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 2:
                raise DataError(f"{path}, line {number}: expected 'English<TAB>French'")
            pairs.append((fields[0], fields[1]))
    return pairs
