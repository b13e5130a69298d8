#!/usr/bin/python3
"""Browser test of the web page of `mmsearch serve`, in headless Chromium through Selenium.

Runs against a real server (Tests/Browser/run.sh starts two: one open, one with a token) over
an index of Media/. Environment:

  MMSEARCH_URL          the open server, e.g. http://127.0.0.1:7878 (required)
  MMSEARCH_TOKEN_URL    a server started with --token-file (optional: skipped without it)
  MMSEARCH_TOKEN_VALUE  that server's token
  MMSEARCH_MEDIA        the Media folder (default: the repository's)
  MMSEARCH_SCREENSHOTS  where the screenshots go (default Tests/Browser/screenshots)
  CHROME, CHROMEDRIVER  the browser and its driver (default: found on PATH)

Prints one line per check and exits 1 when any failed.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import time
import traceback
from urllib.parse import parse_qs, urlparse

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BASE = os.environ.get("MMSEARCH_URL", "").rstrip("/")
TOKEN_BASE = os.environ.get("MMSEARCH_TOKEN_URL", "").rstrip("/")
TOKEN = os.environ.get("MMSEARCH_TOKEN_VALUE", "")
MEDIA = os.environ.get("MMSEARCH_MEDIA") or os.path.join(REPO, "Media")
SHOTS = os.environ.get("MMSEARCH_SCREENSHOTS") or os.path.join(HERE, "screenshots")
DOG = "dog-samoyeds.jpg"
CAT = "cat-chelsea.png"
WAIT = 15          # seconds for anything that involves the server

failures: list[str] = []


def check(name: str, ok: bool, detail: str = "") -> None:
    print(f"  {'ok  ' if ok else 'FAIL'}  {name}{'' if ok or not detail else ': ' + detail}", flush=True)
    if not ok:
        failures.append(name)


def step(name: str, fn, *args) -> None:
    """Runs one group of checks; an exception (a timeout…) fails the group and the run goes on."""
    print(f"- {name}", flush=True)
    started = time.time()
    try:
        fn(*args)
        print(f"        ({time.time() - started:.1f} s)")
    except Exception as exc:   # noqa: BLE001 — report and go on with the next group
        detail = f"{type(exc).__name__}: {getattr(exc, 'msg', None) or exc}".strip()
        check(name, False, detail.splitlines()[0] if detail else "error")
        if not isinstance(exc, TimeoutException):
            traceback.print_exc(limit=3, file=sys.stdout)


def new_driver(hover: bool = True) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    chrome = os.environ.get("CHROME") or shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chrome:
        options.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,800", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
                "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(arg)
    if hover:
        # Headless Chromium reports no pointer ("hover: none"); the desktop screenshots should
        # show what a mouse user sees.
        options.add_argument("--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    service = Service(driver_path) if driver_path else Service()
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT)
    desktop_viewport(driver)
    return driver


def desktop_viewport(driver) -> None:
    """A 1280×800 viewport (--window-size is the window, toolbars included)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})


def wait(driver, condition, timeout: float = WAIT, message: str = ""):
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition, message)


def results(driver) -> list[dict]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#results .result')).map(r => "
        "({id: r.dataset.id, path: r.dataset.path, score: r.dataset.score}))")


def first_path_endswith(name: str):
    def cond(driver):
        r = results(driver)
        return r if r and r[0]["path"].endswith("/" + name) and not busy(driver) else False
    return cond


def busy(driver) -> bool:
    return driver.execute_script("return document.querySelector('#results').getAttribute('aria-busy') === 'true'")


def query_params(driver) -> dict:
    return parse_qs(urlparse(driver.current_url).query)


def settle_images(driver) -> None:
    """Waits until the thumbnails in view have loaded (or failed), for a stable screenshot."""
    wait(driver, lambda d: d.execute_script("""
        return Array.from(document.querySelectorAll('#results img.thumb')).filter(i => {
          const r = i.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0;
        }).every(i => i.complete);"""), message="thumbnails did not load")
    driver.execute_script("return document.fonts && document.fonts.ready")
    time.sleep(0.3)     # the fade-in of the thumbnails (0.25 s)


