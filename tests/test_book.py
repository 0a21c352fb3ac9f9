"""The built HTML book (``make book`` first): complete, self-contained, and working in a browser."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "book" / "_build" / "html"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))



@pytest.fixture(autouse=True)
def built_book():
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML / 'index.html'} does not exist: run `make book` first")


def pages() -> list[Path]:
    return [HTML / "notebooks" / f"{nb.stem}.html" for nb in NOTEBOOKS]


def test_every_chapter_is_in_the_book():
    toc = (ROOT / "book" / "_toc.yml").read_text()
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in toc, f"{nb.name} is missing from book/_toc.yml"
        assert (HTML / "notebooks" / f"{nb.stem}.html").exists(), f"no page for {nb.name}"


def test_nothing_is_loaded_from_the_internet():
    tag = re.compile(r"<(script|link|img|iframe|source)\b[^>]*?\b(src|href)=[\"']([^\"']+)", re.I)
    for page in [HTML / "index.html", HTML / "intro.html", *pages()]:
        for kind, _, url in tag.findall(page.read_text(encoding="utf-8")):
            if kind.lower() == "link" and not url.startswith(("http:", "https:", "//")):
                continue
            assert not url.startswith(("http:", "https:", "//")), f"{page.name} loads {url}"


def test_mathjax_is_served_from_the_book():
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").exists()


@pytest.fixture(scope="module")
def browser_page(chromium_options):
    from playwright.sync_api import sync_playwright

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with sync_playwright() as p:
        browser = p.chromium.launch(**chromium_options)
        page = browser.new_page()
        external: list[str] = []
        errors: list[str] = []

        def route(r):
            if urlparse(r.request.url).hostname in ("127.0.0.1", None):
                r.continue_()
            else:
                external.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield page, base, external, errors
        browser.close()
    server.shutdown()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_renders_in_a_browser(browser_page, nb):
    page, base, external, errors = browser_page
    external.clear()
    errors.clear()
    page.goto(f"{base}/notebooks/{nb.stem}.html", wait_until="load")
    # MathJax typesets every formula (no raw TeX left).
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
        " && document.querySelectorAll('mjx-container').length > 0", timeout=20000)
    page.evaluate("() => MathJax.startup.promise")
    assert page.locator("mjx-container").count() > 0
    assert page.locator("mjx-merror").count() == 0, "a formula failed to typeset"
    # Every figure is an image that loaded.
    images = page.eval_on_selector_all(
        "main img", "els => els.map(e => [e.getAttribute('src').slice(0, 60), e.naturalWidth])")
    assert images, f"{nb.stem} shows no figures"
    broken = [src for src, width in images if width == 0]
    assert not broken, f"broken images: {broken}"
    # Interactive figures: each one the notebook stores is on the page, and moving any control
    # (a slider or a drop-down) shows another precomputed frame.
    stored = nb.read_text(encoding="utf-8").count('class=\\"d2l-interactive\\"')
    assert page.locator(".d2l-interactive").count() == stored
    for figure in page.locator(".d2l-interactive").all():
        for control in figure.locator("[data-name]").all():
            choices = int(control.evaluate(
                "el => el.tagName === 'SELECT' ? el.options.length : +el.max + 1"))
            before = figure.locator("img").get_attribute("src")
            current = int(control.input_value())
            other = str((current + 1) % choices)
            control.evaluate(
                "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", other)
            name = control.get_attribute("data-name")
            assert figure.locator("img").get_attribute("src") != before, (
                f"{nb.stem}: moving {name!r} did not change the figure")
            control.evaluate(
                "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", str(current))
            assert figure.locator("img").get_attribute("src") == before
    assert not external, f"requests to the internet: {external}"
    assert not errors, f"errors in the browser console: {errors}"


def test_front_page_links_to_every_chapter(browser_page):
    page, base, external, _ = browser_page
    page.goto(f"{base}/intro.html", wait_until="load")
    hrefs = page.eval_on_selector_all("nav a", "els => els.map(e => e.getAttribute('href'))")
    for nb in NOTEBOOKS:
        assert any(nb.stem in (h or "") for h in hrefs), f"no link to {nb.stem} on the front page"
