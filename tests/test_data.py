import hashlib
import io
import os
import re
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import filelock
import pooch
import pytest
import torch

from d2lutils import data
from d2lutils.data import DataError, RemoteFile, fetch

CONTENT = b" the cat sat \n on the mat \n\n"
SHA = hashlib.sha256(CONTENT).hexdigest()
BIG = bytes(range(256)) * 4000  # ~1 MB: several read chunks, a download that takes a while
BIG_SHA = hashlib.sha256(BIG).hexdigest()


def child_env(**extra):
    """The test's environment, cache folder included, for a child that imports the same d2lutils
    as this test (also when that is a mutated copy)."""
    return {**os.environ, "PYTHONPATH": str(Path(data.__file__).parents[1]), **extra}


def make_zip(member="toy/toy.txt", content=CONTENT, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        zf.writestr(member, content)
    return buf.getvalue()


@pytest.fixture
def server():
    """A local HTTP server: routes maps a path to (bytes, truncate_to or None[, seconds/chunk])."""
    routes, hits = {}, []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            if self.path not in routes:
                self.send_error(404)
                return
            body, cut, *pause = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            sent = body if cut is None else body[:cut]
            try:
                step = 16384 if pause else max(len(sent), 1)  # slow routes: 16 kB per pause
                for start in range(0, len(sent), step):
                    self.wfile.write(sent[start : start + step])
                    self.wfile.flush()
                    time.sleep(pause[0] if pause else 0)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client was killed mid-download
            if cut is not None:
                self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes, hits
    httpd.shutdown()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # the default, should it be used
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)


def leftovers(root):
    """Files under root, hidden ones included; the lock files stay (empty, one per archive)."""
    files = root.rglob("*") if root.exists() else []
    return sorted(p.name for p in files if p.is_file() and p.suffix != ".lock")


def toy(url="http://127.0.0.1:9/toy.zip", sha=SHA):
    return RemoteFile("toy/toy.txt", url, "toy/toy.txt", sha)


def make_mirror(tmp_path, content=CONTENT):
    (tmp_path / "m" / "toy").mkdir(parents=True)
    (tmp_path / "m" / "toy" / "toy.txt").write_bytes(content)
    return tmp_path / "m"


# --- the mirror ------------------------------------------------------------------------------


def test_mirror_hit_is_verified_and_nothing_is_cached(tmp_path):
    mirror = make_mirror(tmp_path)
    assert fetch(toy(), mirror=mirror) == mirror / "toy" / "toy.txt"
    assert fetch(toy(), mirror=str(mirror)) == mirror / "toy" / "toy.txt"
    assert not (tmp_path / "cache").exists()


def test_mirror_from_environment(tmp_path, monkeypatch):
    mirror = make_mirror(tmp_path)
    monkeypatch.setenv("D2L_DATA_DIR", f" {mirror} ")
    assert fetch(toy()) == mirror / "toy" / "toy.txt"
    assert data.mirror_dir() == mirror
    monkeypatch.setenv("D2L_DATA_DIR", "  ")  # blank means unset
    assert data.mirror_dir() is None


def test_mirror_argument_wins_over_environment(tmp_path, monkeypatch):
    mirror = make_mirror(tmp_path)
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "nowhere"))
    assert data.mirror_dir(mirror) == mirror
    home = Path("~").expanduser()
    assert data.mirror_dir("~") == home


def test_mirror_of_the_wrong_type():
    with pytest.raises(TypeError, match="mirror must be a path, got 3"):
        data.mirror_dir(3)


def test_truncated_mirror_file_is_refused_with_its_path(tmp_path):
    mirror = make_mirror(tmp_path, CONTENT[:5])
    path = mirror / "toy" / "toy.txt"
    actual = hashlib.sha256(CONTENT[:5]).hexdigest()
    with pytest.raises(DataError) as info:
        fetch(toy(), mirror=mirror)
    assert str(info.value) == (
        f"{path} is corrupt or truncated: its sha256 is {actual}, expected {SHA}. Replace it "
        f"with a fresh copy. Download http://127.0.0.1:9/toy.zip, extract toy/toy.txt and copy "
        f"it to {path} or to {tmp_path / 'cache' / 'toy' / 'toy.txt'} (expected sha256 {SHA})"
    )


