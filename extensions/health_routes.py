"""`GET /health/live` and `GET /health/ready` on the Rasa server, for probes and load balancers.

`rasa run` adds routes only through input channels, so this is one in `credentials.yml` that
reads no message: its URL prefix is `/health` instead of `/webhooks/health`.

- `/health/live`: 200 while the process serves HTTP (liveness: restart it if this fails).
- `/health/ready`: 200 `{"status": "ready", "checks": {...}}` when the model is loaded, Redis
  answers (when `REDIS_URL` is set) and the action server answers; else 503 with the failing
  checks (readiness: send no traffic here while a ready replica exists). See `bot/health.py`.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.health import HttpCheck, Readiness, RedisCheck, action_health_url
from bot.settings import load_settings

__all__ = ["HealthRoutes"]


class HealthRoutes(InputChannel):  # type: ignore[misc]
    @classmethod
    def name(cls) -> str:
        return "health"

    def url_prefix(self) -> str:
        return "/health"  # absolute: Rasa joins it to "/webhooks/" and keeps it as is

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> HealthRoutes:
        return cls()

    def __init__(self) -> None:
        self._readiness: Readiness | None = None
        self._closers: list[Callable[[], Awaitable[None]]] = []

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        routes = Blueprint("relais_health", __name__)

        @routes.route("/live", methods=["GET"])
        async def live(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @routes.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            checks = await self._readiness_of(request.app).check()
            passed = all(checks.values())
            return response.json(
                {
                    "status": "ready" if passed else "not ready",
                    "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
                },
                status=200 if passed else 503,
                headers={"Cache-Control": "no-store"},
            )

        @routes.listener("after_server_stop")
        async def close(_: Sanic, __: Any) -> None:
            for closer in self._closers:
                await closer()

        return routes

    def _readiness_of(self, app: Sanic) -> Readiness:
        """Built on the first probe, once the server runs (the agent is loaded at start)."""
        if self._readiness is None:

            async def model() -> bool:
                agent = getattr(app.ctx, "agent", None)
                return agent is not None and bool(agent.is_ready())

            checks: dict[str, Callable[[], Awaitable[bool]]] = {"model": model}
            redis_url = load_settings().redis_url
            if redis_url:
                redis = RedisCheck(redis_url)
                checks["redis"] = redis
                self._closers.append(redis.close)
            endpoint = getattr(getattr(app.ctx, "agent", None), "action_endpoint", None)
            webhook = getattr(endpoint, "url", None) or os.environ.get("ACTION_ENDPOINT_URL", "")
            actions = HttpCheck(action_health_url(webhook))
            checks["actions"] = actions
            self._closers.append(actions.close)
            self._readiness = Readiness(checks)
        return self._readiness
