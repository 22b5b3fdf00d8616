"""GET / and the API docs at /_docs, which must work with no network at all.

The docs test drives Debian's chromium (headless, through Playwright) with every request that
leaves loopback aborted, and writes a screenshot to tests/artifacts/<backend>/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import httpx
import pytest

from finch_sandbox import __version__
from finch_sandbox.testing import ThreadedServer
from tests.conftest import artifacts_dir

CHROMIUM = os.environ.get("FINCH_SANDBOX_TEST_CHROMIUM", "/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def test_home_answers_json_with_links(raw: httpx.Client, server: ThreadedServer) -> None:
    response = raw.get("/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "finch-sandbox" and body["version"] == __version__
    assert "emulator of the Finch HRIS API" in body["about"]
    assert body["links"] == {
        "docs": f"{server.base_url}/_docs",
        "openapi": f"{server.base_url}/_openapi.json",
        "providers": f"{server.base_url}/providers",
    }
    for url in body["links"].values():
        assert raw.get(url).status_code == 200, url


def test_home_is_a_page_for_a_browser(raw: httpx.Client, server: ThreadedServer) -> None:
    response = raw.get("/", headers={"accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for path in ("/_docs", "/_openapi.json", "/providers"):
        assert f'href="{server.base_url}{path}"' in response.text


def test_docs_load_nothing_from_outside(raw: httpx.Client) -> None:
    page = raw.get("/_docs").text
    assert "cdn" not in page.lower() and "https://" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"):
        assert f"/_docs/assets/{asset}" in page
        assert raw.get(f"/_docs/assets/{asset}").status_code == 200


def test_docs_render_the_operations_with_the_network_unreachable(
    server: ThreadedServer,
) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    from playwright.sync_api import Route, sync_playwright

    blocked: list[str] = []

    def offline(route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    shot = artifacts_dir() / "docs.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2200})
            page.route("**/*", offline)
            failed: list[str] = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(f"{server.base_url}/_docs", wait_until="networkidle")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock-summary-path").all_inner_texts()
            title = page.locator(".info .title").inner_text()
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    print(f"\nscreenshot of /_docs: {shot}")
    assert blocked == [], "the docs page asked for something off this machine"
    assert failed == []
    assert "finch-sandbox" in title
    paths = {p.replace("\u200b", "").strip() for p in operations}
    for expected in ("/employer/directory", "/sandbox/connections", "/jobs/automated"):
        assert expected in paths, sorted(paths)
    assert shot.stat().st_size > 10_000
