"""The web UI in a real headless Chromium against the real stack."""
from __future__ import annotations

import functools
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import ROOT
from tests.integration.conftest import drain

pytestmark = pytest.mark.integration
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


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


@pytest.fixture
def page(browser, api, frontend_url):
    page = browser.new_page()
    # The page finds the API through config.js; point it at this test's backend.
    page.route("**/config.js", lambda route: route.fulfill(
        body=f'window.NLP2F_API_BASE = "{api}";', content_type="application/javascript"))
    page.goto(frontend_url)
    yield page
    page.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_query_shows_status_and_filter_chips(page, laptops, redis_conn, live_settings):
    expect(page.locator("#catalog-select")).to_have_value("laptops")
    expect(page.locator("#catalog-fields-body tr")).to_have_count(13)
    page.fill("#query-input", "silver Dell ultrabook")
    page.click("#submit-btn")
    expect(page.locator("#job-status")).to_have_attribute("data-status", "queued")
    drain(redis_conn, live_settings)
    expect(page.locator("#job-status")).to_have_attribute("data-status", "finished",
                                                          timeout=15_000)
    chip = page.locator("#filter-chips li.chip[data-field='brand']")
    expect(chip).to_contain_text("Dell")
    expect(page.locator("#raw-json")).to_contain_text('"catalog": "laptops"')
    screenshot(page, "query-finished")


def test_api_error_is_shown(page, laptops):
    expect(page.locator("#catalog-select")).to_have_value("laptops")
    page.fill("#query-input", "x" * 600)
    page.click("#submit-btn")
    expect(page.locator("#error-box")).to_be_visible()
    expect(page.locator("#error-message")).to_contain_text("limit is 500")
    screenshot(page, "query-rejected")


def test_batch_page_runs_a_batch_to_completion(browser, api, frontend_url, laptops, redis_conn,
                                               live_settings):
    page = browser.new_page()
    page.route("**/config.js", lambda route: route.fulfill(
        body=f'window.NLP2F_API_BASE = "{api}";', content_type="application/javascript"))
    page.goto(f"{frontend_url}/batches.html")
    expect(page.locator("#batch-catalog option[value='laptops']")).to_have_count(1)
    page.select_option("#batch-catalog", "laptops")
    page.fill("#batch-texts", "\n".join(["silver dell ultrabook", "gaming laptops under $2000",
                                         "thinkpad or macbook", "", "a black chromebook"]))
    page.click("#batch-submit")
    expect(page.locator("#batch-status")).to_have_attribute("data-status", "queued")
    drain(redis_conn, live_settings)
    expect(page.locator("#batch-status")).to_have_attribute("data-status", "finished",
                                                            timeout=15_000)
    expect(page.locator("#batch-progress")).to_have_attribute("value", "100")
    expect(page.locator("#results-table tbody tr")).to_have_count(4, timeout=10_000)
    expect(page.locator("#results-table tbody tr").first).to_contain_text("Dell")
    expect(page.locator("#download-link")).to_have_attribute("href", re.compile("format=jsonl"))
    screenshot(page, "batch-finished")
    page.close()
