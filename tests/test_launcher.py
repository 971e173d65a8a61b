"""The launcher (`deploy/launcher.py`) and what `make run` reads: settings that fail fast, the
newest model, one origins parser, parts that start, answer, fail and stop. No Rasa server here:
the served stack's tests start theirs through the same launcher."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.settings import DEMO_ORIGINS, SettingsError, load_settings
from bot.trained_model import NoModelError, find_newest_model, newest_model
from deploy import run
from deploy.launcher import (
    Part,
    StartError,
    allowed_origins,
    check_free,
    free_port,
    rasa_command,
    start_stages,
    supervise,
    wait_ready,
)
from deploy.run import local_settings

ROOT = Path(__file__).resolve().parent.parent


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_make_run_defaults_to_rasa_ports_and_its_own_page() -> None:
    assert local_settings({}) == run.LocalSettings(
        port=5005,
        action_port=5055,
        action_url="http://127.0.0.1:5055/webhook",
        origins=DEMO_ORIGINS,
    )


def test_make_run_reads_the_same_variables_as_before() -> None:
    env = {
        "RASA_PORT": "5905",
        "ACTION_PORT": "5955",
        "WEBCHAT_ALLOWED_ORIGINS": " https://a.example.org/, http://127.0.0.1:5905",
    }
    settings = local_settings(env)
    assert (settings.port, settings.action_port) == (5905, 5955)
    assert settings.action_url == "http://127.0.0.1:5955/webhook"
    assert settings.origins == ("https://a.example.org", "http://127.0.0.1:5905")
    assert local_settings({**env, "ACTION_ENDPOINT_URL": "http://x:1/webhook"}).action_url == (
        "http://x:1/webhook"
    )
    assert local_settings({"RASA_PORT": "5905"}).origins == (
        "http://127.0.0.1:5905",
        "http://localhost:5905",
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("RASA_PORT", "abc"), ("ACTION_PORT", "70000"), ("WEBCHAT_ALLOWED_ORIGINS", "example.org")],
)
def test_make_run_names_the_variable_that_is_wrong(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        local_settings({name: value})
    assert raised.value.problems[0].startswith(name)


def test_make_run_stops_before_starting_anything_when_a_setting_is_wrong(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run.main({"RASA_PORT": "abc"}) == 1
    assert capsys.readouterr().err.startswith("make run: RASA_PORT must be a port number")


def test_the_web_chat_and_the_launchers_read_the_origins_alike() -> None:
    raw = "https://a.example.org/ , https://b.example.org"
    env = {"WEBCHAT_ALLOWED_ORIGINS": raw}
    assert allowed_origins(env, 5005) == load_settings(env).webchat_allowed_origins
    assert allowed_origins({}, 5005) == load_settings({}).webchat_allowed_origins
    command = rasa_command("m.tar.gz", 5005, allowed_origins(env, 5005))
    assert command[command.index("--cors") + 1 :] == [
        "https://a.example.org",
        "https://b.example.org",
    ]
    production = {"RELAIS_MODE": "production", "WEBCHAT_ALLOWED_ORIGINS": "http://a.example.org"}
    with pytest.raises(SettingsError):
        allowed_origins(production, 5005)


def test_the_newest_model_is_the_last_one_made_or_touched(tmp_path: Path) -> None:
    assert find_newest_model(tmp_path) is None
    with pytest.raises(NoModelError, match="make train"):
        newest_model(tmp_path)
    old, new = tmp_path / "relais-a.tar.gz", tmp_path / "relais-b.tar.gz"
    for age, path in ((100, new), (0, old)):
        path.write_bytes(b"")
        os.utime(path, (time.time() - age, time.time() - age))
    assert newest_model(tmp_path) == old  # `make train` touches the model that is up to date


def test_a_taken_port_is_named() -> None:
    port = free_port()
    check_free(port, "set RASA_PORT")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        with pytest.raises(StartError, match=f"port {port} is taken \\(set RASA_PORT\\)"):
            check_free(port, "set RASA_PORT")


def test_a_part_that_exits_while_starting_is_reported_with_its_log(tmp_path: Path) -> None:
    code = "print('no model'); raise SystemExit(3)"
    part = Part("broken", python(code), "http://127.0.0.1:9/never", tmp_path / "b.log")
    part.start()
    with pytest.raises(StartError) as raised:
        wait_ready([part], 30)
    assert "broken exited with status 3 while starting" in str(raised.value)
    assert "no model" in str(raised.value)


def test_a_part_is_ready_when_its_file_appears_and_stops_on_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    code = f"import pathlib, time; pathlib.Path({str(ready)!r}).touch(); time.sleep(60)"
    part = Part("writer", python(code), ready.as_uri(), tmp_path / "w.log")
    part.start()
    wait_ready([part], 30)
    assert part.stop(timeout=10) == -15  # SIGTERM
    assert part.exited() == -15


def test_the_launcher_stops_the_rest_when_one_part_dies(tmp_path: Path) -> None:
    lasting = Part("lasting", python("import time; time.sleep(60)"), "", tmp_path / "l.log")
    dying = Part("dying", python("import time; time.sleep(1)"), "", tmp_path / "d.log")
    assert start_stages([([lasting, dying], 30)], "test") is None
    assert supervise([lasting, dying], "test") == 1
    assert (lasting.exited(), dying.exited()) == (-15, 0)


def test_a_stage_that_does_not_start_stops_what_started(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = Part("first", python("import time; time.sleep(60)"), "", tmp_path / "f.log")
    second = Part("second", ["/nonexistent/binary"], "", tmp_path / "s.log")
    assert start_stages([([first], 30), ([second], 30)], "test") == 1
    assert first.exited() == -15
    said = capsys.readouterr().err
    assert "test: could not start: second: cannot run /nonexistent/binary" in said


def test_the_domain_core_never_imports_the_launcher() -> None:
    """Dependencies point inward: deploy/, tests/ and bench/ use bot/, never the reverse."""
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] in ("deploy", "tests", "bench") for n in names), path


def test_the_parts_of_a_launcher_killed_outright_stop_too(tmp_path: Path) -> None:
    """A launcher that gets SIGKILL cannot stop its parts: the kernel sends them SIGTERM."""
    code = "\n".join(
        [
            "import sys, time",
            "from pathlib import Path",
            "from deploy.launcher import Part",
            "sleep = [sys.executable, '-c', 'import time; time.sleep(60)']",
            f"part = Part('sleeper', sleep, '', Path({str(tmp_path / 'sleeper.log')!r}))",
            "part.start()",
            "print(part.pid, flush=True)",
            "time.sleep(60)",
        ]
    )
    launcher = subprocess.Popen(python(code), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert launcher.stdout is not None
    part_pid = int(launcher.stdout.readline())
    launcher.kill()
    launcher.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(part_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(part_pid)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie (dead, not yet reaped) is gone
