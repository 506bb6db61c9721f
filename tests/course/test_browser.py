"""The built book in a real browser: headless Chromium from Debian, network blocked.

Run after the book is built (`make test` does): `pytest -m browser tests`.
Skips, with the reason, where Chromium or the built book is missing, except in
CI (CI=true), where a skip would hide a broken book and so fails instead.

The pages under test are those of `_toc.yml`, read here, never a hand-kept list.
Artifacts go to `_build/test-artifacts/`: screenshots of a chapter at desktop
and phone width, and `page-weights.json` (bytes per page, shared assets apart).
"""

import functools
import http.server
import json
import os
import re
import shutil
import tempfile
import threading
import urllib.request
from pathlib import Path

import pytest

from shipml.course import notebooks

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ARTIFACTS = ROOT / "_build" / "test-artifacts"
PAGE_BUDGET_BYTES = 2_000_000
# Fetched once and cached by the browser: theme, widget manager, fonts, and the search index
# (which every page loads).
SHARED = ("/_static/", "/searchindex.js")
DESKTOP, PHONE = (1280, 900), (390, 844)


TOC = notebooks.read_toc(ROOT)
PAGES = [f"{doc}.html" for doc in notebooks.toc_docs(TOC)]
CAPTIONS = [part["caption"] for part in TOC.get("parts", []) if part.get("caption")]
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]
CHAPTER = CHAPTERS[0] if CHAPTERS else None


def _built(page: str) -> str:
    return (HTML / page).read_text(encoding="utf-8") if (HTML / page).is_file() else ""


WITH_WIDGETS = [p for p in PAGES if "application/vnd.jupyter.widget-view+json" in _built(p)]


def _missing() -> str | None:
    if not (CHROMIUM and CHROMEDRIVER):
        return "Debian's chromium and chromium-driver are not installed"
    if not (HTML / "index.html").exists():
        return "the book is not built (make book)"
    return None


@pytest.fixture(scope="module")
def built():
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    return HTML


@pytest.fixture(scope="module")
def site(built):
    """The built book served on a free loopback port."""
    handler = functools.partial(QuietHandler, directory=str(built))
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
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--hide-scrollbars",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _write_artifact(name: str, report: dict) -> None:
    """A measurement of the browser tests, as JSON under _build/test-artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def weights():
    """Bytes per page, written to the artifacts when the module is done."""
    measured = {}
    yield measured
    if measured:
        _write_artifact("page-weights.json", {"budget_bytes": PAGE_BUDGET_BYTES,
                                              "largest": max(measured.items(), key=lambda kv: kv[1]), "pages": measured})


def _errors(driver):
    # The browser asks a server for /favicon.ico on its own; the book links none.
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "/favicon.ico" not in e["message"]]


def _wait_for(driver, css, seconds=20):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, seconds).until(lambda d: d.find_elements("css selector", css))
    return driver.find_elements("css selector", css)


def _open(driver, url):
    driver.get_log("browser")  # start each page with an empty console
    driver.get(url)


_LOAD_FACTS = """
const nav = performance.getEntriesByType("navigation")[0];
return {status: nav.responseStatus, bytes: nav.encodedBodySize,
        resources: performance.getEntriesByType("resource").map(r => [r.name, r.encodedBodySize])};
"""


# Chrome's cumulative layout shift so far (what a reader sees as the page jumping), from the buffered entries
_LAYOUT_SHIFT = """
let total = 0;
new PerformanceObserver(() => {}).observe({type: "layout-shift", buffered: true});
for (const e of performance.getEntriesByType("layout-shift")) { if (!e.hadRecentInput) total += e.value; }
return total;
"""
JS_BUDGET_BYTES = 2_000_000  # the JavaScript a page loads, its own and the shared, decoded
_SCRIPT_SRC = re.compile(r"""<script\b[^>]*\bsrc=["']([^"'?#]+)""", re.I)
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:json|vnd))[^>]*>(.*?)</script>",
                            re.I | re.S)


