"""The web UI in a real headless Chromium against the real stack."""
from __future__ import annotations

import functools
import json
import re
import shutil
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from shared.statuses import BatchStatus, CatalogStatus, JobStatus
from tests.conftest import CHROMIUM_FLAGS, ROOT
from tests.integration.conftest import drain

pytestmark = pytest.mark.integration
ARTIFACTS = ROOT / "test-artifacts"
PAGES = {"index.html": "Playground", "catalogs.html": "Catalogs", "batches.html": "Batches",
         "operations.html": "Operations"}


@pytest.fixture(scope="module")
def frontend_url(frontend_port):
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(ROOT / "frontend"))
    server = ThreadingHTTPServer(("127.0.0.1", frontend_port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{frontend_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run `make test`, which installs it")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def open_page(browser, api: str, url: str, **context):
    page = browser.new_page(**context)
    # Other tests of the session register more catalogs; the page opens on the one a user chose
    # last (remembered in localStorage), which here is the demo catalog.
    page.add_init_script('window.localStorage.setItem("nlp2f.catalog", "laptops");')
    # The page finds the API through config.js; point it at this test's backend.
    page.route("**/config.js", lambda route: route.fulfill(
        body=f'window.NLP2F_API_BASE = "{api}";', content_type="application/javascript"))
    page.goto(url)
    return page


@pytest.fixture
def page(browser, api, frontend_url):
    page = open_page(browser, api, frontend_url)
    yield page
    page.close()


# Every form control has a label, every button a name, every image a text: the checks an
# automated audit can make (contrast is set in style.css, ratios noted there).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button, [role=img], [role=tab]')]
  .filter(e => !e.closest('[hidden]') && e.type !== 'hidden')
  .filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') ||
                 e.getAttribute('aria-labelledby') || (e.tagName === 'BUTTON' && e.textContent.trim())))
  .map(e => e.id || e.outerHTML.slice(0, 80))"""

# WCAG 2 contrast of every visible text against the background it is drawn on (the first
# opaque background up the tree): at least 4.5:1, or 3:1 for large text. Returns failures.
LOW_CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || c[3] > 0.9) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest('svg, [hidden], .visually-hidden')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
    const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className}: ` +
      `${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 30)}"`);
  }
  return out;
}"""


def accessible(page) -> None:
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(LOW_CONTRAST) == []


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_query_shows_live_status_chips_and_renderings(page, laptops, redis_conn, live_settings):
    expect(page.locator("#catalog-select")).to_have_value("laptops")
    expect(page.locator("#catalog-fields-body tr")).to_have_count(13)
    # The examples are written from the selected catalog's own values.
    examples = page.locator(".example")
    expect(examples).to_have_count(3)
    examples.first.click()
    brands = [f for f in laptops["fields"] if f["name"] == "brand"][0]["values"]
    assert any(b in page.input_value("#query-input") for b in brands)
    page.fill("#query-input", "silver Dell ultrabook")
    page.click("#submit-btn")
    status = page.locator("#job-status")
    expect(status).to_have_attribute("data-status", JobStatus.QUEUED)
    expect(status).to_have_attribute("data-transport", "events")  # the SSE stream is open
    drain(redis_conn, live_settings)
    expect(status).to_have_attribute("data-status", JobStatus.FINISHED, timeout=15_000)
    # The end came through the event stream: polling never took over.
    assert status.get_attribute("data-transport") == "events"
    chip = page.locator("#filter-chips li.chip[data-field='brand']")
    expect(chip).to_contain_text("Dell")
    expect(page.locator("#raw-json")).to_contain_text('"catalog": "laptops"')

    # Provenance: shown when the chip gets keyboard focus, toggled by Enter, Space and a
    # click, hidden by Escape and by leaving the chip.
    button, note = chip.locator("button.chip-toggle"), chip.locator(".chip-provenance")
    expect(note).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    assert button.get_attribute("aria-describedby") == note.get_attribute("id")
    page.focus("#query-input")
    for _ in range(20):  # Tab through the form and the examples to the chip
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    expect(button).to_be_focused()
    expect(note).to_be_visible()
    expect(note).to_contain_text("via")
    expect(button).to_have_attribute("aria-expanded", "true")
    for key, shown in (("Enter", False), (" ", True), ("Escape", False), ("Enter", True)):
        page.keyboard.press(key)
        expect(button).to_have_attribute("aria-expanded", str(shown).lower())
        expect(note).to_be_visible() if shown else expect(note).to_be_hidden()
    page.keyboard.press("Tab")
    expect(note).to_be_hidden()
    button.click()
    expect(note).to_be_visible()  # a click (focus without :focus-visible) opens it once
    button.click()
    expect(note).to_be_hidden()

    panel = page.locator("#render-panel")
    expect(panel).to_contain_text('"term"')
    expect(panel).to_contain_text('"brand": "Dell"')
    page.click("#tab-sql")
    expect(panel).to_contain_text(re.compile(r'^WHERE .*"brand" = \?'))
    expect(panel).to_contain_text('"Dell"')
    page.keyboard.press("ArrowRight")  # the tabs follow the ARIA keyboard pattern
    expect(page.locator("#tab-mongodb")).to_be_focused()
    expect(panel).to_have_attribute("data-format", "mongodb")
    expect(panel).to_contain_text('"brand": "Dell"')
    accessible(page)
    screenshot(page, "query-finished")
    page.evaluate("""() => { const p = document.createElement('p');
        p.textContent = 'pale'; p.style.color = '#b0b0b0'; document.body.appendChild(p); }""")
    assert [e for e in page.evaluate(LOW_CONTRAST) if '"pale"' in e], "contrast check is blind"


def test_status_falls_back_to_long_polling_without_an_event_stream(page, laptops, redis_conn,
                                                                  live_settings):
    """A proxy that cannot stream (here: the stream refused) still shows the job's end,
    read by long-polls: each status read waits on the server, none is repeated on a timer."""
    page.route("**/events", lambda route: route.abort())
    reads: list[str] = []
    page.on("request", lambda req: reads.append(req.url)
            if re.search(r"/api/v1/jobs/[0-9a-f]+(\?|$)", req.url) else None)
    expect(page.locator("#catalog-select")).to_have_value("laptops")
    page.fill("#query-input", "black lenovo laptop")
    page.click("#submit-btn")
    status = page.locator("#job-status")
    expect(status).to_have_attribute("data-transport", "polling")
    drain(redis_conn, live_settings)
    expect(status).to_have_attribute("data-status", JobStatus.FINISHED, timeout=15_000)
    expect(page.locator("#filter-chips li.chip[data-field='brand']")).to_contain_text("Lenovo")
    assert reads and all(url.endswith("?wait=25") for url in reads), reads
    assert len(reads) <= 2, reads  # one held read (a second if it began before the drain)


def sideways_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth")


def test_playground_fits_a_phone_in_the_dark_theme(browser, api, frontend_url, laptops,
                                                   redis_conn, live_settings):
    page = open_page(browser, api, frontend_url, viewport={"width": 375, "height": 740},
                     device_scale_factor=2, is_mobile=True, has_touch=True,
                     color_scheme="dark")
    expect(page.locator("#catalog-select")).to_have_value("laptops")
    page.fill("#query-input", "dell laptop under 900 dollars")
    page.tap("#submit-btn")
    expect(page.locator("#job-status")).to_have_attribute("data-status", JobStatus.QUEUED)
    overflow = sideways_overflow(page)
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    # On a phone the search request comes before the catalog panel.
    query_top = page.locator("#query-panel").bounding_box()["y"]
    assert query_top < page.locator("#catalog-panel").bounding_box()["y"]
    accessible(page)  # in the dark theme too

    # A tap shows a chip's provenance (there is no hover on a phone), a second tap hides it.
    drain(redis_conn, live_settings)
    expect(page.locator("#job-status")).to_have_attribute("data-status", JobStatus.FINISHED,
                                                          timeout=15_000)
    chip = page.locator("#filter-chips li.chip[data-field='brand']")
    note = chip.locator(".chip-provenance")
    expect(note).to_be_hidden()
    chip.locator("button").tap()
    expect(note).to_be_visible()
    expect(note).to_contain_text("via")
    expect(chip.locator("button")).to_have_attribute("aria-expanded", "true")
    assert sideways_overflow(page) <= 0  # the open note wraps inside the chip
    accessible(page)  # the note's contrast, in the dark theme
    screenshot(page, "playground-phone-dark")
    chip.locator("button").tap()
    expect(note).to_be_hidden()
    page.close()


class Outline(HTMLParser):
    """What a page's HTML says before any script runs: its header's h1 and links, the
    links marked as the current page, and its scripts."""

    VOID = {"meta", "link", "input", "br", "img"}

    def __init__(self, html: str):
        super().__init__()
        self.open: list[str] = []
        self.h1: list[str] = []
        self.nav: list[str] = []
        self.current: list[str] = []
        self.scripts: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
        if tag == "a" and "nav" in self.open and "header" in self.open:
            self.nav.append(a["href"])
            if a.get("aria-current") == "page":
                self.current.append(a["href"])
        if tag == "h1":
            self.h1.append("")
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):  # <path … />: opens nothing
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        while tag in self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data):
        if "h1" in self.open and "header" in self.open:
            self.h1[-1] += data.strip()