def test_missing_mirror_folder_is_a_value_error(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError) as info:
        fetch("ptb/ptb.train.txt")
    nowhere = str(tmp_path / "nowhere")
    assert str(info.value) == f"D2L_DATA_DIR={nowhere!r} is not an existing folder"
    with pytest.raises(ValueError, match="^mirror='.*nowhere' is not an existing folder$"):
        fetch("ptb/ptb.train.txt", mirror=tmp_path / "nowhere")
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="^mirror=.*file' is not an existing folder$"):
        data.mirror_dir(tmp_path / "file")


def test_a_folder_in_the_mirror_is_named_as_such(tmp_path):
    (tmp_path / "m" / "toy" / "toy.txt").mkdir(parents=True)
    with pytest.raises(DataError) as info:
        fetch(toy(), mirror=tmp_path / "m")
    path = tmp_path / "m" / "toy" / "toy.txt"
    assert str(info.value).startswith(
        f"{path} in the mirror folder is a folder; replace it with the file toy/toy.txt. "
        f"Download http://127.0.0.1:9/toy.zip, extract toy/toy.txt and copy it to {path} or to "
    )
    assert "set D2L_DATA_DIR" not in str(info.value)
    assert not (tmp_path / "cache").exists()


def test_a_dangling_symlink_in_the_mirror_is_named_as_such(tmp_path, monkeypatch):
    (tmp_path / "m" / "toy").mkdir(parents=True)
    (tmp_path / "m" / "toy" / "toy.txt").symlink_to(tmp_path / "gone.txt")
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "m"))
    with pytest.raises(DataError) as info:
        fetch(toy())
    assert str(info.value) == (
        f"{tmp_path / 'm' / 'toy' / 'toy.txt'} in the mirror folder is a symbolic link to "
        f"{tmp_path / 'gone.txt'}, which does not exist; point the link at the file or remove it"
    )
    (tmp_path / "gone.txt").write_bytes(CONTENT)  # a good link is followed
    assert fetch(toy()).read_bytes() == CONTENT


def test_a_link_to_a_folder_in_the_mirror_is_a_folder(tmp_path):
    (tmp_path / "m" / "toy").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "m" / "toy" / "toy.txt").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(DataError, match=r"toy\.txt in the mirror folder is a folder; "):
        fetch(toy(), mirror=tmp_path / "m")


def test_a_special_file_in_the_mirror_is_named_as_such(tmp_path):
    (tmp_path / "m" / "toy").mkdir(parents=True)
    os.mkfifo(tmp_path / "m" / "toy" / "toy.txt")
    with pytest.raises(DataError, match=r"toy\.txt in the mirror folder is not a regular file; "):
        fetch(toy(), mirror=tmp_path / "m")


def test_a_file_missing_from_the_mirror_is_downloaded(server, tmp_path):
    url, routes, hits = server
    routes["/toy.zip"] = (make_zip(), None)
    (tmp_path / "m").mkdir()
    path = fetch(toy(f"{url}/toy.zip"), mirror=tmp_path / "m")
    assert path == tmp_path / "cache" / "toy" / "toy.txt" and path.read_bytes() == CONTENT


def test_offline_with_a_mirror_says_where_the_file_goes(tmp_path, monkeypatch):
    (tmp_path / "m").mkdir()
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "m"))
    with pytest.raises(DataError) as info:
        fetch(toy())
    msg = str(info.value)
    assert f"copy it to {tmp_path / 'm' / 'toy' / 'toy.txt'} or to " in msg
    assert "set D2L_DATA_DIR" not in msg


REAL_MIRROR = data.os.environ.get("D2L_DATA_DIR")


@pytest.mark.skipif(not REAL_MIRROR, reason="no local data mirror (D2L_DATA_DIR) on this machine")
def test_real_mirror_matches_registry(tmp_path, monkeypatch):
    # The registry's checksums are those of the published files (the mirror README lists them);
    # every file must come from the mirror: downloading is made impossible here.
    def no_download(*args, **kwargs):
        raise AssertionError("a file was downloaded instead of read from the mirror")

    monkeypatch.setattr(data, "_download", no_download)
    monkeypatch.setattr(data.pooch, "HTTPDownloader", no_download)
    for name in data.REGISTRY:
        assert fetch(name, mirror=REAL_MIRROR) == Path(REAL_MIRROR) / name
    assert sum(map(len, data.load_ptb("valid", mirror=REAL_MIRROR))) == 70390
    assert not (tmp_path / "cache").exists()


