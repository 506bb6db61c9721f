"""The built book in a real browser: headless Chromium from Debian, network blocked.

Run after the book is built (`make test` does): `pytest -m browser tests`.
Skips, with the reason, where Chromium or the built book is missing, except in
CI (CI=true), where a skip would hide a broken book and so fails instead.
"""

import functools
import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ARTIFACTS = ROOT / "_build" / "test-artifacts"


def _missing() -> str | None:
    if not (CHROMIUM and CHROMEDRIVER):
        return "Debian's chromium and chromium-driver are not installed"
    if not (HTML / "index.html").exists():
        return "the book is not built (make book)"
    return None


@pytest.fixture(scope="module")
def site():
    """The built book served on a free loopback port."""
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(site):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="shipml-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", f"--user-data-dir={profile}",
        # Block every host but loopback: a script from a CDN fails, and shows.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _errors(driver):
    # The browser asks a server for /favicon.ico on its own; the book links none.
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "/favicon.ico" not in e["message"]]


def _wait_for(driver, css, seconds=20):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, seconds).until(lambda d: d.find_elements("css selector", css))
    return driver.find_elements("css selector", css)


PAGES = ["book/intro.html", "chapters/01-ml-engineering.html", "exercises/01-ml-engineering.html",
         "solutions/01-ml-engineering.html", "book/syllabus.html", "book/data.html"]


@pytest.mark.parametrize("page", PAGES)
def test_does_the_page_load_offline_without_console_errors(browser, site, page):
    browser.get(f"{site}/{page}")
    assert browser.find_elements("css selector", "main h1"), f"{page} has no title"
    assert _errors(browser) == [], f"console errors on {page}"


@pytest.mark.parametrize("page", PAGES[1:4])
def test_do_the_widgets_render_from_saved_state_offline(browser, site, page):
    browser.get(f"{site}/{page}")
    widgets = _wait_for(browser, ".jupyter-widgets")
    assert len(widgets) > 3
    # The explorer's saved output holds a real figure, not an empty box.
    assert _wait_for(browser, ".jupyter-widgets img, .widget-output img")
    assert _errors(browser) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"{page.replace('/', '_')}.png"))
