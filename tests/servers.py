"""Real processes for tests: a free loopback port, an action server, waiting for readiness."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


@contextmanager
def action_server(package: str = "actions") -> Iterator[str]:
    """Starts `rasa run actions --actions <package>`; yields its webhook URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", package, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/health")
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def rasa_server(
    action_url: str, model: Path, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Starts `rasa run` with our credentials and endpoints; yields its base URL."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_ENDPOINT_URL": action_url,
        "LOG_LEVEL": "INFO",
        "WEBCHAT_ALLOWED_ORIGINS": origin,
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "rasa", "run", "--model", str(model),
        "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
        "--interface", "127.0.0.1", "--port", str(port), "--cors", origin,
    ]  # fmt: skip
    log_dir = ROOT / "tests" / ".artifacts"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / f"rasa-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_http(f"http://127.0.0.1:{port}/", timeout=180)
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            process.terminate()
            process.wait(timeout=30)