@pytest.mark.skipif(not REAL_MIRROR, reason="no local data mirror (D2L_DATA_DIR) on this machine")
def test_registry_urls_are_the_public_sources_the_mirror_lists():
    sources = (Path(REAL_MIRROR) / "README.md").read_text()
    for name, item in data.REGISTRY.items():
        assert item.path == item.member == name
        assert f"`{item.url}` (holds `{name.split('/')[0]}/" in sources


# --- the cache and downloads -----------------------------------------------------------------


def test_unknown_name():
    with pytest.raises(ValueError) as info:
        fetch("mnist")
    assert str(info.value) == f"unknown data file 'mnist'; known files: {sorted(data.REGISTRY)}"
    with pytest.raises(TypeError, match="^item must be a registered name or a RemoteFile, got 42$"):
        fetch(42)


def test_cache_dir(tmp_path, monkeypatch):
    assert data.cache_dir() == tmp_path / "cache"
    monkeypatch.setenv("D2L_CACHE_DIR", " ~/x ")
    assert data.cache_dir() == Path("~/x").expanduser()
    monkeypatch.setenv("D2L_CACHE_DIR", " ")
    assert data.cache_dir() == Path(pooch.os_cache("d2lutils"))
    monkeypatch.delenv("D2L_CACHE_DIR")
    assert data.cache_dir() == Path(pooch.os_cache("d2lutils"))


def test_sha256sum_reads_all_chunks(tmp_path):
    (tmp_path / "f").write_bytes(BIG * 3)
    assert data.sha256sum(tmp_path / "f") == hashlib.sha256(BIG * 3).hexdigest()


def test_offline_error_names_file_url_and_where_to_put_it(tmp_path):
    with pytest.raises(DataError) as info:
        fetch(toy())
    msg = str(info.value)
    assert msg.startswith("could not download toy/toy.txt from http://127.0.0.1:9/toy.zip (")
    assert msg.endswith(
        "). If you are offline: Download http://127.0.0.1:9/toy.zip, extract toy/toy.txt and "
        "either set D2L_DATA_DIR to a folder that holds toy/toy.txt or copy it to "
        f"{tmp_path / 'cache' / 'toy' / 'toy.txt'} (expected sha256 {SHA})"
    )
    assert "ConnectionError" in msg
    assert leftovers(tmp_path / "cache") == []


def test_download_extract_verify_and_cache(server, tmp_path):
    url, routes, hits = server
    routes["/toy.zip"] = (make_zip(content=BIG, compression=zipfile.ZIP_DEFLATED), None)
    item = toy(f"{url}/toy.zip", BIG_SHA)
    path = fetch(item)
    assert path == tmp_path / "cache" / "toy" / "toy.txt" and path.read_bytes() == BIG
    assert leftovers(tmp_path / "cache") == ["toy.txt", "toy.zip"]
    assert (tmp_path / "cache" / "archives" / "toy.zip").read_bytes() == routes["/toy.zip"][0]
    assert fetch(item) == path and hits == ["/toy.zip"]  # second call: from the cache

    path.write_bytes(b"garbage")  # a damaged cached copy is replaced from the archive, not used
    assert fetch(item).read_bytes() == BIG and hits == ["/toy.zip"]
    assert leftovers(tmp_path / "cache") == ["toy.txt", "toy.zip"]


def test_nested_folders_are_made(server, tmp_path):
    url, routes, _ = server
    routes["/toy.zip"] = (make_zip(member="toy.txt"), None)
    item = RemoteFile("a/b/toy.txt", f"{url}/toy.zip", "toy.txt", SHA)
    assert fetch(item) == tmp_path / "cache" / "a" / "b" / "toy.txt"


def test_files_of_one_archive_share_one_download(server, tmp_path):
    url, routes, hits = server
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("toy/a.txt", b"a")
        zf.writestr("toy/b.txt", b"b")
    routes["/toy.zip"] = (buf.getvalue(), None)
    for name in "ab":
        item = RemoteFile(f"toy/{name}.txt", f"{url}/toy.zip", f"toy/{name}.txt",
                          hashlib.sha256(name.encode()).hexdigest())
        assert fetch(item).read_bytes() == name.encode()
    assert hits == ["/toy.zip"]


