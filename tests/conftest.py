from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium; a test never downloads a browser
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"]


@pytest.fixture(scope="module")
def chromium_options() -> dict:
    """Keyword arguments for Playwright's ``chromium.launch``; fails clearly without chromium."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}