def test_every_page_has_its_header_navigation_and_own_h1_in_the_html(frontend_url):
    """As served, before any script runs (what a crawler, a reader mode or a failed script
    sees): the header with the navigation, the page marked current, one h1 of its own;
    its script a module."""
    outlines = {}
    for name, title in PAGES.items():
        resp = requests.get(f"{frontend_url}/{name}", timeout=10)
        assert resp.ok, name
        outline = outlines[name] = Outline(resp.text)
        assert outline.h1 == [title], name
        assert outline.nav == list(PAGES), name
        assert outline.current == [name], name
        page_scripts = [s for s in outline.scripts if s.get("src") != "config.js"]
        assert page_scripts and all(s.get("type") == "module" for s in page_scripts), name
    assert len({o.h1[0] for o in outlines.values()}) == len(PAGES)
    for module in ("common.js", "statuses.js"):
        resp = requests.get(f"{frontend_url}/{module}", timeout=10)
        assert "javascript" in resp.headers["Content-Type"], module


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_runs_its_module_under_the_static_header(browser, api, frontend_url,
                                                            laptops, name):
    page = open_page(browser, api, f"{frontend_url}/{name}")
    failures: list[str] = []
    page.on("pageerror", lambda err: failures.append(str(err)))
    # The shared module ran: the health pill and the footer are filled in.
    expect(page.locator("#backend-status")).to_have_attribute("data-state", "up")
    expect(page.locator("#api-base")).to_have_text(api)
    # Nothing is added to the header, and nothing is hung on window.
    expect(page.locator("header")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(PAGES[name])
    expect(page.locator("nav [aria-current=page]")).to_have_attribute("href", name)
    assert page.evaluate("typeof window.NLP2F") == "undefined"
    assert failures == []
    accessible(page)
    page.close()


def submit(page) -> dict:
    """Click submit and return once the backend has accepted the query (so draining the
    queues afterwards finds it)."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/queries")
                              and r.request.method == "POST") as accepted:
        page.click("#submit-btn")
    return accepted.value.json()


def test_a_five_turn_conversation_shows_each_diff_and_ends_with_the_expected_filters(
        page, laptops, redis_conn, live_settings):
    """Follow-ups in the playground: each turn refines the last result (`refine`), is listed
    in the conversation with its changes as chips, and the chips of the last result are the
    whole state after five turns."""
    expect(page.locator("#catalog-select")).to_have_value("laptops")
    toggle = page.locator("#refine-toggle")
    expect(toggle).to_be_disabled()  # nothing to follow up on yet
    turns = [("Dell laptops under $1500", []),
             ("only HP", ["brand: Dell → HP"]),
             ("cheaper", ["price: 1500 → 1200"]),
             ("any brand", ["− brand eq HP"]),
             ("in silver", ["+ color eq silver"])]
    status = page.locator("#job-status")
    for k, (text, diff) in enumerate(turns, 1):
        page.fill("#query-input", text)
        if k == 2:
            toggle.check()
        submit(page)
        drain(redis_conn, live_settings)
        expect(status).to_have_attribute("data-status", JobStatus.FINISHED, timeout=15_000)
        turn = page.locator("#conversation-turns > li").nth(k - 1)
        expect(page.locator("#conversation-turns > li")).to_have_count(k)
        expect(turn.locator(".turn-text")).to_have_text(text)
        expect(turn.locator(".chip-change")).to_have_text(diff)
        expect(page.locator("#change-chips .chip-change")).to_have_text(diff)
        expect(page.locator("#changes-block")).to_be_visible() if diff else \
            expect(page.locator("#changes-block")).to_be_hidden()
    chips = page.locator("#filter-chips li.chip")
    expect(chips).to_have_count(2)
    expect(page.locator("#filter-chips li[data-field='price']")).to_contain_text("1200")
    expect(page.locator("#filter-chips li[data-field='color']")).to_contain_text("silver")
    result = json.loads(page.locator("#raw-json").text_content())
    assert [(f["field"], f["op"], f["value"]) for f in result["filters"]] == [
        ("price", "lt", 1200), ("color", "eq", "silver")]
    accessible(page)
    screenshot(page, "conversation")
    page.click("#new-conversation")  # starts over: the next request refines nothing
    expect(page.locator("#conversation")).to_be_hidden()
    expect(toggle).not_to_be_checked()


def test_or_groups_are_shown_and_rendered(page, laptops, redis_conn, live_settings):
    page.fill("#query-input", "laptops under $500 or over $3000")
    submit(page)
    drain(redis_conn, live_settings)
    expect(page.locator("#job-status")).to_have_attribute("data-status", JobStatus.FINISHED,
                                                          timeout=15_000)
    groups = page.locator("#group-list > li")
    expect(groups).to_have_count(2)
    expect(groups.nth(0)).to_contain_text("500")
    expect(groups.nth(1)).to_contain_text("3000")
    panel = page.locator("#render-panel")
    page.click("#tab-sql")
    expect(panel).to_contain_text('(("price" < ?) OR ("price" > ?))')
    page.click("#tab-mongodb")
    expect(panel).to_contain_text('"$or"')
    page.click("#tab-elasticsearch")
    expect(panel).to_contain_text('"minimum_should_match": 1')


def test_api_error_is_shown(page, laptops):
    expect(page.locator("#catalog-select")).to_have_value("laptops")
    page.fill("#query-input", "x" * 600)
    page.click("#submit-btn")
    expect(page.locator("#error-box")).to_be_visible()
    expect(page.locator("#error-message")).to_contain_text("limit is 500")
    screenshot(page, "query-rejected")


def test_batch_page_runs_a_batch_to_completion(browser, api, frontend_url, laptops, redis_conn,
                                               live_settings):
    page = open_page(browser, api, f"{frontend_url}/batches.html")
    expect(page.locator("#batch-catalog option[value='laptops']")).to_have_count(1)
    page.select_option("#batch-catalog", "laptops")
    page.fill("#batch-texts", "\n".join(["silver dell ultrabook", "gaming laptops under $2000",
                                         "thinkpad or macbook", "", "a black chromebook"]))
    page.click("#batch-submit")
    expect(page.locator("#batch-status")).to_have_attribute("data-status", BatchStatus.QUEUED)
    drain(redis_conn, live_settings)
    expect(page.locator("#batch-status")).to_have_attribute("data-status", BatchStatus.FINISHED,
                                                            timeout=15_000)
    expect(page.locator("#batch-progress")).to_have_attribute("value", "100")
    expect(page.locator("#results-table tbody tr")).to_have_count(4, timeout=10_000)
    expect(page.locator("#results-table tbody tr").first).to_contain_text("Dell")
    expect(page.locator("#download-link")).to_have_attribute("href", re.compile("format=jsonl"))
    screenshot(page, "batch-finished")
    page.close()


def test_catalog_page_shows_errors_inline_and_indexing_status(browser, api, frontend_url,
                                                               laptops, redis_conn,
                                                               live_settings, tmp_path):
    page = open_page(browser, api, f"{frontend_url}/catalogs.html")
    expect(page.locator("#catalog-list-body tr[data-name='laptops']")).to_contain_text(
        CatalogStatus.READY)

    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "bikes",\n "fields": [\n  {"name": "size" "type": "enum"}]}')
    page.set_input_files("#catalog-file", str(broken))
    problems = page.locator("#catalog-problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("line 3")  # where the JSON breaks

    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"name": "bikes", "fields": [
        {"name": "size", "type": "enum"}, {"name": "price", "type": "money"}]}))
    page.set_input_files("#catalog-file", str(wrong))
    expect(page.locator("#catalog-name")).to_have_value("bikes")
    page.click("#catalog-save")
    expect(problems).to_contain_text("HTTP 422")  # the API's verdict, shown where it applies
    expect(problems).to_contain_text("fields")
    expect(page.locator("#catalog-json")).to_have_attribute("aria-invalid", "true")
    accessible(page)
    screenshot(page, "catalog-rejected")

    page.click("#catalog-example")
    page.fill("#catalog-name", "bikes")
    page.click("#catalog-save")
    expect(problems).to_be_hidden()
    saved_status = page.locator("#catalog-saved-status")
    expect(saved_status).to_have_attribute("data-status", CatalogStatus.INDEXING)
    drain(redis_conn, live_settings, stages=("embedding",))
    expect(saved_status).to_have_attribute("data-status", CatalogStatus.READY, timeout=15_000)
    expect(page.locator("#catalog-list-body tr[data-name='bikes']")).to_contain_text(
        CatalogStatus.READY)
    screenshot(page, "catalog-ready")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#catalog-list-body tr[data-name='bikes'] button:has-text('Delete')")
    expect(page.locator("#catalog-list-body tr[data-name='bikes']")).to_have_count(0)
    page.close()


def test_operations_page_shows_queues_charts_and_requeues(browser, api, frontend_url, laptops,
                                                          redis_conn, live_settings,
                                                          demo_catalog):
    # A query that fails for good: its catalog is deleted before the worker gets to it.
    doomed = {**demo_catalog, "name": "doomed"}
    assert requests.put(f"{api}/api/v1/catalogs/doomed", json=doomed, timeout=10).ok
    job_id = requests.post(f"{api}/api/v1/queries", timeout=10, json={
        "text": "dell laptop", "catalog": "doomed"}).json()["job_id"]
    requests.delete(f"{api}/api/v1/catalogs/doomed", timeout=10)
    done = requests.post(f"{api}/api/v1/queries", timeout=10, json={
        "text": "lenovo laptop", "catalog": "laptops"}).json()["job_id"]
    drain(redis_conn, live_settings)
    status = {j: requests.get(f"{api}/api/v1/jobs/{j}", timeout=10).json()["status"]
              for j in (job_id, done)}
    assert status == {job_id: JobStatus.FAILED, done: JobStatus.FINISHED}

    page = open_page(browser, api, f"{frontend_url}/operations.html")
    expect(page.locator("#queues-body tr")).to_have_count(6)
    expect(page.locator("#queues-body tr[data-queue='llm']")).to_be_visible()
    # The workers ran in burst mode and are gone: the page says so instead of guessing.
    expect(page.locator("#workers-llm")).to_have_attribute("data-count", "0")
    # This minute's completions are drawn as points of both charts.
    expect(page.locator("#throughput-chart circle.dot-llm")).not_to_have_count(0)
    expect(page.locator("#latency-chart circle.dot-embedding")).not_to_have_count(0)
    row = page.locator(f"#failed-body tr[data-job='{job_id}']")
    expect(row).to_contain_text("catalog_not_found")
    accessible(page)
    screenshot(page, "operations")
    row.locator("button").click()
    expect(page.locator("#failed-note")).to_contain_text("requeued")
    expect(row).to_have_count(0)
    requeued = requests.get(f"{api}/api/v1/jobs/{job_id}", timeout=10).json()
    assert requeued["status"] == JobStatus.QUEUED
    drain(redis_conn, live_settings)  # its catalog is still gone: it fails again, for good
    page.close()