def javascript_bytes(built: Path, page: str) -> int:
    """The JavaScript a built page loads: its script files (as served, decoded) and its inline scripts."""
    text = _built(page)
    files = {(built / page).parent.joinpath(src).resolve() for src in _SCRIPT_SRC.findall(text)}
    return sum(f.stat().st_size for f in files if f.is_file()) + sum(len(s.encode()) for s in _INLINE_SCRIPT.findall(text))


# --- every page -------------------------------------------------------------------


def test_does_every_page_load_at_most_2_mb_of_javascript(built):
    measured = {page: javascript_bytes(built, page) for page in PAGES}
    _write_artifact("javascript-bytes.json", {"budget_bytes": JS_BUDGET_BYTES,
                                              "largest": max(measured.items(), key=lambda kv: kv[1]), "pages": measured})
    heavy = {page: size for page, size in measured.items() if size > JS_BUDGET_BYTES}
    assert heavy == {}, f"these pages load more than {JS_BUDGET_BYTES:,} bytes of JavaScript"
    assert not [p for p in PAGES if p not in WITH_WIDGETS and "embed-amd.js" in _built(p)], \
        "a page without a widget view loads the widget manager"



def test_does_the_toc_name_pages_that_were_built(built):
    assert CHAPTER, "_toc.yml lists no chapter"
    assert [p for p in PAGES if not (built / p).is_file()] == []


@pytest.mark.parametrize("page", PAGES)
def test_does_the_page_load_offline_fast_and_without_console_errors(browser, site, weights, page):
    """Each page once: status, title, widgets from saved state, its "next" link, no error, no foreign request, weight."""
    _open(browser, f"{site}/{page}")
    status = browser.execute_script('return performance.getEntriesByType("navigation")[0].responseStatus')
    assert status == 200, f"{page}: HTTP {status}"
    assert browser.find_elements("css selector", "main h1"), f"{page} has no title"
    if page in WITH_WIDGETS:  # network blocked, and yet the widgets render from their saved state
        assert _wait_for(browser, ".jupyter-widgets"), f"{page}: no widgets rendered"
    if "shipml-explorer-st" in _built(page):  # its static rendering holds a real figure, not an empty box
        assert _wait_for(browser, ".shipml-explorer-static img, .shipml-explorer-still img"), f"{page}: empty explorer"
    following = PAGES[PAGES.index(page) + 1:PAGES.index(page) + 2]
    next_links = [a.get_attribute("href") for a in browser.find_elements("css selector", "a.right-next")]
    assert next_links == [f"{site}/{p}" for p in following], f"{page}: the next link does not follow _toc.yml"
    assert _errors(browser) == [], f"console errors on {page}"
    shift = browser.execute_script(_LAYOUT_SHIFT)
    assert shift < 0.1, f"{page}: the page jumps while it loads (cumulative layout shift {shift:.2f})"
    facts = browser.execute_script(_LOAD_FACTS)  # after the widgets have rendered
    foreign = [name for name, _ in facts["resources"] if not name.startswith(site)]
    assert foreign == [], f"{page} requested from outside the machine"
    own = facts["bytes"] + sum(size for name, size in facts["resources"] if not any(s in name for s in SHARED))
    weights[page] = own
    assert own < PAGE_BUDGET_BYTES, f"{page} weighs {own:,} bytes without the shared assets"


def test_does_a_chapter_opened_as_a_file_render_its_widgets_and_quizzes(browser, built):
    _open(browser, (built / CHAPTER).as_uri())
    assert browser.find_elements("css selector", "main h1")
    if CHAPTER in WITH_WIDGETS:
        assert _wait_for(browser, ".jupyter-widgets")
    if CHAPTER in QUIZ_PAGES:
        assert browser.execute_script("return typeof window.shipmlQuiz.grade") == "function"
    assert _errors(browser) == [], f"console errors on {CHAPTER} opened as a file"


