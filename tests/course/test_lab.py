"""`make lab` as a learner meets it: exercises open as notebooks, MyST renders in markdown cells, offline.

Browser tests (headless Chromium from Debian): each starts JupyterLab from the
course's .venv on a free loopback port with the course's Lab settings
(`book/lab/overrides.json`, which `make lab` installs), then double-clicks an
exercise in the file browser and waits for a notebook, or opens a notebook
whose markdown cell holds a MyST admonition and a MyST role and waits for
them to render (jupyterlab-myst).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
JUPYTER = Path(sys.executable).with_name("jupyter")
ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "exercises" / "01-ml-engineering.md"

NOTEBOOK = """{"cells": [{"cell_type": "markdown", "metadata": {}, "source": [
 "```{note}\\n", "The memo says MYST-NOTE-BODY.\\n", "```\\n", "\\n", "Water is {sub}`H2O`."]}],
 "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
 "nbformat": 4, "nbformat_minor": 5}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.3)
    return False


@pytest.fixture
def lab(tmp_path):
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("the JupyterLab test cannot run in CI: Debian's chromium and chromium-driver are missing")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    (tmp_path / "memo.ipynb").write_text(NOTEBOOK)
    (tmp_path / "exercises").mkdir()
    shutil.copy(EXERCISE, tmp_path / "exercises" / EXERCISE.name)
    shutil.copy(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    # what `make lab` does first: an .ipynb twin beside each .md notebook
    subprocess.run([str(JUPYTER.with_name("jupytext")), "--sync", "--quiet", f"exercises/{EXERCISE.name}"],
                   cwd=tmp_path, check=True, timeout=60)
    settings = tmp_path / "app-settings"
    settings.mkdir()
    shutil.copy(ROOT / "book" / "lab" / "overrides.json", settings / "overrides.json")
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "DO_NOT_TRACK": "1"}
    process = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", f"--port={port}", "--ServerApp.token=", "--ServerApp.password=",
         "--ServerApp.ip=127.0.0.1", "--allow-root", f"--ServerApp.root_dir={tmp_path}",
         f"--LabApp.app_settings_dir={settings}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        assert _wait_for_port(port, 60), "JupyterLab did not start within 60 s"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="shipml-lab-")
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1366,900",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _item(driver, name):
    """The file browser's row for `name`, once it is listed."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def find(d):
        rows = d.find_elements(By.CSS_SELECTOR, ".jp-DirListing-item")
        return next((r for r in rows if r.find_element(By.CSS_SELECTOR, ".jp-DirListing-itemText").text == name), None)

    return WebDriverWait(driver, 60).until(find)


def test_does_a_double_click_open_an_exercise_as_a_notebook(lab, driver):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{lab}/lab")
    ActionChains(driver).double_click(_item(driver, "exercises")).perform()
    twin = EXERCISE.with_suffix(".ipynb").name  # a double-click on the .md opens text (jupytext >= 1.19.1)
    ActionChains(driver).double_click(_item(driver, twin)).perform()
    opened = WebDriverWait(driver, 60).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-Cell, .jp-FileEditor"))
    assert opened[0].get_attribute("class").find("jp-Cell") >= 0, "the exercise opened as text, not as a notebook"
    title = WebDriverWait(driver, 30).until(lambda d: [c for c in d.find_elements(
        By.CSS_SELECTOR, ".jp-NotebookPanel .jp-MarkdownCell") if "Exercises:" in c.text])
    assert title and len(driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-Cell")) >= 2


def test_does_jupyterlab_render_myst_in_a_learners_markdown_cell(lab, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{lab}/lab/tree/memo.ipynb")
    wait = WebDriverWait(driver, 60)
    note = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-MarkdownCell aside, .jp-MarkdownCell .admonition"))
    assert "MYST-NOTE-BODY" in note[0].text and "Note" in note[0].text
    assert wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-MarkdownCell sub"))[0].text == "H2O"
    # Without jupyterlab-myst the directive would be shown as a code block with its backticks.
    assert "```{note}" not in driver.find_element(By.CSS_SELECTOR, ".jp-MarkdownCell").text
