"""Browser tests' shared parts: Debian's Chromium, a publisher's site on its own origin, axe-core.

The publisher's site is a real HTTP server on another loopback port (so another origin than the
Relais server), serving pages a test gives it, with the headers it gives (a CSP, say).
"""

from __future__ import annotations

import gzip
import json
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import redis
from playwright.sync_api import Browser, Frame, Page, sync_playwright

from bot.privacy import pseudonymise
from bot.settings import load_settings
from tests.conftest import REDIS_KEY_PREFIX, Stack

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / ".artifacts"
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def chat_frame(page: Page, timeout: float = 15_000) -> Frame:
    """The chat's frame once its input is there (the loader creates it on first open)."""
    page.wait_for_selector("#relais-frame", state="attached", timeout=timeout)
    handle = page.query_selector("#relais-frame")
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    frame.wait_for_selector("#relais-input", timeout=timeout)
    return frame


def talk(page: Page, text: str) -> str:
    """Types `text` in the chat, waits for the reply; returns what the frame shows."""
    frame = chat_frame(page)
    frame.wait_for_function(IDLE, timeout=30_000)  # the greeting is in
    frame.fill("#relais-input", text)
    frame.press("#relais-input", "Enter")  # the chat is busy from here until the reply is in
    frame.wait_for_function(IDLE, timeout=30_000)
    return str(frame.inner_text("#relais-log"))


# Functions, not expressions: the frame's CSP (no 'unsafe-eval') refuses Playwright's eval.
IDLE = (
    "() => document.querySelector('.relais-msg-bot')"
    " && document.querySelector('#relais-log').getAttribute('aria-busy') === 'false'"
)


def gzip_size(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=9))


@dataclass
class Publisher:
    """A publisher's site: `pages[path] = (body, content type, extra headers)`."""

    port: int
    pages: dict[str, tuple[bytes, str, dict[str, str]]] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, path: str, body: str, content_type: str = "text/html", **headers: str) -> str:
        self.pages[path] = (body.encode(), f"{content_type}; charset=utf-8", dict(headers))
        return self.origin + path


@contextmanager
def publisher_site(port: int) -> Iterator[Publisher]:
    site = Publisher(port)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            body, content_type, headers = site.pages.get(
                self.path.split("?")[0], (b"not found", "text/plain", {})
            )
            self.send_response(200 if self.path.split("?")[0] in site.pages else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def axe_violations(target: Page | Frame, context: str | None = None) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations in a page or a frame (WCAG 2.x A and AA)."""
    target.evaluate(AXE.read_text(encoding="utf-8"))
    options = {
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "iframes": False,
        "resultTypes": ["violations"],
    }
    script = f"axe.run({json.dumps(context) if context else 'document'}, {json.dumps(options)})"
    results = target.evaluate(script)
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"]],
        }
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def assert_erased(stack: Stack, sender: str, timeout: float = 10.0) -> None:
    """The server holds no key of this widget's person (the exit asked it to erase)."""
    person = pseudonymise(load_settings({}).pseudonym_key, "webchat", sender)
    client = redis.Redis.from_url(stack.redis.url, decode_responses=True)
    deadline = time.monotonic() + timeout
    keys: list[str] = []
    while time.monotonic() < deadline:
        keys = [k for k in client.scan_iter(f"{REDIS_KEY_PREFIX}:*") if k.endswith(":" + person)]
        if not keys:
            return
        time.sleep(0.2)
    raise AssertionError(f"still stored: {keys}")