def screenshot(driver, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, f"{name}.png")
    driver.save_screenshot(path)
    print(f"        screenshot {path}")


def set_dark(driver, dark: bool) -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})


def js_errors(driver) -> list[str]:
    bad = []
    for entry in driver.get_log("browser"):
        msg = entry.get("message", "")
        # Failed requests (a 401 before the token, a 404 thumbnail) are logged too; they are not script errors.
        if entry.get("level") == "SEVERE" and "Failed to load resource" not in msg and "/api/v1/" not in msg:
            bad.append(msg)
    return bad


def type_query(driver, text: str) -> None:
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(text)


# ---------------------------------------------------------------------------- the open server

def page_served(d) -> bool:
    """The server serves the files of Sources/MMSearchServer/Web (they are compiled into the
    binary), and the page's script runs. False stops the run: nothing else could pass."""
    web = os.path.join(REPO, "Sources", "MMSearchServer", "Web")
    stale = []
    for name in ("index.html", "app.js", "style.css", "favicon.svg"):
        path = os.path.join(web, name)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            want = f.read()
        got = d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {cache: 'no-store'}).then(r => r.ok ? r.text() : 'HTTP ' + r.status).then(done, e => done(String(e)));",
            BASE + ("/" if name == "index.html" else "/" + name))
        if got != want:
            stale.append(name)
    check("the server serves the page in Sources/MMSearchServer/Web", not stale,
          f"{', '.join(stale)} differ: run Scripts/generate/web_assets.py and rebuild mmsearch")
    d.get(BASE + "/")
    try:
        wait(d, lambda d: d.execute_script("return !!window.mmsearch"), timeout=10)
    except TimeoutException:
        check("the page's script runs", False, "window.mmsearch never appeared (is /app.js served?)")
        return False
    check("the page's script runs", True)
    return True


