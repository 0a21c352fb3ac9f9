"""Shared test set-up: the Agg backend, and finding a Chromium for the browser tests."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable, Mapping

import matplotlib
import pytest

matplotlib.use("Agg")

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"]
ENV_VAR = "D2L_CHROMIUM"
# A system Chromium or Google Chrome where Linux distributions and macOS install them.
SYSTEM_BROWSERS = (
    "/usr/bin/chromium",  # Debian, Arch, Fedora (what CI uses)
    "/usr/bin/chromium-browser",  # Ubuntu, openSUSE
    "/snap/bin/chromium",  # Ubuntu's snap
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "~/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "~/Applications/Chromium.app/Contents/MacOS/Chromium",
)
HOW_TO_GET_ONE = (
    "Get one of these:\n"
    "  - Playwright's Chromium (downloaded once): .venv/bin/python -m playwright install chromium\n"
    "  - a system Chromium: apt-get install chromium (Debian), apt-get install chromium-browser "
    "or snap install chromium (Ubuntu), dnf install chromium (Fedora), "
    "brew install --cask chromium (macOS)\n"
    "  - Google Chrome from https://www.google.com/chrome/\n"
    f"or set {ENV_VAR} to the path of a Chromium or Chrome executable."
)


class NoBrowser(Exception):
    """No Chromium or Chrome to run the browser tests with; the message says how to get one."""


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_browser(
    env: Mapping[str, str],
    playwright_chromium: Callable[[], str | None],
    chrome_channel_works: Callable[[], bool],
    is_executable: Callable[[str], bool] = _is_executable,
) -> dict:
    """Keyword arguments for Playwright's ``chromium.launch``, from the first browser found.

    In order: the path in ``$D2L_CHROMIUM``; the Chromium that ``python -m playwright install
    chromium`` downloaded (``playwright_chromium()``, Playwright's own ``executable_path``); a
    system Chromium or Google Chrome (``SYSTEM_BROWSERS``); Google Chrome wherever Playwright's
    ``channel="chrome"`` finds it. Raises ``NoBrowser``, saying what was tried and how to get a
    browser, when none is there (or when ``$D2L_CHROMIUM`` names no executable file).
    """
    chosen = env.get(ENV_VAR, "").strip()
    if chosen:
        path = os.path.expanduser(chosen)
        if not is_executable(path):
            raise NoBrowser(f"{ENV_VAR}={chosen!r} is not an executable file. Point it at a "
                            f"Chromium or Chrome executable, or unset it to let the tests "
                            f"look for one.\n{HOW_TO_GET_ONE}")
        return {"executable_path": path, "args": CHROMIUM_FLAGS}
    downloaded = playwright_chromium()
    candidates = [downloaded] if downloaded else []
    candidates += [os.path.expanduser(p) for p in SYSTEM_BROWSERS]
    for path in candidates:
        if is_executable(path):
            return {"executable_path": path, "args": CHROMIUM_FLAGS}
    if chrome_channel_works():
        return {"channel": "chrome", "args": CHROMIUM_FLAGS}
    tried = "\n".join(f"  {p}" for p in candidates)
    raise NoBrowser(f"The browser tests found no Chromium or Google Chrome. {ENV_VAR} is unset, "
                    f"and none of these exists:\n{tried}\nnor does Playwright's "
                    f'channel="chrome" find Google Chrome.\n{HOW_TO_GET_ONE}')


# Both ask Playwright in a separate process: a test may call them inside its own
# ``sync_playwright()``, where a second one cannot start.
def _ask_playwright(code: str) -> str:
    script = ("from playwright.sync_api import sync_playwright\n"
              f"with sync_playwright() as p:\n    {code}")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    return done.stdout.strip() if done.returncode == 0 else ""


def _playwright_chromium() -> str | None:
    """Where ``python -m playwright install chromium`` puts Chromium (there or not)."""
    return _ask_playwright("print(p.chromium.executable_path)") or None


def _chrome_channel_works() -> bool:
    flags = repr(CHROMIUM_FLAGS)
    return _ask_playwright(f"p.chromium.launch(channel='chrome', args={flags}).close(); "
                           "print('yes')") == "yes"


@functools.cache
def chromium_launch_options() -> dict:
    """``find_browser`` on this machine (looked up once per test run); raises ``NoBrowser``."""
    return find_browser(os.environ, _playwright_chromium, _chrome_channel_works)


@pytest.fixture(scope="module")
def chromium_options() -> dict:
    """Keyword arguments for Playwright's ``chromium.launch``; fails with one clear message."""
    try:
        return chromium_launch_options()
    except NoBrowser as exc:
        message = str(exc)
    pytest.fail(message, pytrace=False)  # outside the except: the message once, not chained
