"""`make lab` as a learner meets it: JupyterLab renders MyST in markdown cells (jupyterlab-myst), offline.

A browser test (headless Chromium from Debian): it starts JupyterLab from the
course's .venv on a free loopback port, opens a notebook whose markdown cell
holds a MyST admonition and a MyST role, and waits for them to render.
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
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "DO_NOT_TRACK": "1"}
    process = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", f"--port={port}", "--ServerApp.token=", "--ServerApp.password=",
         "--ServerApp.ip=127.0.0.1", "--allow-root", f"--ServerApp.root_dir={tmp_path}"],
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


def test_does_jupyterlab_render_myst_in_a_learners_markdown_cell(lab):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='shipml-lab-')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(f"{lab}/lab/tree/memo.ipynb")
        wait = WebDriverWait(driver, 60)
        note = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-MarkdownCell aside, .jp-MarkdownCell .admonition"))
        assert "MYST-NOTE-BODY" in note[0].text and "Note" in note[0].text
        assert wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-MarkdownCell sub"))[0].text == "H2O"
        # Without jupyterlab-myst the directive would be shown as a code block with its backticks.
        assert "```{note}" not in driver.find_element(By.CSS_SELECTOR, ".jp-MarkdownCell").text
    finally:
        driver.quit()