def test_loading_into_a_cold_cache_prints_nothing(server, capfd):
    url, routes, _ = server
    routes["/toy.zip"] = (make_zip(), None)
    assert fetch(toy(f"{url}/toy.zip")).read_bytes() == CONTENT
    assert capfd.readouterr() == ("", "")


def test_progress_bar_only_when_asked(server, tmp_path, capfd):
    url, routes, _ = server
    routes["/toy.zip"] = (make_zip(content=BIG), None)
    fetch(toy(f"{url}/toy.zip", BIG_SHA), progress=True)
    out, err = capfd.readouterr()
    assert out == "" and "100%" in err and "1.02M/1.02M" in err


def test_interrupted_download_leaves_nothing(server, tmp_path):
    url, routes, _ = server
    body = make_zip(content=CONTENT * 2000)
    routes["/toy.zip"] = (body, len(body) // 2)
    item = toy(f"{url}/toy.zip", hashlib.sha256(CONTENT * 2000).hexdigest())
    with pytest.raises(DataError, match="could not download"):
        fetch(item)
    assert leftovers(tmp_path / "cache") == []


def deflate_damaged():
    body = bytearray(make_zip(content=BIG, compression=zipfile.ZIP_DEFLATED))
    body[60:80] = bytes(20)  # inside the compressed stream: zlib refuses it
    return bytes(body)


@pytest.mark.parametrize(
    "body, message",
    [(make_zip(content=b"other"),
      "toy/toy.txt from {url}/toy.zip has sha256 " + hashlib.sha256(b"other").hexdigest()
      + ", expected {sha}; the download was discarded, try again"),
     (make_zip(member="x.txt"),
      "the archive {cache}/archives/toy.zip downloaded from {url}/toy.zip is damaged or lacks "
      "toy/toy.txt (\"There is no item named 'toy/toy.txt' in the archive\"); it was removed, "
      "try again"),
     (b"not a zip", "the archive {cache}/archives/toy.zip downloaded from {url}/toy.zip is "
      "damaged or lacks toy/toy.txt (File is not a zip file); it was removed, try again"),
     (deflate_damaged(), "the archive {cache}/archives/toy.zip downloaded from {url}/toy.zip is "
      "damaged or lacks toy/toy.txt (Error -3 while decompressing data: "),
     ],
    ids=["checksum", "member", "not-zip", "zlib"],
)
def test_bad_archive_is_discarded(server, tmp_path, body, message):
    url, routes, hits = server
    routes["/toy.zip"] = (body, None)
    with pytest.raises(DataError) as info:
        fetch(toy(f"{url}/toy.zip"))
    assert str(info.value).startswith(message.format(url=url, sha=SHA, cache=tmp_path / "cache"))
    assert leftovers(tmp_path / "cache") == []
    routes["/toy.zip"] = (make_zip(), None)  # the next try downloads again
    assert fetch(toy(f"{url}/toy.zip")).read_bytes() == CONTENT and len(hits) == 2


def test_a_write_error_is_not_called_a_damaged_archive(server, tmp_path):
    url, routes, _ = server
    routes["/toy.zip"] = (make_zip(), None)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "toy").write_text("a file where the folder should be")
    with pytest.raises(DataError) as info:
        fetch(toy(f"{url}/toy.zip"))
    assert str(info.value) == (
        f"could not write {tmp_path / 'cache' / 'toy' / 'toy.txt'} (FileExistsError: [Errno 17] "
        f"File exists: '{tmp_path / 'cache' / 'toy'}'); free some disk space or set D2L_CACHE_DIR "
        "to a writable folder"
    )
    assert (tmp_path / "cache" / "archives" / "toy.zip").read_bytes() == make_zip()  # kept


def test_http_error(server):
    url, _, _ = server
    with pytest.raises(DataError, match=r"\(HTTPError: 404 Client Error"):
        fetch(toy(f"{url}/missing.zip"))


