"""Data sets of the book: where each file comes from, how it is checked, and loaders.

A file is looked for, in order, in a local mirror folder (argument ``mirror`` or the environment
variable ``D2L_DATA_DIR``), then in the download cache (``D2L_CACHE_DIR``, default: the user
cache folder), and only then downloaded with ``pooch``. Every file is checked against its
SHA-256 before use: a corrupt or truncated file is never returned, a broken cached copy is
downloaded again. Loaders print nothing; ``python -m d2lutils.data fetch`` (``make data``)
fetches and verifies every file beforehand, with a progress bar.

The cache is safe to share: one process at a time downloads an archive (a lock file beside it),
everything is written under a unique temporary name and renamed only once complete and verified,
and temporary files left by a killed process are removed by the next download of that archive.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import filelock
import pooch
import torch
from tqdm import tqdm

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
    """The local mirror folder (``mirror`` or ``$D2L_DATA_DIR``), or None; it must exist.

    Raises:
        TypeError: If ``mirror`` is not a path.
        ValueError: If the folder named does not exist.
    """
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


def _where_to_put(item: RemoteFile, root: Path | None) -> str:
    where = f"either set {MIRROR_ENV} to a folder that holds {item.path} or copy it to"
    if root is not None:
        where = f"copy it to {root / item.path} or to"
    return (
        f"Download {item.url}, extract {item.member} and {where} {cache_dir() / item.path} "
        f"(expected sha256 {item.sha256})"
    )


def fetch(
    item: str | RemoteFile, mirror: str | Path | None = None, *, progress: bool = False
) -> Path:
    """Path to a verified local copy of a registered data file, downloading it if needed.

    Prints nothing unless ``progress=True``, which shows a download progress bar.

    Raises:
        TypeError: If ``item`` is neither a registered name nor a :class:`RemoteFile`, or
            ``mirror`` is not a path.
        ValueError: If ``item`` is not a registered name, or ``mirror`` is not a folder.
        DataError: If the file in the mirror is corrupt or not a file, the download fails, the
            archive is damaged, the file fails its checksum, or the cache cannot be written (the
            message says where to put the file by hand).
    """
    if isinstance(item, str):
        if item not in REGISTRY:
            raise ValueError(f"unknown data file {item!r}; known files: {sorted(REGISTRY)}")
        item = REGISTRY[item]
    elif not isinstance(item, RemoteFile):
        raise TypeError(f"item must be a registered name or a RemoteFile, got {item!r}")

    root = mirror_dir(mirror)
    if root is not None:
        path = root / item.path
        if path.is_file():
            return _verified(path, item, root)
        if path.is_symlink() and not path.exists():
            raise DataError(
                f"{path} in the mirror folder is a symbolic link to {os.readlink(path)}, which "
                "does not exist; point the link at the file or remove it"
            )
        if path.exists():
            kind = "a folder" if path.is_dir() else "not a regular file"
            raise DataError(
                f"{path} in the mirror folder is {kind}; replace it with the file {item.path}. "
                f"{_where_to_put(item, root)}"
            )

    target = cache_dir() / item.path
    if _is_good(target, item):  # the common case: no lock needed to read a finished file
        return target
    archives = cache_dir() / "archives"
    archive = archives / Path(urlsplit(item.url).path).name
    try:
        archives.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(f"{archive}.lock"):
            if _is_good(target, item):  # another process fetched it while we waited
                return target
            _remove_leftovers(archive, target)
            if not archive.is_file():
                _download(item, archive, root, progress)
            _extract(item, archive, target)
    except OSError as exc:
        raise DataError(
            f"could not write {target} ({type(exc).__name__}: {exc}); free some disk space or "
            f"set {CACHE_ENV} to a writable folder"
        ) from None
    return target


def _verified(path: Path, item: RemoteFile, root: Path) -> Path:
    actual = sha256sum(path)
    if actual != item.sha256:
        raise DataError(
            f"{path} is corrupt or truncated: its sha256 is {actual}, expected "
            f"{item.sha256}. Replace it with a fresh copy. {_where_to_put(item, root)}"
        )
    return path


def _is_good(target: Path, item: RemoteFile) -> bool:
    return target.is_file() and sha256sum(target) == item.sha256


def _remove_leftovers(*paths: Path) -> None:
    """Temporary files of a process killed while it held the lock of these paths."""
    for path in paths:
        for stale in path.parent.glob(f".{path.name}.*.part"):
            stale.unlink()


def _temporary(beside: Path) -> Path:
    """A new empty file ``.NAME.XXXXXXXX.part`` beside ``beside``, to be renamed to it."""
    path = beside.with_name(f".{beside.name}.{uuid.uuid4().hex[:8]}.part")
    path.open("xb").close()  # "x": never a file that another process is writing
    return path


def _download(item: RemoteFile, archive: Path, root: Path | None, progress: bool) -> None:
    partial = _temporary(archive)
    try:
        pooch.HTTPDownloader(progressbar=progress)(item.url, str(partial), None)
        os.replace(partial, archive)
    except Exception as exc:  # no network, HTTP error, interrupted transfer ...
        raise DataError(
            f"could not download {item.path} from {item.url} ({type(exc).__name__}: {exc}). "
            f"If you are offline: {_where_to_put(item, root)}"
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def _extract(item: RemoteFile, archive: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _temporary(target)
    try:
        try:
            with zipfile.ZipFile(archive) as zf, zf.open(item.member) as src:
                with open(partial, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        except (zipfile.BadZipFile, KeyError, zlib.error) as exc:
            archive.unlink()
            raise DataError(
                f"the archive {archive} downloaded from {item.url} is damaged or lacks "
                f"{item.member} ({exc}); it was removed, try again"
            ) from None
        actual = sha256sum(partial)
        if actual != item.sha256:
            archive.unlink()
            raise DataError(
                f"{item.member} from {item.url} has sha256 {actual}, expected {item.sha256}; "
                "the download was discarded, try again"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def fetch_all(mirror: str | Path | None = None, progress: bool = True) -> dict[str, Path]:
    """Fetch and verify every registered file; what ``python -m d2lutils.data fetch`` runs.

    Raises:
        DataError: As :func:`fetch`, for the first file that cannot be had.
    """
    with tqdm(sorted(REGISTRY), desc="data sets", unit="file", disable=not progress) as bar:
        return {name: fetch(name, mirror, progress=progress) for name in bar}


def main(argv: list[str] | None = None) -> int:
    """``python -m d2lutils.data fetch``: fetch and verify every data set of the book."""
    parser = argparse.ArgumentParser(
        prog="python -m d2lutils.data",
        description=f"Fetch the book's data sets: from ${MIRROR_ENV} when set, else download them "
        f"into the cache (${CACHE_ENV} or the user cache folder); verify every file's sha256.",
    )
    parser.add_argument("command", choices=["fetch"], help="fetch and verify every data file")
    parser.parse_args(argv)
    try:
        paths = fetch_all()
    except (DataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0


def load_digits(
    test_fraction: float = 0.25, seed: int = 0, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """scikit-learn's 8×8 digits (1,797 images, bundled, offline) as tensors.

    Returns ``X_train, y_train, X_test, y_test``: pixels scaled to [0, 1] as rows of 64 values,
    labels 0–9 as int64; the split is stratified and fixed by ``seed``.

    Raises:
        TypeError: If ``dtype`` is not a floating-point torch dtype.
        ValueError: If ``test_fraction`` is not a float in (0, 1) or ``seed`` is not a
            non-negative int.
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
    X = digits.data / 16.0  # float64, like sklearn's array
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, digits.target, test_size=test_fraction, random_state=seed, stratify=digits.target
    )
    as_x = lambda a: torch.tensor(a, dtype=dtype)  # noqa: E731
    as_y = lambda a: torch.tensor(a, dtype=torch.int64)  # noqa: E731
    return as_x(X_tr), as_y(y_tr), as_x(X_te), as_y(y_te)


def load_ptb(split: str = "train", mirror: str | Path | None = None) -> list[list[str]]:
    """Penn Treebank (Mikolov's split) as a list of sentences, each a list of tokens.

    Raises:
        ValueError: If ``split`` is not ``"train"``, ``"valid"`` or ``"test"``.
        DataError: If the file cannot be had, as in :func:`fetch`.
    """
    if split not in ("train", "valid", "test"):
        raise ValueError(f"split must be 'train', 'valid' or 'test', got {split!r}")
    path = fetch(f"ptb/ptb.{split}.txt", mirror)
    with open(path, encoding="utf-8") as fh:
        return [line.split() for line in fh if line.strip()]


def load_fra_eng(mirror: str | Path | None = None) -> list[tuple[str, str]]:
    """English–French sentence pairs from Tatoeba (via manythings.org/anki, CC BY 2.0).

    Raises:
        DataError: If the file cannot be had, as in :func:`fetch`, or a line is not
            ``English<TAB>French``.
    """
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


if __name__ == "__main__":  # pragma: no mutate
    sys.exit(main())  # pragma: no mutate