def text_search(d) -> None:
    d.get(BASE + "/")
    wait(d, lambda d: d.find_element(By.ID, "q").is_displayed())
    check("empty state with example queries", d.execute_script(
        "return !document.querySelector('#empty').hidden && document.querySelectorAll('#empty .example').length > 0"))
    type_query(d, "a dog")
    r = wait(d, first_path_endswith(DOG), message=f"the first result is not {DOG}")
    check(f'"a dog" → {DOG} first', r[0]["path"].endswith("/" + DOG), r[0]["path"])
    check("each result has data-id, data-path, data-score", all(x["id"] and x["path"].startswith("/") and float(x["score"]) > -1.01 for x in r))
    wait(d, lambda d: query_params(d).get("q") == ["a dog"], message="the URL does not hold q")
    check("URL holds ?q=a dog", query_params(d).get("q") == ["a dog"], d.current_url)
    count = d.find_element(By.ID, "result-count").get_attribute("textContent")
    check("#result-count (aria-live) says how many", "result" in count and d.find_element(By.ID, "result-count").get_attribute("aria-live") == "polite", count)
    check("thumbnails have the file name as alt", d.execute_script(
        "const i = document.querySelector('.result img'); return !!i && i.alt === i.closest('.result').dataset.path.split('/').pop()"))
    settle_images(d)
    screenshot(d, "desktop-light")
    set_dark(d, True)
    time.sleep(0.2)
    check("dark scheme changes the page", d.execute_script("return getComputedStyle(document.body).backgroundColor") not in ("rgb(246, 247, 249)", "rgb(255, 255, 255)"))
    screenshot(d, "desktop-dark")
    set_dark(d, False)

    d.refresh()
    r = wait(d, first_path_endswith(DOG), message="reload did not restore the results")
    check("reload restores the search", d.find_element(By.ID, "q").get_attribute("value") == "a dog" and r[0]["path"].endswith("/" + DOG))

    # Filters: a modality chip narrows the results and goes into the URL.
    d.find_element(By.CSS_SELECTOR, '#modality-group [data-modality="image"]').click()
    wait(d, lambda d: query_params(d).get("modality") == ["image"] and not busy(d) and results(d), message="modality not in URL")
    kinds = d.execute_script("return Array.from(document.querySelectorAll('.result')).map(r => r.dataset.modality)")
    check("modality chip filters (image only) and sets &modality=image", bool(kinds) and set(kinds) == {"image"}, str(set(kinds)))
    d.find_element(By.CSS_SELECTOR, '#modality-group [data-modality=""]').click()
    wait(d, lambda d: "modality" not in query_params(d))

    # Order and date filters: the select and the Date chip go into the URL and the request.
    Select(d.find_element(By.ID, "sort")).select_by_value("-date")
    wait(d, lambda d: query_params(d).get("sort") == ["-date"] and not busy(d) and results(d), message="sort not in URL")
    check("Order: newest first sets &sort=-date and keeps the results", len(results(d)) > 0, d.current_url)
    d.find_element(By.ID, "add-date").click()
    field = wait(d, lambda d: d.find_element(By.CSS_SELECTOR, ".chip-input-wrap input"))
    field.send_keys("2001-02" + Keys.ENTER)
    wait(d, lambda d: query_params(d).get("after") == ["2001-02"] and not busy(d), message="after not in URL")
    chip = d.execute_script("const c = document.querySelector('#active-filters .chip.filter'); return c ? c.textContent : ''")
    check("the Date chip filters from a month (&after=2001-02) and shows 'from 2001-02'", "from 2001-02" in chip and len(results(d)) > 0, chip)
    d.find_element(By.CSS_SELECTOR, "#active-filters .chip.filter .chip-x").click()
    wait(d, lambda d: "after" not in query_params(d) and not busy(d))
    Select(d.find_element(By.ID, "sort")).select_by_value("")
    wait(d, lambda d: "sort" not in query_params(d) and not busy(d))
    check("removing the date chip and choosing Best match clears both", True)

    # + and − terms: a combined query goes out as JSON terms and keeps the URL's text.
    type_query(d, "a dog +snow -cat")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#terms .term.minus") and query_params(d).get("q") == ["a dog +snow -cat"] and not busy(d) and results(d),
         message="terms did not show")
    terms = d.execute_script("return Array.from(document.querySelectorAll('#terms .term')).map(t => t.className.includes('minus') ? -1 : 1)")
    check("'a dog +snow -cat' shows three terms (+, +, −) and searches", terms == [1, 1, -1] and len(results(d)) > 0, str(terms))


def more_like_this(d) -> None:
    d.get(BASE + "/?q=a%20dog")
    before = wait(d, first_path_endswith(DOG))
    target = before[2]
    card = d.find_elements(By.CSS_SELECTOR, "#results .result")[2]
    ActionChains(d).move_to_element(card).perform()
    button = card.find_element(By.CSS_SELECTOR, ".more-like-this")
    wait(d, lambda d: button.is_displayed())
    button.click()
    after = wait(d, lambda d: (r := results(d)) and r[0]["id"] == target["id"] and not busy(d) and r,
                 message=f"{target['path']} is not first after 'more like this'")
    check("more like this: the clicked file is first", after[0]["path"] == target["path"], after[0]["path"])
    check("more like this: the results changed", [x["id"] for x in after] != [x["id"] for x in before])
    check("URL holds &like=ID", query_params(d).get("like") == [target["id"]], d.current_url)
    check("a 'Like …' chip shows the example", d.execute_script("return !!document.querySelector('#query-like')"))
    d.refresh()
    wait(d, lambda d: (r := results(d)) and r[0]["id"] == target["id"], message="reload lost 'more like this'")
    check("reload restores 'more like this'", True)
    d.back()
    wait(d, first_path_endswith(DOG), message="back did not return to 'a dog'")
    check("back button returns to the text search", query_params(d).get("q") == ["a dog"] and "like" not in query_params(d), d.current_url)


