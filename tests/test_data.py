import hashlib
import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch

from d2lutils import data
from d2lutils.data import DataError, RemoteFile, fetch

CONTENT = b" the cat sat \n on the mat \n\n"
SHA = hashlib.sha256(CONTENT).hexdigest()


def make_zip(member="toy/toy.txt", content=CONTENT):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, content)
    return buf.getvalue()


@pytest.fixture
def server():
    """A local HTTP server: routes maps a path to (bytes, truncate_to or None)."""
    routes, hits = {}, []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            if self.path not in routes:
                self.send_error(404)
                return
            body, cut = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body if cut is None else body[:cut])
            self.wfile.flush()
            if cut is not None:
                self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes, hits
    httpd.shutdown()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)


def leftovers(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_mirror_hit_is_verified(tmp_path):
    (tmp_path / "m" / "toy").mkdir(parents=True)
    (tmp_path / "m" / "toy" / "toy.txt").write_bytes(CONTENT)
    item = RemoteFile("toy/toy.txt", "http://127.0.0.1:9/toy.zip", "toy/toy.txt", SHA)
    assert fetch(item, mirror=tmp_path / "m") == tmp_path / "m" / "toy" / "toy.txt"


def test_mirror_from_environment(tmp_path, monkeypatch):
    (tmp_path / "m" / "toy").mkdir(parents=True)
    (tmp_path / "m" / "toy" / "toy.txt").write_bytes(CONTENT)
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "m"))
    item = RemoteFile("toy/toy.txt", "http://127.0.0.1:9/toy.zip", "toy/toy.txt", SHA)
    assert fetch(item).parent == tmp_path / "m" / "toy"


def test_truncated_mirror_file_is_refused_with_its_path(tmp_path):
    path = tmp_path / "m" / "toy" / "toy.txt"
    path.parent.mkdir(parents=True)
    path.write_bytes(CONTENT[:5])
    item = RemoteFile("toy/toy.txt", "http://127.0.0.1:9/toy.zip", "toy/toy.txt", SHA)
    with pytest.raises(DataError, match=f"{path}.*corrupt or truncated"):
        fetch(item, mirror=tmp_path / "m")


def test_missing_mirror_folder_is_a_value_error(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="D2L_DATA_DIR=.*nowhere.*not an existing folder"):
        fetch("ptb/ptb.train.txt")
    with pytest.raises(ValueError, match="mirror="):
        fetch("ptb/ptb.train.txt", mirror=tmp_path / "nowhere")


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown data file 'mnist'"):
        fetch("mnist")
    with pytest.raises(TypeError, match="item"):
        fetch(42)


def test_offline_error_names_file_url_and_where_to_put_it(tmp_path):
    item = RemoteFile("toy/toy.txt", "http://127.0.0.1:9/toy.zip", "toy/toy.txt", SHA)
    with pytest.raises(DataError) as info:
        fetch(item)
    msg = str(info.value)
    assert "toy/toy.txt" in msg and item.url in msg and "D2L_DATA_DIR" in msg
    assert str(tmp_path / "cache" / "toy" / "toy.txt") in msg
    assert leftovers(tmp_path / "cache") == []


def test_download_extract_verify_and_cache(server, tmp_path):
    url, routes, hits = server
    routes["/toy.zip"] = (make_zip(), None)
    item = RemoteFile("toy/toy.txt", f"{url}/toy.zip", "toy/toy.txt", SHA)
    path = fetch(item)
    assert path.read_bytes() == CONTENT and path.is_relative_to(tmp_path / "cache")
    assert fetch(item) == path and len(hits) == 1  # second call: from the cache

    path.write_bytes(b"garbage")  # a damaged cached copy is replaced, not used
    assert fetch(item).read_bytes() == CONTENT


def test_interrupted_download_leaves_nothing(server, tmp_path):
    url, routes, _ = server
    body = make_zip(content=CONTENT * 2000)
    routes["/toy.zip"] = (body, len(body) // 2)
    item = RemoteFile("toy/toy.txt", f"{url}/toy.zip", "toy/toy.txt",
                      hashlib.sha256(CONTENT * 2000).hexdigest())
    with pytest.raises(DataError, match="could not download"):
        fetch(item)
    assert leftovers(tmp_path / "cache") == []


@pytest.mark.parametrize(
    "body, message",
    [(make_zip(content=b"other"), "sha256"), (make_zip(member="x.txt"), "lacks"),
     (b"not a zip", "damaged")],
)
def test_bad_archive_is_discarded(server, tmp_path, body, message):
    url, routes, _ = server
    routes["/toy.zip"] = (body, None)
    item = RemoteFile("toy/toy.txt", f"{url}/toy.zip", "toy/toy.txt", SHA)
    with pytest.raises(DataError, match=message):
        fetch(item)
    assert leftovers(tmp_path / "cache") == []


def test_http_error(server):
    url, _, _ = server
    item = RemoteFile("toy/toy.txt", f"{url}/missing.zip", "toy/toy.txt", SHA)
    with pytest.raises(DataError, match="404"):
        fetch(item)


def fake_mirror(tmp_path, monkeypatch, name, content):
    path = tmp_path / "m" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    old = data.REGISTRY[name]
    monkeypatch.setitem(data.REGISTRY, name, RemoteFile(name, old.url, old.member,
                                                        hashlib.sha256(content).hexdigest()))
    return tmp_path / "m"


def test_load_ptb_parses_sentences(tmp_path, monkeypatch):
    mirror = fake_mirror(tmp_path, monkeypatch, "ptb/ptb.valid.txt", CONTENT)
    assert data.load_ptb("valid", mirror=mirror) == [["the", "cat", "sat"], ["on", "the", "mat"]]
    with pytest.raises(ValueError, match="split must be"):
        data.load_ptb("dev")


def test_load_fra_eng_parses_pairs(tmp_path, monkeypatch):
    good = b"Go.\tVa !\nHi.\tSalut !\tCC-BY\n"
    mirror = fake_mirror(tmp_path, monkeypatch, "fra-eng/fra.txt", good)
    assert data.load_fra_eng(mirror=mirror) == [("Go.", "Va !"), ("Hi.", "Salut !")]
    mirror = fake_mirror(tmp_path, monkeypatch, "fra-eng/fra.txt", b"Go.\tVa !\nbroken\n")
    with pytest.raises(DataError, match="line 2"):
        data.load_fra_eng(mirror=mirror)


def test_load_digits():
    X, y, Xt, yt = data.load_digits()
    assert X.shape == (1347, 64) and Xt.shape == (450, 64) and X.dtype == torch.float32
    assert 0.0 <= X.min() and X.max() <= 1.0 and set(y.tolist()) == set(range(10))
    X2, *_ = data.load_digits(dtype=torch.float64)
    assert torch.equal(X2.float(), X)
    with pytest.raises(ValueError, match="test_fraction"):
        data.load_digits(test_fraction=1.5)
    with pytest.raises(ValueError, match="seed"):
        data.load_digits(seed=-1)
    with pytest.raises(TypeError, match="dtype"):
        data.load_digits(dtype=torch.int64)


REAL_MIRROR = data.os.environ.get("D2L_DATA_DIR")


@pytest.mark.skipif(not REAL_MIRROR, reason="no local data mirror (D2L_DATA_DIR) on this machine")
def test_real_mirror_matches_registry():
    # The registry's checksums are those of the published files (the mirror README lists them).
    for name in data.REGISTRY:
        assert fetch(name, mirror=REAL_MIRROR).name == name.split("/")[-1]
    assert sum(map(len, data.load_ptb("valid", mirror=REAL_MIRROR))) == 70390
