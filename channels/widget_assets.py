"""The widget's files, served by the web chat connector with validators and caching.

- `widget.js`: the loader a publisher's page includes. It adds a launcher button and, on first
  open, an `<iframe>` of `frame`: the conversation never lives in the host page.
- `frame`: the chat page, rendered once per process from `static/frame.html` with what the
  frame must not type itself (`frame_config`): the fail-safe text of `data/content/failsafe.yml`,
  the emergency numbers of `data/helplines.yml` (by topic), the erase commands of
  `data/commands.yml`. Its assets have versioned URLs (`frame.js?v=<hash>`).
- `demo` (an article with the widget) and `neutral` (where "Quitter vite" lands by default).

Every answer carries an `ETag` (a hash of the body) and `Last-Modified`; a matching
`If-None-Match` (or, without one, `If-Modified-Since`) gets a 304. A versioned URL whose version
matches is cached for a year (`immutable`); the loader's plain URL for 5 minutes, then
revalidated; the pages are revalidated every time (`no-cache`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.commands import default_commands_path, load_commands
from bot.content import default_content_dir, load_content
from bot.directory import Directory, default_directory_path
from bot.render import default_numbers, render_web

__all__ = ["ASSETS", "Asset", "WidgetFiles", "frame_config"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
HTML = "text/html; charset=utf-8"
IMMUTABLE = "public, max-age=31536000, immutable"
LOADER = "public, max-age=300"
REVALIDATE = "no-cache"

# route name -> (file, content type, Cache-Control of its plain URL)
ASSETS = {
    "widget.js": ("widget.js", JS, LOADER),
    "frame.js": ("frame.js", JS, REVALIDATE),
    "frame.css": ("frame.css", CSS, REVALIDATE),
    "page.css": ("page.css", CSS, REVALIDATE),
    "demo": ("demo.html", HTML, REVALIDATE),
    "neutral": ("neutral.html", HTML, REVALIDATE),
}
FRAME_TEMPLATE = "frame.html"
# The numbers the frame's header and subtitle show, by the topic that picks them in the directory.
HEADER_TOPICS = ("emergency", "silent", "suicide")
ERASE_INTENT = "erase"


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str
    last_modified: float  # seconds since the epoch, whole seconds

    @property
    def version(self) -> str:
        return self.etag.strip('"')[:12]

    @classmethod
    def of(cls, body: bytes, content_type: str, mtime: float) -> Asset:
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return cls(body, content_type, etag, float(int(mtime)))


def frame_config() -> dict[str, Any]:
    """What the frame shows that must come from data: fail-safe text, header numbers, commands."""
    directory = Directory.from_file()
    hrefs = default_numbers().hrefs
    numbers: dict[str, dict[str, str]] = {}
    for topic in HEADER_TOPICS:
        line = directory.first_with_topic(topic)
        if line is None or line.phone is None or line.phone not in hrefs:
            raise ValueError(f"data/helplines.yml has no line with a number for topic {topic!r}")
        numbers[topic] = {"text": line.phone, "href": hrefs[line.phone]}
    failsafe = render_web([{"text": load_content().failsafe}])[0]
    erase = load_commands().commands_for(ERASE_INTENT)
    return {
        "failsafe": {"text": failsafe["text"], "links": failsafe.get("links", [])},
        "numbers": numbers,
        "erase": {"commands": erase, "payload": "/" + ERASE_INTENT},
    }


def _script_json(value: Any) -> str:
    """JSON safe inside a `<script type="application/json">` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class WidgetFiles:
    """The widget's files, read on first use and again when a file changes on disk."""

    def asset(self, name: str) -> Asset:
        filename, content_type, _ = ASSETS[name]
        path = STATIC_DIR / filename
        return _read(path, content_type, path.stat().st_mtime_ns)

    def frame(self) -> Asset:
        parts = [STATIC_DIR / FRAME_TEMPLATE, STATIC_DIR / "frame.js", STATIC_DIR / "frame.css"]
        data = [default_directory_path(), default_commands_path(), default_content_dir()]
        stamp = max(path.stat().st_mtime_ns for path in [*parts, *data])
        return _frame(self.asset("frame.js").version, self.asset("frame.css").version, stamp)

    def answer(
        self, request: Request, asset: Asset, plain_cache: str, headers: dict[str, str]
    ) -> HTTPResponse:
        """The asset, or a 304 when the browser's copy is current."""
        version = request.args.get("v")
        cache = IMMUTABLE if version == asset.version else plain_cache
        if version is not None and version != asset.version:
            cache = REVALIDATE  # an old or unknown version: the current file, not for a year
        out = {
            **headers,
            "Cache-Control": cache,
            "ETag": asset.etag,
            "Last-Modified": formatdate(asset.last_modified, usegmt=True),
        }
        if _not_modified(request, asset):
            return HTTPResponse(status=304, headers=out)
        return response.raw(asset.body, content_type=asset.content_type, headers=out)


@lru_cache(maxsize=32)
def _read(path: Path, content_type: str, mtime_ns: int) -> Asset:
    return Asset.of(path.read_bytes(), content_type, mtime_ns / 1e9)


@lru_cache(maxsize=4)
def _frame(js_version: str, css_version: str, mtime_ns: int) -> Asset:
    template = (STATIC_DIR / FRAME_TEMPLATE).read_text(encoding="utf-8")
    html = (
        template.replace("{{js_version}}", js_version)
        .replace("{{css_version}}", css_version)
        .replace("{{config}}", _script_json(frame_config()))
    )
    return Asset.of(html.encode("utf-8"), HTML, mtime_ns / 1e9)


def _not_modified(request: Request, asset: Asset) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in match.split(",")]
        return "*" in tags or asset.etag in tags
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(since).timestamp() >= asset.last_modified
    except (TypeError, ValueError, OverflowError):
        return False