def example_searches(d) -> None:
    d.get(BASE + "/?q=a%20red%20car")
    wait(d, lambda d: results(d) and not busy(d))
    # The upload button's file input.
    d.find_element(By.ID, "file-input").send_keys(os.path.join(MEDIA, CAT))
    r = wait(d, first_path_endswith(CAT), message=f"{CAT} is not first after the upload")
    check(f"upload {CAT} → {CAT} first", r[0]["path"].endswith("/" + CAT))
    check("the example shows as a chip with a preview", d.execute_script(
        "const c = document.querySelector('#query-image'); return !!c && !!c.querySelector('img')"))
    check("the text box is empty while an image is the query", d.find_element(By.ID, "q").get_attribute("value") == "")
    d.find_element(By.CSS_SELECTOR, "#query-image .qchip-x").click()
    wait(d, lambda d: not results(d) and d.execute_script("return !document.querySelector('#empty').hidden"))
    check("× on the chip clears the example", True)

    # A drop on the page and a paste, dispatched with a DataTransfer as the browser would.
    def dispatch(kind: str, name: str, mime: str) -> None:
        with open(os.path.join(MEDIA, name), "rb") as f:
            data = base64.b64encode(f.read()).decode("ascii")
        d.execute_script("""
            const [kind, name, mime, b64] = arguments;
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, {type: mime}));
            if (kind === 'drop') {
              const zone = document.querySelector('#drop-zone');
              zone.dispatchEvent(new DragEvent('dragenter', {bubbles: true, cancelable: true, dataTransfer: dt}));
              window.__overlay = zone.classList.contains('active');
              zone.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
              zone.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
            } else {
              document.body.dispatchEvent(new ClipboardEvent('paste', {bubbles: true, cancelable: true, clipboardData: dt}));
            }""", kind, name, mime, data)

    dispatch("drop", CAT, "image/png")
    check("dragging a file over the page shows the drop overlay", d.execute_script("return window.__overlay === true"))
    r = wait(d, first_path_endswith(CAT), message=f"{CAT} is not first after the drop")
    check(f"drop {CAT} → {CAT} first", r[0]["path"].endswith("/" + CAT))
    check("the overlay hides after the drop", d.execute_script("return !document.querySelector('#drop-zone').classList.contains('active')"))
    dispatch("paste", DOG, "image/jpeg")
    r = wait(d, first_path_endswith(DOG), message=f"{DOG} is not first after the paste")
    check(f"paste {DOG} → {DOG} first", r[0]["path"].endswith("/" + DOG))


def keyboard(d) -> None:
    d.get(BASE + "/")
    wait(d, lambda d: d.find_element(By.ID, "q"))
    d.execute_script("document.activeElement && document.activeElement.blur()")
    ActionChains(d).send_keys("/").perform()
    check("'/' focuses the search box", d.execute_script("return document.activeElement && document.activeElement.id") == "q")
    ActionChains(d).send_keys("a dog").perform()
    r = wait(d, first_path_endswith(DOG), message="typing after '/' did not search")
    check("typing searches as you type", d.find_element(By.ID, "q").get_attribute("value") == "a dog")
    selected = lambda d: d.execute_script("const s = document.querySelector('.result.selected'); return s ? [s.dataset.index, s === document.activeElement] : null")
    ActionChains(d).send_keys(Keys.ARROW_RIGHT).perform()
    wait(d, lambda d: selected(d) == ["0", True], message="ArrowRight did not select the first result")
    check("ArrowRight (at the end of the text) selects the first result", True)
    ActionChains(d).send_keys(Keys.ARROW_RIGHT).perform()
    wait(d, lambda d: selected(d) == ["1", True], message="ArrowRight did not move the selection")
    check("ArrowRight moves the selection", True)
    ActionChains(d).send_keys(Keys.ARROW_LEFT).perform()
    wait(d, lambda d: selected(d) == ["0", True], message="ArrowLeft did not move back")
    check("ArrowLeft moves back", True)
    ActionChains(d).send_keys(Keys.ENTER).perform()
    wait(d, lambda d: d.execute_script("return document.querySelector('#detail').open"), message="Enter did not open the detail view")
    # textContent: .text is empty while the dialog fades in (Selenium reads only visible text).
    title = d.find_element(By.ID, "detail-title").get_attribute("textContent")
    check("Enter opens the detail view of the selected result", title == r[0]["path"].split("/")[-1], title)
    check("the detail view shows the path and the score", d.find_element(By.ID, "detail-path").get_attribute("textContent") == r[0]["path"]
          and d.find_elements(By.CSS_SELECTOR, "#detail-meta .score"))
    wait(d, lambda d: d.execute_script("const i = document.querySelector('#detail-media img'); return i && i.complete && i.naturalWidth > 0"),
         message="the detail image did not load")
    time.sleep(0.25)
    screenshot(d, "detail")
    ActionChains(d).send_keys(Keys.ESCAPE).perform()
    wait(d, lambda d: not d.execute_script("return document.querySelector('#detail').open"), message="Esc did not close the detail view")
    check("Esc closes the detail view", True)
    ActionChains(d).send_keys(Keys.ESCAPE).perform()
    wait(d, lambda d: d.execute_script("return !document.querySelector('.result.selected') && document.activeElement.id === 'q'"))
    check("Esc again leaves the grid for the search box", True)
    ActionChains(d).send_keys(Keys.ESCAPE).perform()
    wait(d, lambda d: d.find_element(By.ID, "q").get_attribute("value") == "" and not results(d))
    check("Esc in the search box clears the search", "q" not in query_params(d))