def test_leftovers_of_a_killed_run_are_removed_by_the_next_download(server, tmp_path):
    url, routes, _ = server
    routes["/toy.zip"] = (make_zip(), None)
    cache = tmp_path / "cache"
    for path in ["archives/.toy.zip.k1ll3d.part", "toy/.toy.txt.k1ll3d.part",
                 "archives/.other.zip.x.part", "toy/.other.txt.x.part", "toy/toy.txt.x.part"]:
        (cache / path).parent.mkdir(parents=True, exist_ok=True)
        (cache / path).write_bytes(b"half")
    fetch(toy(f"{url}/toy.zip"))
    assert leftovers(cache) == [".other.txt.x.part", ".other.zip.x.part", "toy.txt",
                                "toy.txt.x.part", "toy.zip"]


def test_temporary_files_have_unique_names_beside_their_target(tmp_path):
    names = {data._temporary(tmp_path / "toy.zip").name for _ in range(20)}
    assert len(names) == 20 and leftovers(tmp_path) == sorted(names)
    assert all(re.fullmatch(r"\.toy\.zip\.[0-9a-f]{8}\.part", name) for name in names)
    assert all((tmp_path / name).read_bytes() == b"" for name in names)


def test_a_process_that_waited_for_the_lock_uses_the_finished_file(server, tmp_path):
    url, routes, hits = server
    routes["/toy.zip"] = (make_zip(), None)
    target = tmp_path / "cache" / "toy" / "toy.txt"
    (tmp_path / "cache" / "archives").mkdir(parents=True)
    result = []
    with filelock.FileLock(tmp_path / "cache" / "archives" / "toy.zip.lock"):
        worker = threading.Thread(target=lambda: result.append(fetch(toy(f"{url}/toy.zip"))))
        worker.start()
        time.sleep(0.5)
        assert result == []  # it waits for the lock
        target.parent.mkdir()
        target.write_bytes(CONTENT)  # what the holder of the lock produced
    worker.join(30)
    assert result == [target] and hits == []


RACER = textwrap.dedent("""
    import os, sys
    from d2lutils.data import RemoteFile, fetch
    item = RemoteFile("toy/toy.txt", sys.argv[1], "toy/toy.txt", sys.argv[2])
    print("ready", flush=True)
    for line in sys.stdin:  # one empty cache folder per round
        os.environ["D2L_CACHE_DIR"] = line.strip()
        try:
            print("ok", fetch(item), flush=True)
        except Exception as exc:
            print("error", type(exc).__name__, exc, flush=True)
""")


def read_line(proc, timeout=120):
    """One line of a child's stdout, or a failure that shows its stderr."""
    line = b""
    deadline = time.monotonic() + timeout
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        char = proc.stdout.read(1) if ready else b""
        if not char:
            proc.kill()
            pytest.fail(f"child gave no line: {line!r}; stderr: {proc.stderr.read().decode()}")
        line += char
    return line.decode().strip()


def test_two_processes_fill_an_empty_cache_at_once(server, tmp_path):
    url, routes, hits = server
    routes["/toy.zip"] = (make_zip(content=BIG), None, 0.01)  # about 0.6 s per download
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    procs = [subprocess.Popen([sys.executable, str(script), f"{url}/toy.zip", BIG_SHA],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, bufsize=0, env=child_env())
             for _ in range(2)]
    try:
        assert [read_line(p) for p in procs] == ["ready", "ready"]
        for trial in range(4):
            cache = tmp_path / f"cache{trial}"
            for p in procs:
                p.stdin.write(f"{cache}\n".encode())
            target = cache / "toy" / "toy.txt"
            assert [read_line(p) for p in procs] == [f"ok {target}"] * 2
            assert target.read_bytes() == BIG
            assert leftovers(cache) == ["toy.txt", "toy.zip"]
            assert len(hits) == trial + 1  # one download per trial: the other process waited
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(30)


KILLED = textwrap.dedent("""
    import sys
    from d2lutils.data import RemoteFile, fetch
    fetch(RemoteFile("toy/toy.txt", sys.argv[1], "toy/toy.txt", sys.argv[2]))
""")


