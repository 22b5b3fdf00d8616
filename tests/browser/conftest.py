"""Headless Chromium (Debian's package, driven by Playwright for Python) and a redirect
receiver: a real HTTP server on loopback that records what the browser brings back."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import artifacts_dir

CHROMIUM = os.environ.get("FINCH_SANDBOX_CHROMIUM", "/usr/bin/chromium")


class RedirectReceiver:
    """The application's redirect URI: answers a small page and keeps every query it got."""

    def __init__(self) -> None:
        received: list[dict[str, list[str]]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/callback":  # the browser's own asks (a favicon)
                    self.send_error(404)
                    return
                received.append(parse_qs(parts.query))
                body = b"<!doctype html><title>Back</title><h1>Back at the application</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/callback"

    def last(self) -> dict[str, str]:
        assert self.received, "the browser never came back to the redirect URI"
        return {k: v[0] for k, v in self.received[-1].items()}

    def __enter__(self) -> RedirectReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[RedirectReceiver]:
    with RedirectReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Module scope, not session: Playwright's sync API keeps an event loop running on this
    # thread while it is open, which would break later tests that call asyncio.run().
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


class Shots:
    """Screenshots of each step, named after the test, under tests/artifacts/<backend>/connect/."""

    def __init__(self, page: object, test_name: str) -> None:
        self.page = page
        self.prefix = re.sub(r"[^A-Za-z0-9_-]+", "_", test_name)
        self.n = 0
        self.folder = artifacts_dir("connect")

    def __call__(self, step: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.prefix}-{self.n:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[tuple[object, Shots]]:
    context = browser.new_context(viewport={"width": 900, "height": 900})  # type: ignore[attr-defined]
    opened = context.new_page()
    try:
        yield opened, Shots(opened, request.node.name)
    finally:
        context.close()
