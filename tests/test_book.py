"""The built HTML book (``make book`` first): complete, self-contained, and working in a browser.

Every chapter page the table of contents lists is opened in Chromium at a 1280 x 900 window:
math typeset, every image loaded and described, each static control labelled and changing its
figure, code cells without a horizontal scroll bar, the "Run this chapter" box and its download,
links into the d2lutils reference that land on an entry, and no console error, failed request or
request to the internet. The tests below them check the reference, the offline search, each
page's weight, and how the browser tests find a browser.
"""

from __future__ import annotations

import ast
import functools
import http.server
import importlib
import inspect
import pkgutil
import re
import threading
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlparse

import pytest
import yaml
from conftest import CHROMIUM_FLAGS, ENV_VAR, SYSTEM_BROWSERS, NoBrowser, find_browser

import d2lutils

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "book" / "_build" / "html"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
WIDTH, HEIGHT = 1280, 900
MAX_PAGE_BYTES = 3_000_000


def toc_files() -> list[str]:
    """The pages of the table of contents, in reading order (``notebooks/00_...``, ``api``)."""
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text(encoding="utf-8"))
    files = []

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return files


CHAPTERS = [f for f in toc_files() if f.startswith("notebooks/")]


def page_path(file: str) -> Path:
    return HTML / f"{file}.html"


@pytest.fixture(scope="module")
def built_book():
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML / 'index.html'} does not exist: run `make book` first")


# -- the table of contents and the files --------------------------------------------------------
def test_every_chapter_is_in_the_book(built_book):
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in CHAPTERS, f"{nb.name} is missing from book/_toc.yml"
    for file in toc_files():
        assert page_path(file).exists(), f"no page for {file} (listed in book/_toc.yml)"
    assert toc_files()[-1] == "api", "the d2lutils reference is the book's last page"


def test_chapters_are_numbered_in_reading_order(built_book):
    """The landing page lists every chapter after "Getting started" as 1., 2., ... in the order of
    the table of contents, and each chapter's page title carries its number."""
    numbered = [f for f in CHAPTERS if not f.endswith("00_getting_started")]
    landing = (HTML / "intro.html").read_text(encoding="utf-8")
    main = landing[landing.index("<main"):]
    for number, file in enumerate(numbered, start=1):
        links = re.findall(rf'<a class="reference internal" href="{re.escape(file)}\.html">'
                           r"(.*?)</a>", main)
        assert links, f"the landing page does not list {file}"
        text = re.sub(r"<[^>]+>", "", links[0])
        assert text.startswith(f"{number}. "), f"{file} is listed as {text!r}, not chapter {number}"
        title = re.search(r"<h1>(.*?)<a", page_path(file).read_text(encoding="utf-8")).group(1)
        assert re.sub(r"<[^>]+>", "", title).startswith(f"{number}. "), f"{file}: {title!r}"
    start = re.findall(r'href="notebooks/00_getting_started\.html">(.*?)</a>', main)
    assert start and not re.match(r"\d", re.sub(r"<[^>]+>", "", start[0])), start


def test_nothing_is_loaded_from_the_internet(built_book):
    tag = re.compile(r"<(script|link|img|iframe|source)\b[^>]*?\b(src|href)=[\"']([^\"']+)", re.I)
    for page in [HTML / "index.html", HTML / "intro.html", HTML / "search.html",
                 *map(page_path, toc_files())]:
        for kind, _, url in tag.findall(page.read_text(encoding="utf-8")):
            if kind.lower() == "link" and not url.startswith(("http:", "https:", "//")):
                continue
            assert not url.startswith(("http:", "https:", "//")), f"{page.name} loads {url}"


def test_mathjax_is_served_from_the_book(built_book):
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").exists()


def page_weight(page: Path) -> tuple[int, dict[str, int]]:
    """Bytes of a page's HTML (with its inline frames) and of each image file it shows."""
    text = page.read_text(encoding="utf-8")
    images = {}
    for src in re.findall(r'<img\b[^>]*?\bsrc="([^"]+)"', text):
        if not src.startswith("data:"):
            images[src] = (page.parent / unquote(src)).stat().st_size
    return len(text.encode()), images


@pytest.mark.parametrize("file", CHAPTERS)
def test_each_chapter_page_weighs_under_3_mb(built_book, file):
    html_bytes, images = page_weight(page_path(file))
    total = html_bytes + sum(images.values())
    largest = max(images.values(), default=0)
    print(f"{file}: {total / 1e6:.2f} MB ({html_bytes / 1e6:.2f} MB HTML with its inline "
          f"frames, {len(images)} images, the largest {largest / 1e3:.0f} kB)")
    assert total < MAX_PAGE_BYTES, f"{file} weighs {total / 1e6:.2f} MB with its images"