def indexing_progress(d) -> None:
    d.get(BASE + "/?q=a%20dog")
    wait(d, first_path_endswith(DOG))
    wait(d, lambda d: "file" in d.find_element(By.ID, "status-text").text, message="the footer shows no file count")
    status = d.find_element(By.ID, "status-text").text
    check("the footer shows the pack and the file count", any(ch.isdigit() for ch in status), status)
    # Record what the progress bar does: it may run through in well under a second.
    d.execute_script("""
        window.__progress = {shown: false, texts: []};
        const box = document.querySelector('#progress');
        new MutationObserver(() => {
          if (!box.hidden) window.__progress.shown = true;
          window.__progress.texts.push(document.querySelector('#progress-text').textContent);
        }).observe(box, {attributes: true, subtree: true, childList: true, characterData: true});""")
    d.find_element(By.ID, "reindex").click()
    wait(d, lambda d: any(t.startswith("Done") for t in d.execute_script("return window.__progress.texts")), timeout=60,
         message="no 'done' event reached the progress bar")
    progress = d.execute_script("return window.__progress")
    check("Re-index shows the progress bar until the run is done", progress["shown"], json.dumps(progress["texts"][-3:]))
    wait(d, lambda d: d.execute_script("return document.querySelector('#progress').hidden"), timeout=10, message="the progress bar did not hide")
    check("the progress bar hides after the run", True)


def phone(d) -> None:
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 800, "deviceScaleFactor": 2, "mobile": True})
    try:
        no_scroll = "return document.scrollingElement.scrollWidth <= window.innerWidth"
        d.get(BASE + "/")
        wait(d, lambda d: d.find_element(By.ID, "q"))
        check("phone, empty state: no horizontal scroll", d.execute_script(no_scroll),
              str(d.execute_script("return [document.scrollingElement.scrollWidth, innerWidth]")))
        d.get(BASE + "/?q=a%20dog")
        wait(d, first_path_endswith(DOG))
        columns = d.execute_script("return getComputedStyle(document.querySelector('#results')).gridTemplateColumns.split(' ').length")
        check("phone: the grid has 2 columns", columns == 2, str(columns))
        check("phone, results: no horizontal scroll", d.execute_script(no_scroll),
              str(d.execute_script("return [document.scrollingElement.scrollWidth, innerWidth]")))
        settle_images(d)
        screenshot(d, "phone")
        d.find_elements(By.CSS_SELECTOR, "#results .result")[0].click()
        wait(d, lambda d: d.execute_script("return document.querySelector('#detail').open"))
        check("phone, detail view: no horizontal scroll", d.execute_script(no_scroll))
    finally:
        desktop_viewport(d)