def test_does_no_page_or_stylesheet_point_at_the_network(built):
    remote = re.compile(r"""<(?:script|img|iframe)[^>]+src=["'](?:https?:)?//|<link[^>]+href=["'](?:https?:)?//"""
                        r"""|url\(["']?(?:https?:)?//|@import\s+["']?(?:url\()?["']?(?:https?:)?//""", re.I)
    offenders = [str(path.relative_to(built)) for pattern in ("**/*.html", "_static/**/*.css")
                 for path in built.glob(pattern) if remote.search(path.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == [], "these load something from the network (a CDN script, MathJax, a web font)"


def test_is_a_solution_page_titled_as_solutions_without_the_graders_cells(built):
    solutions = [p for p in PAGES if p.startswith("solutions/")]
    assert solutions, "_toc.yml lists no solution"
    for page in solutions:
        html = (built / page).read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert title.startswith("Solutions: "), f"{page} is titled {title!r}"
        assert "tag_hidden-check" not in html, f"{page} shows the grader's hidden checks"
        exercise = (built / page.replace("solutions/", "exercises/")).read_text(encoding="utf-8")
        assert re.search(r"<title>Exercises: ", exercise), f"{page}'s exercise is not titled as exercises"


def test_does_the_execution_status_page_list_every_notebook_with_its_run_time(built):
    page = "book/execution.html"
    assert page in PAGES, "book/execution (the execution status page) is missing from _toc.yml"
    executed = [f for f in notebooks.toc_docs(TOC)
                if "kernelspec:" in (ROOT / f"{f}.md").read_text(encoding="utf-8")[:3000]]
    table = (built / page).read_text(encoding="utf-8").split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {re.search(r'<span class="doc">([^<]+)</span>', row).group(1): row for row in table.split("<tr")[1:]}
    assert sorted(rows) == sorted(executed)
    for name, row in rows.items():
        assert re.search(r"<p>\d+(\.\d+)?</p>", row) and "✅" in row, f"{name}: no run time or not succeeded"


# --- widgets and quizzes without a kernel --------------------------------------------


def _answer(driver, quiz, spec, response):
    from selenium.webdriver.common.by import By

    if spec["kind"] == "number":
        field = quiz.find_element(By.CSS_SELECTOR, "input[type=text]")
        field.clear()
        field.send_keys(str(response))
    else:
        chosen = {response} if isinstance(response, str) else set(response)
        for i, box in enumerate(quiz.find_elements(By.CSS_SELECTOR, "input")):
            if box.is_selected() != (spec["options"][i] in chosen):
                driver.execute_script("arguments[0].click()", box)
    driver.execute_script("arguments[0].click()", quiz.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    feedback = quiz.find_element(By.CSS_SELECTOR, ".shipml-quiz-feedback")
    return feedback.get_attribute("data-correct"), feedback.text


def _wrong(spec):
    if spec["kind"] == "number":
        return spec["answer"] + spec["tolerance"] + 1
    if spec["kind"] == "single":
        return next(o for o in spec["options"] if o != spec["answer"])
    others = [o for o in spec["options"] if o not in spec["answer"]]
    return others[:1] + spec["answer"] if others else spec["answer"][:-1]


def _quiz_pages() -> list[str]:
    """The fewest pages, in toc order, that hold a static quiz of every kind in the book."""
    pages, kinds = [], set()
    for page in PAGES:  # a quiz is static HTML: its page need not show any widget
        found = {json.loads(m)["kind"] for m in re.findall(
            r'class="shipml-quiz-static".*?<script type="application/json">(.*?)</script>', _built(page), re.S)}
        if found - kinds:
            pages.append(page)
            kinds |= found
    return pages


QUIZ_PAGES = _quiz_pages()


@pytest.mark.parametrize("page", QUIZ_PAGES or [pytest.param(None, marks=pytest.mark.skip("no quiz in the book"))])
def test_does_a_quiz_answered_wrongly_then_rightly_show_both_feedbacks_without_a_kernel(browser, site, page):
    from selenium.webdriver.common.by import By

    _open(browser, f"{site}/{page}")
    quizzes = _wait_for(browser, ".shipml-quiz-static")
    assert not browser.find_elements(By.CSS_SELECTOR, ".shipml-quiz"), "the quiz widget is shown, not the static quiz"
    for quiz in quizzes:
        spec = json.loads(quiz.find_element(By.CSS_SELECTOR, "script[type='application/json']")
                          .get_attribute("textContent"))
        correct, text = _answer(browser, quiz, spec, _wrong(spec))
        assert correct == "false" and text.startswith("✗ Not quite"), spec["quiz_id"]
        if spec["explanation"]:
            assert spec["explanation"][:30] not in text, "the explanation gives the answer away"
        correct, text = _answer(browser, quiz, spec, spec["answer"])
        assert correct == "true" and text.startswith("✓ Correct."), spec["quiz_id"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        quiz.screenshot(str(ARTIFACTS / f"quiz-{spec['quiz_id']}.png"))
    assert _errors(browser) == []


def test_does_the_browser_grade_every_response_as_python_does(browser, site):
    from test_quiz import CASES

    browser.get(f"{site}/{QUIZ_PAGES[0]}" if QUIZ_PAGES else f"{site}/index.html")
    if not QUIZ_PAGES:
        pytest.skip("no quiz in the book")
    calls = [[spec.to_dict(), response] for spec, response in CASES]
    got = browser.execute_script(
        "return arguments[0].map(c => { const r = window.shipmlQuiz.grade(c[0], c[1]); return [r.correct, r.message]; })",
        calls)
    assert got == [[f.correct, f.message] for f in (spec.grade(r) for spec, r in CASES)]


# --- chapter pages: facts, search, navigation, phone width ---------------------------------


def test_does_a_chapter_show_its_facts_exercise_link_and_notebook_download(browser, site):
    from selenium.webdriver.common.by import By

    _open(browser, f"{site}/{CHAPTER}")
    box = browser.find_element(By.CSS_SELECTOR, ".shipml-chapter-facts")
    assert "minutes" in box.text and re.search(r"ran in \d+(\.\d)? s", box.text)
    assert box.find_elements(By.CSS_SELECTOR, "li"), "no objectives"
    exercise = CHAPTER.replace("chapters/", "exercises/")
    if exercise in PAGES:
        assert box.find_element(By.CSS_SELECTOR, f"a[href$='{Path(exercise).name}']")
    for link in (box.find_element(By.CSS_SELECTOR, "a.shipml-download-ipynb"),
                 browser.find_element(By.CSS_SELECTOR, ".dropdown-download-buttons a[href$='.ipynb']")):
        with urllib.request.urlopen(link.get_attribute("href")) as answer:
            notebook = json.load(answer)
        assert notebook["nbformat"] == 4 and notebook["cells"]


def test_does_search_for_a_word_from_a_chapter_find_that_chapter(browser, site):
    from selenium.webdriver.support.ui import WebDriverWait

    title = (HTML / CHAPTER).read_text(encoding="utf-8").split("<h1>", 1)[1].split("<", 1)[0]
    word = max(re.findall(r"[A-Za-z]{4,}", title), key=len).lower()
    browser.get(f"{site}/search.html?q={word}")
    link = f"a[href*='{CHAPTER.removesuffix('.html')}']"
    WebDriverWait(browser, 20).until(lambda d: d.find_elements("css selector", f"#search-results {link}"))
    assert _errors(browser) == []


def test_does_the_sidebar_show_every_part_and_link_every_page(browser, site):
    from selenium.webdriver.common.by import By

    _open(browser, f"{site}/{PAGES[0]}")
    nav = browser.find_element(By.CSS_SELECTOR, "nav.bd-docs-nav")
    captions = [c.get_attribute("textContent").strip() for c in nav.find_elements(By.CSS_SELECTOR, "p.caption")]
    assert captions == CAPTIONS
    hrefs = [a.get_attribute("href").split("#")[0] for a in nav.find_elements(By.CSS_SELECTOR, "a.reference")]
    linked = {h[len(site) + 1:] for h in hrefs}
    assert [p for p in PAGES[1:] if p not in linked] == []  # "next" links: see the page test


def test_does_a_chapter_and_an_exercise_read_well_at_desktop_and_phone_width(browser, site):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    exercise = next(p for p in PAGES if p.startswith("exercises/"))
    try:
        for page in (CHAPTER, exercise):
            for name, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
                browser.set_window_size(width, height)
                _open(browser, f"{site}/{page}")
                _wait_for(browser, ".shipml-explorer-static img, .jupyter-widgets img, .widget-output img, main img")
                overflow = browser.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 1, f"{page}: at {width} px the page scrolls sideways by {overflow} px"
                squashed = browser.execute_script(
                    "return [...document.querySelectorAll('.jupyter-widgets img, .widget-output img, main img')]"
                    ".filter(i => i.naturalWidth && i.clientHeight && Math.abs(i.clientWidth / i.clientHeight"
                    " - i.naturalWidth / i.naturalHeight) > 0.05 * i.naturalWidth / i.naturalHeight)"
                    ".map(i => i.src.slice(0, 80))")
                assert squashed == [], f"{page}: at {width} px these figures lose their aspect ratio"
                # a figure keeps a width at which its ticks can be read (it scrolls within its cell on a phone)
                tiny = browser.execute_script(
                    "return [...document.querySelectorAll('.cell_output img')].filter(i => i.naturalWidth >= 480"
                    " && i.clientWidth < 480).map(i => i.clientWidth)")
                assert tiny == [], f"{page}: at {width} px figures shrink to {tiny} px"
                browser.save_screenshot(str(ARTIFACTS / f"{Path(page).parent.name}-{Path(page).stem}-{name}.png"))
    finally:
        browser.set_window_size(*DESKTOP)


def _visible(driver, css):
    return [e for e in driver.find_elements("css selector", css) if e.is_displayed()]


def test_do_the_visible_sidebar_buttons_open_the_chapter_list_on_a_phone_and_fold_it_on_a_desktop(browser, site):
    from selenium.webdriver.support.ui import WebDriverWait

    is_open = "return document.getElementById(arguments[0]).open"
    try:
        browser.set_window_size(*PHONE)
        for button, dialog in ((".primary-toggle", "pst-primary-sidebar-modal"),
                               (".secondary-toggle", "pst-secondary-sidebar-modal")):
            _open(browser, f"{site}/{CHAPTER}")
            shown = _visible(browser, button)
            assert shown, f"no {button} button is visible on a phone"
            assert not browser.execute_script(is_open, dialog)
            shown[0].click()
            assert browser.execute_script(is_open, dialog), f"the visible {button} button did not open {dialog}"
            if button == ".primary-toggle":  # the chapter list is there, and can be followed
                links = [a for a in browser.find_elements("css selector", f"#{dialog} a.reference") if a.is_displayed()]
                assert len(links) >= len(PAGES) // 2, "the opened sidebar does not list the chapters"
        browser.set_window_size(*DESKTOP)
        _open(browser, f"{site}/{CHAPTER}")
        sidebar = "return getComputedStyle(document.getElementById('pst-primary-sidebar')).visibility"
        assert browser.execute_script(sidebar) == "visible"
        _visible(browser, ".primary-toggle")[0].click()
        WebDriverWait(browser, 5).until(lambda d: d.execute_script(sidebar) == "hidden")
        assert _errors(browser) == []
    finally:
        browser.set_window_size(*DESKTOP)


# --- explorers, checks and score sheets without a kernel -------------------------------

STATIC_EXPLORER_PAGES = [p for p in PAGES if "shipml-explorer-static" in _built(p)]


def _static_slider(page: str) -> bool:
    """Does one of the page's static explorers have a slider? (Which explorers a build draws static, and
    which it shows still, depends on how fast they draw on that machine: the test takes one that is static.)"""
    explorers = _built(page).split('class="shipml-explorer-static"')[1:]
    return any('type="range"' in e.split("shipml-explorer-caption")[0] for e in explorers)


STATIC_SLIDER_PAGES = [p for p in STATIC_EXPLORER_PAGES if _static_slider(p)]
STATIC_CHECK_PAGES = [p for p in PAGES if "shipml-check-static" in _built(p)]


def test_does_moving_a_static_explorers_slider_change_its_plot_and_caption(browser, site):
    from selenium.webdriver.common.keys import Keys

    assert STATIC_SLIDER_PAGES, "no page has an explorer with a slider that moves without a kernel"
    page = STATIC_SLIDER_PAGES[0]
    _open(browser, f"{site}/{page}")
    explorer = next(e for e in _wait_for(browser, ".shipml-explorer-static")
                    if e.find_elements("css selector", "input[type=range]"))
    slider = explorer.find_elements("css selector", "input[type=range]")[0]
    readout = explorer.find_element("css selector", f'output[for="{slider.get_attribute("id")}"]')
    image, caption = explorer.find_element("css selector", "img"), explorer.find_element(
        "css selector", ".shipml-explorer-caption")
    before = (image.get_attribute("src"), image.get_attribute("alt"), caption.text, readout.text)
    key = Keys.ARROW_LEFT if int(slider.get_attribute("value")) > 0 else Keys.ARROW_RIGHT
    slider.send_keys(key, key)  # as a reader would, with the keyboard
    after = (image.get_attribute("src"), image.get_attribute("alt"), caption.text, readout.text)
    assert all(a != b for a, b in zip(before, after)), f"{page}: moving the slider left {before[1:]} as it was"
    assert after[1] and "Plot for" in after[1], "the new plot has no alt text"
    assert _errors(browser) == []


def test_does_a_static_check_show_its_verdict_and_hints_without_dead_buttons(browser, site):
    assert STATIC_CHECK_PAGES, "no page shows a check"
    page = STATIC_CHECK_PAGES[0]
    _open(browser, f"{site}/{page}")
    check = _wait_for(browser, ".shipml-check-static")[0]
    assert check.find_elements("css selector", "button") == [], "a check in the book shows a button that cannot work"
    assert "passed" in check.text.lower() or "failed" in check.text.lower() or "not attempted" in check.text.lower()
    summary = check.find_elements("css selector", "details summary")
    if summary:  # the hint ladder, folded: opened, its hints can be read
        hints = check.find_elements("css selector", "details li")
        assert not hints[0].is_displayed()
        summary[0].click()
        assert hints[0].is_displayed() and hints[0].text


# --- accessibility: axe-core in every page --------------------------------------------

AXE_JS = ROOT / "_test_js" / "axe.min.js"  # fetched by `make test-browser` from npm (axe-core, pinned in the Makefile)
_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(result => done(result.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
  targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))), error => done([{id: "axe-error", impact: "critical",
  help: String(error), nodes: 0, targets: []}]));
"""


@pytest.fixture(scope="module")
def axe_report():
    """Violations per page, written to the artifacts when the module is done."""
    found = {}
    yield found
    if found:
        counts = {impact: sum(v["nodes"] for vs in found.values() for v in vs if v["impact"] == impact)
                  for impact in ("critical", "serious", "moderate", "minor")}
        _write_artifact("axe.json", {"nodes_by_impact": counts, "pages": found})


@pytest.mark.parametrize("page", PAGES)
def test_does_axe_find_no_critical_or_serious_violation(browser, site, axe_report, page):
    if not AXE_JS.is_file():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing: make test-browser fetches it")
        pytest.skip("axe-core is not fetched (make test-browser)")
    browser.set_script_timeout(60)
    grave = []
    try:
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):  # a phone's page shows other controls
            browser.set_window_size(*size)
            _open(browser, f"{site}/{page}")
            browser.execute_script(AXE_JS.read_text(encoding="utf-8"))
            violations = browser.execute_async_script(_RUN_AXE)
            axe_report[f"{page} ({name})"] = violations
            grave += [f"{name}: {v['impact']} {v['id']} ({v['nodes']}×: {v['help']}) at {v['targets']}"
                      for v in violations if v["impact"] in ("critical", "serious")]
    finally:
        browser.set_window_size(*DESKTOP)
    assert grave == [], f"{page}: " + "; ".join(grave)


def test_does_every_image_have_an_alt_text_that_says_what_it_shows(built):
    """Not a file name (what myst-nb gives a notebook's figure), and never missing."""
    poor = {}
    for page in PAGES:
        text = _built(page)
        alts = re.findall(r"""<img\b[^>]*\balt=["']([^"']*)["']""", text)
        missing = len(re.findall(r"<img\b(?![^>]*\balt=)[^>]*>", text))
        named = [a for a in alts if not a.strip() or re.search(r"\.(png|svg|jpe?g|gif)$", a.strip(), re.I)]
        if missing or named:
            poor[page] = {"without alt": missing, "alt is a file name or empty": named[:3]}
    assert poor == {}