# -- the d2lutils reference ---------------------------------------------------------------------
def public_modules() -> list[str]:
    return sorted(f"d2lutils.{m.name}" for m in pkgutil.iter_modules(d2lutils.__path__)
                  if not m.name.startswith("_"))


def public_objects(module_name: str):
    """(qualified name, object) for each public function and class a module defines."""
    module = importlib.import_module(module_name)
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module_name:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield f"{module_name}.{name}", obj


def test_the_reference_has_an_entry_for_every_public_name(built_book):
    page = (HTML / "api.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    missing = []
    for module in public_modules():
        if f"module-{module}" not in ids:
            missing.append(module)
        missing += [name for name, _ in public_objects(module) if name not in ids]
    assert not missing, f"no entry in the d2lutils reference for {missing}"
    # Signatures, descriptions and the parameters' types are there, e.g. for d2lutils.fit.
    fit = page[page.index('id="d2lutils.train.fit"'):]
    fit = re.sub(r"<[^>]+>", "", fit[: fit.index('<dl class="py', 10)])
    for words in ("train_loader", "clip_grad_norm", "Train model for epochs epochs",
                  "Raises:", "FloatingPointError", "Parameters:", "Return type:"):
        assert words in fit, f"the entry of d2lutils.fit lacks {words!r}"


def _raised(function: ast.AST, helpers: dict[str, ast.AST], seen: tuple = ()) -> set[str]:
    """Exception classes a function raises itself or through the module's private helpers."""
    out = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id[:1].isupper():
                out.add(exc.id)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in helpers and node.func.id not in seen):
            out |= _raised(helpers[node.func.id], helpers, (*seen, node.func.id))
    return out


def _named_errors(*docstrings: str | None) -> set[str]:
    return set(re.findall(r"\b([A-Z]\w*(?:Error|Exception))\b", " ".join(d or "" for d in
                                                                          docstrings)))


def _shared_checks(tree: ast.Module) -> dict[str, ast.AST]:
    """The functions a module imports from ``d2lutils._checks``, by the names it calls."""
    checks = ast.parse((ROOT / "d2lutils" / "_checks.py").read_text(encoding="utf-8"))
    defined = {n.name: n for n in checks.body if isinstance(n, ast.FunctionDef)}
    return {alias.asname or alias.name: defined[alias.name]
            for node in tree.body if isinstance(node, ast.ImportFrom)
            and node.module == "d2lutils._checks" for alias in node.names}


# Modules whose docstrings do not yet name every error their functions raise: the reference
# entries are incomplete there (strict, so finishing one makes this list fail until it is updated).
UNDOCUMENTED_ERRORS: set[str] = set()


@pytest.mark.parametrize("module", [
    pytest.param(m, marks=pytest.mark.xfail(strict=True, reason="docstrings name too few errors"))
    if m in UNDOCUMENTED_ERRORS else m for m in public_modules()])
def test_the_reference_names_the_errors_each_function_raises(module):
    path = ROOT / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    helpers = {n.name: n for n in tree.body
               if isinstance(n, ast.FunctionDef) and n.name.startswith("_")}
    helpers |= _shared_checks(tree)
    gaps = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            entries = [(node.name, node, ast.get_docstring(node), None)]
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            entries = [(f"{node.name}.{f.name}", f, ast.get_docstring(f), ast.get_docstring(node))
                       for f in node.body if isinstance(f, ast.FunctionDef)
                       and (not f.name.startswith("_") or f.name == "__init__")]
        else:
            continue
        for name, function, doc, class_doc in entries:
            missing = _raised(function, helpers) - _named_errors(doc, class_doc)
            if missing:
                gaps.append(f"{name} raises {', '.join(sorted(missing))}")
    assert not gaps, (f"{module}: the docstrings (and so the reference) do not say that "
                      + "; ".join(gaps))


# -- in a browser -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser(built_book, chromium_options):
    from playwright.sync_api import sync_playwright

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with sync_playwright() as p:
        chromium = p.chromium.launch(**chromium_options)
        page = chromium.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        seen = SimpleNamespace(page=page, base=base, external=[], errors=[], failed=[])

        def route(r):
            if urlparse(r.request.url).hostname in ("127.0.0.1", None):
                r.continue_()
            else:
                seen.external.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: seen.failed.append(f"{r.url} ({r.failure})"))
        page.on("response",
                lambda r: seen.failed.append(f"{r.url} ({r.status})") if r.status >= 400 else None)
        yield seen
        chromium.close()
    server.shutdown()


