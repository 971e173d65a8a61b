"""A local fake of the Telegram Bot API, for PTB's real `Bot` (pointed at it with base_url).

It records every method call (name and parameters) and answers like Telegram does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from deploy.launcher import free_port


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # a burst of webhooks sends at once, as Telegram's API takes them
    daemon_threads = True


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failing = False  # sendMessage answers 500 while True
        self.floods: dict[int, tuple[int, int]] = {}  # chat -> (sendMessage 429s left, retry_after)
        self._lock = threading.Lock()
        self.port = free_port()
        self._server = _Server(("127.0.0.1", self.port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeTelegram:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @contextmanager
    def failing_send(self) -> Iterator[None]:
        """`sendMessage` answers 500 inside the block, as when Telegram's API is down."""
        self.failing = True
        try:
            yield
        finally:
            self.failing = False

    @contextmanager
    def flooding(self, chat: int, times: int, retry_after: int = 1) -> Iterator[None]:
        """The next `times` `sendMessage` calls to `chat` get Telegram's flood-control answer
        (429 with `retry_after` seconds), inside the block."""
        self.floods[chat] = (times, retry_after)
        try:
            yield
        finally:
            self.floods.pop(chat, None)

    def _flooded(self, params: dict[str, Any]) -> int | None:
        """The retry delay to answer with, if this sendMessage call is flooded."""
        with self._lock:
            chat = int(params.get("chat_id", 0))
            left, retry_after = self.floods.get(chat, (0, 0))
            if left <= 0:
                return None
            self.floods[chat] = (left - 1, retry_after)
            return retry_after

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                params
                for name, params in self.calls
                if name == method and (chat_id is None or int(params.get("chat_id", 0)) == chat_id)
            ]

    def wait_for(self, method: str, chat_id: int, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.sent(method, chat_id)) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    def _record(self, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append((method, params))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                method = self.path.rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                params = _params(raw, self.headers.get("Content-Type") or "")
                fake._record(method, params)
                if method == "sendMessage" and fake.failing:
                    self._answer(500, {"ok": False, "error_code": 500, "description": "down"})
                    return
                retry_after = fake._flooded(params) if method == "sendMessage" else None
                if retry_after is not None:
                    description = f"Too Many Requests: retry after {retry_after}"
                    self._answer(429, {"ok": False, "error_code": 429, "description": description,
                                       "parameters": {"retry_after": retry_after}})  # fmt: skip
                    return
                self._answer(200, {"ok": True, "result": _result(method, params)})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _params(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        loaded: dict[str, Any] = json.loads(raw)
        return loaded
    params: dict[str, Any] = {}
    for key, values in parse_qs(raw).items():
        value = values[0]
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _result(method: str, params: dict[str, Any]) -> Any:
    if method == "getMe":
        return {"id": 1, "is_bot": True, "first_name": "Relais", "username": "relais_test_bot"}
    if method == "sendMessage":
        return {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
            "text": str(params.get("text", "")),
        }
    return True