def test_a_download_killed_midway_is_cleaned_up_by_the_next_run(server, tmp_path, monkeypatch):
    url, routes, _ = server
    body = make_zip(content=BIG)
    routes["/slow/toy.zip"] = (body, None, 0.2)  # 13 s: killed long before the end
    routes["/fast/toy.zip"] = (body, None)
    script = tmp_path / "killed.py"
    script.write_text(KILLED)
    signals = {signal.SIGTERM: tmp_path / "term", signal.SIGKILL: tmp_path / "kill"}
    procs = {sig: subprocess.Popen([sys.executable, str(script), f"{url}/slow/toy.zip", BIG_SHA],
                                   stderr=subprocess.PIPE, env=child_env(D2L_CACHE_DIR=str(cache)))
             for sig, cache in signals.items()}  # both at once: one wait for the imports
    for sig, proc in procs.items():
        archives = signals[sig] / "archives"
        deadline = time.monotonic() + 120
        while not any(p.stat().st_size > 0 for p in archives.glob("*") if p.suffix != ".lock"):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.05)
        proc.send_signal(sig)
        assert proc.wait(30) == -sig
        proc.stderr.close()
        assert not (archives / "toy.zip").exists()
        assert re.fullmatch(r"\.toy\.zip\.[0-9a-f]{8}\.part", "".join(leftovers(signals[sig])))

    for cache in signals.values():
        monkeypatch.setenv("D2L_CACHE_DIR", str(cache))
        assert fetch(toy(f"{url}/fast/toy.zip", BIG_SHA)).read_bytes() == BIG
        assert leftovers(cache) == ["toy.txt", "toy.zip"]


# --- fetching everything ---------------------------------------------------------------------


def fake_mirror(tmp_path, monkeypatch, name, content):
    path = tmp_path / "m" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    old = data.REGISTRY[name]
    monkeypatch.setitem(data.REGISTRY, name, RemoteFile(name, old.url, old.member,
                                                        hashlib.sha256(content).hexdigest()))
    return tmp_path / "m"


def full_fake_mirror(tmp_path, monkeypatch):
    for name in data.REGISTRY:
        fake_mirror(tmp_path, monkeypatch, name, name.encode())
    return tmp_path / "m"


def test_fetch_all(tmp_path, monkeypatch, capfd):
    mirror = full_fake_mirror(tmp_path, monkeypatch)
    paths = data.fetch_all(mirror, progress=False)
    assert paths == {name: mirror / name for name in sorted(data.REGISTRY)}
    assert list(paths) == sorted(data.REGISTRY)
    assert capfd.readouterr() == ("", "")


def test_fetch_all_shows_progress_by_default(tmp_path, monkeypatch, capfd):
    mirror = full_fake_mirror(tmp_path, monkeypatch)
    data.fetch_all(mirror)
    out, err = capfd.readouterr()
    assert out == "" and "data sets: 100%" in err and "4/4" in err and "file/s" in err


def test_fetch_all_shows_download_progress(server, tmp_path, monkeypatch, capfd):
    url, routes, _ = server
    routes["/toy.zip"] = (make_zip(content=BIG), None)
    monkeypatch.setattr(data, "REGISTRY", {"toy/toy.txt": toy(f"{url}/toy.zip", BIG_SHA)})
    assert data.fetch_all() == {"toy/toy.txt": tmp_path / "cache" / "toy" / "toy.txt"}
    err = capfd.readouterr().err
    assert "1.02M/1.02M" in err and "1/1" in err


def test_command_line(tmp_path, monkeypatch, capfd):
    mirror = full_fake_mirror(tmp_path, monkeypatch)
    monkeypatch.setenv("D2L_DATA_DIR", str(mirror))
    assert data.main(["fetch"]) == 0
    out, err = capfd.readouterr()
    assert out == "".join(f"{name}: {mirror / name}\n" for name in sorted(data.REGISTRY))
    assert "data sets: 100%" in err

    (mirror / "ptb" / "ptb.test.txt").write_bytes(b"broken")
    assert data.main(["fetch"]) == 1
    out, err = capfd.readouterr()
    assert out == "" and err.splitlines()[-1].startswith(f"error: {mirror}/ptb/ptb.test.txt is ")

    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path / "nowhere"))
    assert data.main(["fetch"]) == 1
    assert capfd.readouterr().err.endswith(
        f"\nerror: D2L_DATA_DIR='{tmp_path}/nowhere' is not an existing folder\n")

    with pytest.raises(SystemExit) as info:
        data.main(["download"])
    assert info.value.code == 2
    err = capfd.readouterr().err
    assert err.startswith("usage: python -m d2lutils.data [-h] {fetch}")
    assert "invalid choice: 'download'" in err