@pytest.fixture(scope="module", params=CHAPTERS, ids=lambda f: Path(f).name)
def chapter(request, browser):
    """A chapter page, opened once for all the tests below (pytest groups them by chapter)."""
    for log in (browser.external, browser.errors, browser.failed):
        log.clear()
    page = browser.page
    response = page.goto(f"{browser.base}/{request.param}.html", wait_until="load")
    if response is None or response.status != 200:
        pytest.fail(f"{request.param}.html is not in the built book: run `make book`")
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
    page.evaluate("() => MathJax.startup.promise")
    return SimpleNamespace(file=request.param, stem=Path(request.param).name, page=page,
                           seen=browser)


def test_math_is_typeset(chapter):
    page = chapter.page
    assert page.locator("main mjx-container").count() > 0, f"{chapter.stem}: no formula typeset"
    assert page.locator("mjx-merror").count() == 0, "a formula failed to typeset"
    raw = page.evaluate("() => [...document.querySelectorAll('main p')].map(p => p.innerText)"
                        ".filter(t => /\\$[^$]+\\$|\\\\\\(|\\\\\\[/.test(t))")
    assert not raw, f"{chapter.stem}: TeX left untypeset: {raw[:3]}"


def test_every_image_loads_and_is_described(chapter):
    images = chapter.page.eval_on_selector_all(
        "main img", "els => els.map(e => [e.getAttribute('src').slice(0, 60), e.naturalWidth,"
                    " e.getAttribute('alt') || ''])")
    assert images, f"{chapter.stem} shows no figures"
    broken = [src for src, width, _ in images if width == 0]
    assert not broken, f"broken images: {broken}"
    for src, _, alt in images:
        assert len(alt) > 20, f"{chapter.stem}: {src} has no description (alt={alt!r})"
        assert not re.search(r"[0-9a-f]{32}|\.png|^interactive figure$", alt), (
            f"{chapter.stem}: {src}'s alt text is a file name, not a description: {alt!r}")


# Chapters whose figures do not have their numbered captions yet (checked both ways: a chapter
# listed here that is captioned fails too, so the list only shrinks).
UNCAPTIONED: set[str] = set()


def test_numbered_figures_have_captions(chapter):
    """Every picture on the page (a stored figure or an interactive one) sits in a numbered
    figure with a caption (myst-nb's figure metadata on its cell), the text refers to each figure
    by number, and every such reference lands on a figure."""
    page = chapter.page
    loose = page.eval_on_selector_all(
        "main img", "els => els.filter(e => !e.closest('figure')?.querySelector('figcaption'))"
                    ".map(e => e.getAttribute('alt'))")
    if chapter.stem in UNCAPTIONED:
        assert loose, f"{chapter.stem} is captioned now: remove it from UNCAPTIONED"
    else:
        assert not loose, f"{chapter.stem}: figures without a number and caption: {loose[:3]}"
    unreferenced = page.eval_on_selector_all(
        "main figure[id]", "els => els.map(e => e.id).filter(id => !document.querySelector("
                           "'main a.reference.internal[href$=\"#' + id + '\"]'))")
    assert not unreferenced, f"{chapter.stem}: the text never refers to {unreferenced}"
    captions = page.eval_on_selector_all(
        "main figure figcaption", "els => els.map(e => e.innerText.trim())")
    for caption in captions:
        assert re.match(r"Fig\. \d+", caption), f"{chapter.stem}: figure without a number"
        assert len(caption) > len("Fig. 1 "), f"{chapter.stem}: {caption!r} says nothing"
    for href in page.eval_on_selector_all(
            "main a.reference.internal span.std-numref",
            "els => els.map(e => e.closest('a').getAttribute('href'))"):
        anchor = href.split("#")[-1]
        assert page.locator(f"figure[id='{anchor}']").count() == 1, f"{href} is not a figure"


def test_static_controls_are_labelled(chapter):
    page = chapter.page
    for figure in page.locator(".d2l-interactive").all():
        for control in figure.locator("[data-name]").all():
            name = control.get_attribute("data-name")
            role = "combobox" if control.evaluate("el => el.tagName") == "SELECT" else "slider"
            assert figure.get_by_role(role, name=name, exact=True).count() == 1, (
                f"{chapter.stem}: the {role} for {name!r} has no accessible name {name!r}")
            if role == "slider":  # what a screen reader says is the label, not the position
                shown = control.evaluate("el => el.parentNode.querySelector('output').textContent")
                assert control.get_attribute("aria-valuetext") == shown


