"""In JupyterLab an interactive figure is a live widget: moving a control redraws the figure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

CELL = '''import matplotlib.pyplot as plt
from d2lutils.interact import interactive_figure

def draw(scale, kind):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, scale], color="C0" if kind == "a" else "C1")
    return fig

interactive_figure(draw, {"scale": [1, 2, 3], "kind": ["a", "b"]})'''


def server_log(path) -> str:
    """The end of JupyterLab's log, for a failure message."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return f"--- JupyterLab's log ({path}), last lines ---\n{text[-4000:]}"


def wait_for_port(server: subprocess.Popen, runtime, log, seconds: float = 60) -> int:
    """The port JupyterLab chose (``--port=0``), read from the file it writes once it listens."""
    info = runtime / f"jpserver-{server.pid}.json"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {server.returncode}\n{server_log(log)}")
        try:
            return json.loads(info.read_text(encoding="utf-8"))["port"]
        except (OSError, ValueError, KeyError):  # not written yet, or half written
            time.sleep(0.5)
    pytest.fail(f"JupyterLab wrote no {info.name} within {seconds:.0f} s\n{server_log(log)}")


@pytest.fixture
def lab(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, tmp_path / "widget.ipynb")
    token, runtime, log = "d2l-test", tmp_path / "runtime", tmp_path / "jupyterlab.log"
    # Port 0: the system gives JupyterLab a free port, which it reports in its runtime file.
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           "--port=0", "--ServerApp.port_retries=0", f"--ServerApp.token={token}",
           f"--ServerApp.root_dir={tmp_path}", "--ServerApp.open_browser=False",
           "--LabApp.news_url=", "--allow-root"]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(runtime)}
    with open(log, "wb") as out:
        server = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{wait_for_port(server, runtime, log)}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not answer on {base} within 60 s\n{server_log(log)}")
        yield f"{base}/lab/tree/widget.ipynb?token={token}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        print(server_log(log))  # pytest shows it only when the test failed


def test_interactive_figure_is_live_in_jupyterlab(lab, chromium_options):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(**chromium_options)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(lab)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=90000)
        buttons = page.locator(".jp-OutputArea .widget-toggle-button")
        for _ in range(4):  # a request sent while the kernel is still connecting can be lost
            page.locator(".jp-Cell .jp-InputArea-editor").first.click()
            page.keyboard.press("Shift+Enter")
            try:
                buttons.first.wait_for(timeout=20000)
                break
            except PlaywrightTimeout:
                continue
        else:
            pytest.fail("running the cell never showed the widget's controls")
        assert page.locator(".jp-OutputArea .widget-slider").count() == 1
        image = page.locator(".jp-OutputArea img").first
        before = image.get_attribute("src")
        buttons.nth(1).click()  # kind = "b"
        page.wait_for_function(
            "src => document.querySelector('.jp-OutputArea img').src !== src", arg=before,
            timeout=30000)
        assert page.get_by_text("Error displaying widget").count() == 0
        browser.close()