# ---------------------------------------------------------------------------- the server with a token

def token(d) -> None:
    dialog_open = "return document.querySelector('#token-dialog').open"
    d.get(TOKEN_BASE + "/?q=a%20dog")
    wait(d, lambda d: d.execute_script(dialog_open), message="the token dialog did not open")
    wait(d, lambda d: d.find_element(By.ID, "token-input").is_displayed(), timeout=3, message="the token input is not visible")
    check("a 401 opens the token dialog", True)
    check("no results behind the dialog yet", not results(d))
    time.sleep(0.25)    # the dialog's entrance animation
    screenshot(d, "token-dialog")
    d.find_element(By.ID, "token-input").send_keys("not-the-token-at-all")
    d.find_element(By.ID, "token-submit").click()
    wait(d, lambda d: d.find_element(By.ID, "token-error").get_attribute("textContent").strip(), message="a wrong token gave no message")
    check("a wrong token is refused with a message", d.execute_script(dialog_open))
    box = d.find_element(By.ID, "token-input")
    box.clear()
    box.send_keys(TOKEN)
    d.find_element(By.ID, "token-submit").click()
    r = wait(d, first_path_endswith(DOG), message="no results after entering the token")
    check("after the token, results appear", r[0]["path"].endswith("/" + DOG) and not d.execute_script(dialog_open))
    check("the token is stored (localStorage and cookie mmsearch_token)",
          d.execute_script("return localStorage.getItem('mmsearch_token')") == TOKEN
          and any(c["name"] == "mmsearch_token" for c in d.get_cookies()))
    wait(d, lambda d: d.execute_script(
        "const i = document.querySelector('.result img'); return i && i.complete && i.naturalWidth > 0"),
        message="thumbnails did not load with the cookie")
    check("thumbnails load with the cookie", True)
    d.refresh()
    wait(d, first_path_endswith(DOG), message="reload with the stored token gave no results")
    check("reload: no dialog, the stored token works", not d.execute_script(dialog_open))


def main() -> int:
    if not BASE:
        print("test_page.py: set MMSEARCH_URL to a running `mmsearch serve` (Tests/Browser/run.sh does)", file=sys.stderr)
        return 2
    started = time.time()
    print(f"browser test of {BASE}" + (f" and {TOKEN_BASE} (token)" if TOKEN_BASE else ""))
    desktop = new_driver(hover=True)
    try:
        print("- the page")
        desktop.set_script_timeout(WAIT)
        desktop.get(BASE + "/favicon.svg")
        if not page_served(desktop):
            print("\nbrowser test: FAILED: the page does not work at all; nothing else was tried")
            return 1
        step("search as you type, URL, reload, dark, filters, terms", text_search, desktop)
        step("more like this, reload, back", more_like_this, desktop)
        step("search by example: upload, drop, paste", example_searches, desktop)
        step("keyboard: / → type → arrows → Enter → Esc", keyboard, desktop)
        step("footer and indexing progress", indexing_progress, desktop)
        errors = js_errors(desktop)
        check("no script errors in the console", not errors, "; ".join(errors)[:500])
    finally:
        desktop.quit()
    touch = new_driver(hover=False)
    try:
        step("phone width (375 px)", phone, touch)
        if TOKEN_BASE and TOKEN:
            step("token: dialog, wrong token, right token", token, touch)
        else:
            print("- token: skipped (no MMSEARCH_TOKEN_URL / MMSEARCH_TOKEN_VALUE)")
        errors = js_errors(touch)
        check("no script errors in the console (phone, token)", not errors, "; ".join(errors)[:500])
    finally:
        touch.quit()
    took = time.time() - started
    if failures:
        print(f"\nbrowser test: {len(failures)} FAILED ({took:.1f} s): " + "; ".join(failures))
        return 1
    print(f"\nbrowser test: all passed ({took:.1f} s); screenshots in {SHOTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