def test_run_this_chapter_box_and_download(chapter):
    box = chapter.page.locator("main .d2l-run")
    assert box.count() == 1, f"{chapter.stem}: no 'Run this chapter' box"
    first = chapter.page.evaluate(
        "() => { const h = document.querySelector('article section > h1');"
        " const e = h.nextElementSibling; return e && e.classList.contains('d2l-run'); }")
    assert first, f"{chapter.stem}: the 'Run this chapter' box is not right under the title"
    text = box.inner_text()
    assert "make lab" in text and f"notebooks/{chapter.stem}.ipynb" in text
    href = box.locator("a.download").get_attribute("href")
    assert href.endswith(f"/{chapter.stem}.ipynb")
    downloaded = (page_path(chapter.file).parent / unquote(href)).read_bytes()
    assert downloaded == (ROOT / f"{chapter.file}.ipynb").read_bytes(), (
        f"the page's download differs from {chapter.file}.ipynb: the notebook changed after "
        "the book was built; run `make book`")


def test_code_cells_fit_a_1280_pixel_window(chapter):
    too_wide = chapter.page.evaluate("""() => [...document.querySelectorAll(
        'main div.cell pre, main div.highlight pre')].filter(e => e.scrollWidth > e.clientWidth)
        .map(e => {
          const lines = e.innerText.split('\\n');
          return lines.reduce((a, l) => l.length > a.length ? l : a, '');
        })""")
    assert not too_wide, (
        f"{chapter.stem}: {len(too_wide)} code cell(s) need a horizontal scroll bar at "
        f"{WIDTH} px; their longest lines ({max(map(len, too_wide))} characters at most): "
        + " | ".join(line.strip() for line in too_wide))


def test_helpers_link_to_their_reference_entries(chapter):
    links = chapter.page.eval_on_selector_all(
        "main a.d2l-api", "els => els.map(e => [e.getAttribute('href'), e.innerText])")
    assert links, f"{chapter.stem} links to no d2lutils helper"
    targets = [href for href, _ in links]
    assert len(targets) == len(set(targets)), f"{chapter.stem}: a helper linked twice"
    reference = (HTML / "api.html").read_text(encoding="utf-8")
    for href, text in links:
        assert href.startswith("../api.html#"), href
        assert f'id="{href.split("#")[1]}"' in reference, f"{text!r} links to a missing entry"
        assert href.split("#")[1].split(".")[-1] in text.replace("\n", ""), (href, text)


def test_static_controls_change_their_figure_and_nothing_fails(chapter):
    page = chapter.page
    # Each interactive figure the notebook stores is on the page, and moving any control
    # (a slider or a drop-down) shows another precomputed frame.
    stored = (ROOT / f"{chapter.file}.ipynb").read_text(encoding="utf-8").count(
        'class=\\"d2l-interactive\\"')
    assert page.locator(".d2l-interactive").count() == stored
    for figure in page.locator(".d2l-interactive").all():
        for control in figure.locator("[data-name]").all():
            choices = int(control.evaluate(
                "el => el.tagName === 'SELECT' ? el.options.length : +el.max + 1"))
            before = figure.locator("img").get_attribute("src")
            alt_before = figure.locator("img").get_attribute("alt")
            current = int(control.input_value())
            other = str((current + 1) % choices)
            control.evaluate(
                "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", other)
            name = control.get_attribute("data-name")
            assert figure.locator("img").get_attribute("src") != before, (
                f"{chapter.stem}: moving {name!r} did not change the figure")
            assert figure.locator("img").get_attribute("alt") != alt_before, (
                f"{chapter.stem}: moving {name!r} did not change the figure's description")
            control.evaluate(
                "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", str(current))
            assert figure.locator("img").get_attribute("src") == before
    seen = chapter.seen
    assert not seen.external, f"requests to the internet: {seen.external}"
    assert not seen.failed, f"failed requests: {seen.failed}"
    assert not seen.errors, f"errors in the browser console: {seen.errors}"


def test_front_page_links_to_every_chapter(browser):
    page = browser.page
    page.goto(f"{browser.base}/intro.html", wait_until="load")
    hrefs = page.eval_on_selector_all("nav a", "els => els.map(e => e.getAttribute('href'))")
    for file in toc_files():
        assert any(f"{file}.html" in (h or "") for h in hrefs), f"no link to {file}"