def test_command_line_help(capfd):
    with pytest.raises(SystemExit):
        data.main(["--help"])
    out = capfd.readouterr().out
    assert "$D2L_DATA_DIR when set" in out and "$D2L_CACHE_DIR" in out
    assert re.search(r"\n  \{fetch\} +fetch and verify every data file\n", out)


# --- loaders ---------------------------------------------------------------------------------


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_load_ptb_parses_sentences(tmp_path, monkeypatch, split):
    mirror = fake_mirror(tmp_path, monkeypatch, f"ptb/ptb.{split}.txt", CONTENT + b"   \n a\n")
    assert data.load_ptb(split, mirror=mirror) == [
        ["the", "cat", "sat"], ["on", "the", "mat"], ["a"]]


def test_load_ptb_split_and_default(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(fake_mirror(tmp_path, monkeypatch,
                                                       "ptb/ptb.train.txt", b"x y\n")))
    assert data.load_ptb() == [["x", "y"]]
    with pytest.raises(ValueError) as info:
        data.load_ptb("dev")
    assert str(info.value) == "split must be 'train', 'valid' or 'test', got 'dev'"


def test_load_fra_eng_parses_pairs(tmp_path, monkeypatch):
    good = "Go.\tVa !\n\nHi.\tSalut !\tCC-BY\n \nÇa va ?\t Ça va. \nX.\tX\n".encode()
    mirror = fake_mirror(tmp_path, monkeypatch, "fra-eng/fra.txt", good)
    assert data.load_fra_eng(mirror=mirror) == [
        ("Go.", "Va !"), ("Hi.", "Salut !"), ("Ça va ?", " Ça va. "), ("X.", "X")]
    monkeypatch.setenv("D2L_DATA_DIR", str(mirror))
    assert data.load_fra_eng()[0] == ("Go.", "Va !")
    mirror = fake_mirror(tmp_path, monkeypatch, "fra-eng/fra.txt", b"Go.\tVa !\n\nbroken\n")
    with pytest.raises(DataError) as info:
        data.load_fra_eng(mirror=mirror)
    path = mirror / "fra-eng" / "fra.txt"
    assert str(info.value) == f"{path}, line 3: expected 'English<TAB>French'"


def test_load_digits():
    X, y, Xt, yt = data.load_digits()
    assert X.shape == (1347, 64) and Xt.shape == (450, 64) and X.dtype == torch.float32
    assert y.dtype == yt.dtype == torch.int64 and y.shape == (1347,) and yt.shape == (450,)
    assert X.min() == 0.0 and X.max() == 1.0 and set(y.tolist()) == set(range(10))
    assert torch.equal(X * 16, (X * 16).round())  # pixels 0..16 scaled by 1/16
    X2, y2, *_ = data.load_digits(dtype=torch.float64)
    assert X2.dtype == torch.float64 and torch.equal(X2.float(), X) and torch.equal(y2, y)
    # stratified: every class keeps its share in both parts
    counts, test_counts = torch.bincount(y), torch.bincount(yt)
    assert ((test_counts / (counts + test_counts) - 0.25).abs() < 0.02).all()
    X3, y3, X3t, _ = data.load_digits(test_fraction=0.5, seed=1)
    assert X3.shape == (898, 64) and X3t.shape == (899, 64)
    X4, y4, *_ = data.load_digits(test_fraction=0.5, seed=1)
    assert torch.equal(X3, X4) and torch.equal(y3, y4)
    assert not torch.equal(data.load_digits(seed=1)[0], X)


@pytest.mark.parametrize("bad", [1.5, 0.0, 1.0, 1, "0.25", -0.1])
def test_load_digits_test_fraction(bad):
    with pytest.raises(ValueError) as info:
        data.load_digits(test_fraction=bad)
    assert str(info.value) == f"test_fraction must be a float in (0, 1), got {bad!r}"


@pytest.mark.parametrize("bad", [-1, True, 1.0, "0"])
def test_load_digits_seed(bad):
    with pytest.raises(ValueError) as info:
        data.load_digits(seed=bad)
    assert str(info.value) == f"seed must be a non-negative int, got {bad!r}"


@pytest.mark.parametrize("bad", [torch.int64, "float32", float])
def test_load_digits_dtype(bad):
    with pytest.raises(TypeError) as info:
        data.load_digits(dtype=bad)
    assert str(info.value) == f"dtype must be a floating torch dtype, got {bad!r}"