@pytest.mark.parametrize(("term", "expected"), [("softmax", "notebooks/02_softmax_with_loss"),
                                                ("Xavier", "notebooks/03_weight_init")])
def test_search_finds_the_right_pages_offline(browser, term, expected):
    page = browser.page
    for log in (browser.external, browser.errors, browser.failed):
        log.clear()
    page.goto(f"{browser.base}/search.html?q={term}", wait_until="load")
    page.wait_for_function(
        "() => /Search finished/.test(document.querySelector('#search-results')?.innerText)",
        timeout=20000)
    page.wait_for_load_state("networkidle")  # each hit's summary is fetched from its page
    results = page.eval_on_selector_all(
        "#search-results ul.search li > a", "els => els.map(e => e.getAttribute('href'))")
    pages = [href.split("#")[0].split("?")[0].removesuffix(".html") for href in results]
    assert expected in pages[:3], f"searching {term!r} gives {pages}"
    for found in pages:  # every hit is a page that does use the word
        text = re.sub(r"<[^>]+>", " ", page_path(found).read_text(encoding="utf-8"))
        assert term.lower() in text.lower(), f"{found} does not mention {term!r}"
    assert not browser.external and not browser.failed and not browser.errors, (
        browser.external, browser.failed, browser.errors)


# -- how the browser tests find a browser (tests/conftest.py) -----------------------------------
def no_chrome_channel() -> bool:
    return False


def test_d2l_chromium_comes_first(tmp_path):
    mine = tmp_path / "my-chromium"
    mine.write_text("#!/bin/sh\n")
    mine.chmod(0o755)
    options = find_browser({ENV_VAR: str(mine)}, lambda: "/elsewhere/chrome", no_chrome_channel,
                           is_executable=lambda p: True)
    assert options == {"executable_path": str(mine), "args": CHROMIUM_FLAGS}


def test_d2l_chromium_that_is_not_there_is_refused(tmp_path):
    with pytest.raises(NoBrowser, match=f"{ENV_VAR}='{tmp_path}/none' is not an executable"):
        find_browser({ENV_VAR: f"{tmp_path}/none"}, lambda: None, no_chrome_channel)


def test_playwrights_chromium_before_the_system_ones():
    present = {"/cache/ms-playwright/chromium-1/chrome-linux64/chrome", "/usr/bin/chromium"}
    options = find_browser({}, lambda: "/cache/ms-playwright/chromium-1/chrome-linux64/chrome",
                           no_chrome_channel, is_executable=present.__contains__)
    assert options["executable_path"].startswith("/cache/ms-playwright")


@pytest.mark.parametrize("path", SYSTEM_BROWSERS)
def test_each_system_browser_is_found(path, monkeypatch):
    monkeypatch.setenv("HOME", "/home/reader")
    expected = path.replace("~", "/home/reader")
    options = find_browser({}, lambda: "/cache/missing/chrome", no_chrome_channel,
                           is_executable=lambda p: p == expected)
    assert options == {"executable_path": expected, "args": CHROMIUM_FLAGS}


def test_macos_google_chrome():
    chrome = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
    options = find_browser({}, lambda: None, no_chrome_channel,
                           is_executable=lambda p: p == chrome)
    assert options["executable_path"] == chrome


def test_chrome_channel_last():
    options = find_browser({ENV_VAR: "  "}, lambda: None, lambda: True,
                           is_executable=lambda p: False)
    assert options == {"channel": "chrome", "args": CHROMIUM_FLAGS}


def test_no_browser_one_message_says_how_to_get_one():
    with pytest.raises(NoBrowser) as info:
        find_browser({}, lambda: "/cache/ms-playwright/chromium-1/chrome", no_chrome_channel,
                     is_executable=lambda p: False)
    message = str(info.value)
    for words in ("python -m playwright install chromium", "apt-get install chromium",
                  "/usr/bin/chromium", "/cache/ms-playwright/chromium-1/chrome",
                  "/Applications/Google Chrome.app", 'channel="chrome"', ENV_VAR):
        assert words in message, words


def test_the_finder_checks_for_an_executable_file(tmp_path):
    plain = tmp_path / "chromium"
    plain.write_text("not a program")  # a file, but not executable
    with pytest.raises(NoBrowser):
        find_browser({ENV_VAR: str(plain)}, lambda: None, no_chrome_channel)
    plain.chmod(0o755)
    assert find_browser({ENV_VAR: str(plain)}, lambda: None, no_chrome_channel)[
        "executable_path"] == str(plain)
