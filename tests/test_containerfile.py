"""The Containerfile, checked statically (podman cannot start containers on this machine).

Rules in the spirit of hadolint (its rule ids in brackets), and this project's own: multi-stage
on python:3.10-slim, a user without privileges, no secret, the model baked in with its hash as a
label, a health check, one image with two commands; the build context holds only what the image
needs. The image's commands (`deploy/container.py`) are run for real against local servers.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

from deploy import container
from deploy.launcher import free_port
from tests.servers import running_action_server

ROOT = Path(__file__).resolve().parent.parent
CONTAINERFILE = ROOT / "Containerfile"
IGNORE = ROOT / ".containerignore"
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "PSEUDONYM_KEY", "AUTH", "REDIS_URL")


@dataclass(frozen=True)
class Instruction:
    stage: int  # index of the FROM it belongs to
    name: str
    args: str


def instructions() -> list[Instruction]:
    """The instructions, with continuation lines joined and comments dropped."""
    found: list[Instruction] = []
    stage = -1
    logical = ""
    for line in CONTAINERFILE.read_text().splitlines():
        stripped = line.strip()
        if not logical and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        logical += " " + stripped.removesuffix("\\").strip()
        if stripped.endswith("\\"):
            continue
        name, _, args = logical.strip().partition(" ")
        if name.upper() == "FROM":
            stage += 1
        found.append(Instruction(stage, name.upper(), args.strip()))
        logical = ""
    return found


def of(name: str, stage: int | None = None) -> list[Instruction]:
    return [i for i in instructions() if i.name == name and (stage is None or i.stage == stage)]


def runtime_stage() -> int:
    return len(of("FROM")) - 1


def test_instructions_are_upper_case_and_known() -> None:
    known = {"FROM", "ARG", "ENV", "LABEL", "RUN", "COPY", "WORKDIR", "USER", "EXPOSE",
             "HEALTHCHECK", "ENTRYPOINT", "CMD"}  # fmt: skip
    for line in CONTAINERFILE.read_text().splitlines():
        word = line.split(" ", 1)[0]
        if line and not line.startswith((" ", "#")):
            assert word in known, line


def test_multi_stage_on_a_pinned_python_3_10_slim() -> None:
    """[DL3006] a tagged base image, [DL3007] never `latest`; every stage named."""
    stages = of("FROM")
    assert len(stages) >= 2
    for stage in stages:
        image, _, name = stage.args.partition(" AS ")
        assert image == "python:3.10-slim", stage.args
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), stage.args
    copies_from = [i for i in of("COPY") if "--from=" in i.args]
    stage_names = {s.args.partition(" AS ")[2] for s in stages}
    assert copies_from and all(  # [DL3022] COPY --from a stage defined above
        re.search(r"--from=(\S+)", c.args).group(1) in stage_names  # type: ignore[union-attr]
        for c in copies_from
    )


def test_the_image_runs_as_a_numeric_user_without_privileges() -> None:
    """[DL3002] the last USER is not root; numeric, so Kubernetes can check runAsNonRoot."""
    users = of("USER", runtime_stage())
    assert users, "no USER in the runtime stage"
    uid, _, gid = users[-1].args.partition(":")
    assert uid.isdigit() and int(uid) >= 1000 and (not gid or int(gid) >= 1000)
    last = max(i for i, step in enumerate(instructions()) if step.name == "RUN")
    assert instructions().index(users[-1]) > last  # nothing runs as root after it


def test_copy_not_add_pip_without_cache_and_an_absolute_workdir() -> None:
    """[DL3020] COPY, not ADD; [DL3042] pip --no-cache-dir; [DL3000] absolute WORKDIR;
    [DL3008/DL3009] apt-get only with --no-install-recommends and its lists removed."""
    assert of("ADD") == []
    for run in of("RUN"):
        for command in run.args.split("&&"):
            if "pip install" in command:
                assert "--no-cache-dir" in command, command
            if "apt-get install" in command:
                assert "--no-install-recommends" in command, command
        if "apt-get" in run.args:
            assert "rm -rf /var/lib/apt/lists" in run.args
    assert all(w.args.startswith("/") for w in of("WORKDIR"))


def test_exec_form_for_cmd_entrypoint_and_healthcheck() -> None:
    """[DL3025] JSON arguments, so signals reach the server (it is PID 1's child via exec)."""
    (entrypoint,) = of("ENTRYPOINT")
    (cmd,) = of("CMD")
    assert json.loads(entrypoint.args) == ["python", "-m", "deploy.container"]
    assert json.loads(cmd.args) == ["rasa"]
    (health,) = of("HEALTHCHECK")
    options, _, command = health.args.partition(" CMD ")
    assert json.loads(command) == ["python", "-m", "deploy.container", "healthcheck"]
    for option in ("--interval=", "--timeout=", "--start-period=", "--retries="):
        assert option in options


def test_no_secret_is_built_in() -> None:
    """No secret-looking ARG, ENV or LABEL; no .env copied; settings come at run time."""
    for step in of("ARG") + of("ENV") + of("LABEL"):
        names = re.findall(r"([A-Za-z_][A-Za-z0-9_.-]*)=", step.args) or [step.args.split()[0]]
        for name in names:
            assert not any(word in name.upper() for word in SECRET_WORDS), step.args
    assert ".env" not in " ".join(c.args for c in of("COPY"))
    env = " ".join(e.args for e in of("ENV"))
    assert "LOG_LEVEL=INFO" in env and "DEBUG" not in env  # Rasa's DEBUG logs print messages


def test_the_model_is_baked_in_with_its_hash_as_a_label_and_checked_at_build() -> None:
    runtime = runtime_stage()
    assert [a.args for a in of("ARG", runtime)] == ["MODEL_HASH"]
    labels = " ".join(label.args for label in of("LABEL", runtime))
    assert 'org.relais.model-hash="${MODEL_HASH}"' in labels
    assert any(c.args == "models/relais-${MODEL_HASH}.tar.gz models/" for c in of("COPY"))
    checks = " ".join(r.args for r in of("RUN", runtime))
    assert 'test "$(python -m bot.modelhash)" = "${MODEL_HASH}"' in checks
    assert "RELAIS_MODEL=/app/models/relais-${MODEL_HASH}.tar.gz" in " ".join(
        e.args for e in of("ENV", runtime)
    )


def test_the_build_installs_the_pinned_set_and_keeps_packaging_below_21() -> None:
    (build,) = [r for r in of("RUN", 0) if "requirements.lock" in r.args]
    assert "-r /tmp/requirements.lock" in build.args
    assert "packaging.__version__ < '21'" in build.args


def ignore_rules() -> list[str]:
    lines = IGNORE.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def in_context(path: str) -> bool:
    """Whether the allow-list `.containerignore` keeps `path` (the last matching rule wins)."""
    kept = True
    for rule in ignore_rules():
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatchcase(p, pattern) for p in prefixes) or (
            pattern.startswith("**/") and fnmatch.fnmatchcase(parts[-1], pattern[3:])
        ):
            kept = negate
    return kept


def copy_sources() -> list[str]:
    sources = []
    for step in of("COPY"):
        words = [w for w in shlex.split(step.args) if not w.startswith("--")]
        if "--from=" not in step.args:
            sources += words[:-1]
    return sources


def test_the_image_holds_every_package_the_two_processes_import() -> None:
    """`rasa_sdk_plugins` above all: without it the action server would bind loopback and log
    unredacted, silently (rasa_sdk imports it only if it is there)."""
    for package in ("bot", "actions", "channels", "extensions", "rasa_sdk_plugins"):
        assert f"{package}/" in copy_sources(), package


def test_the_build_context_holds_what_the_image_copies_and_nothing_secret() -> None:
    assert ignore_rules()[0] == "*"  # an allow-list
    for source in copy_sources():
        path = source.replace("${MODEL_HASH}", "0123456789abcdef").rstrip("/")
        assert in_context(path), source
        if "${MODEL_HASH}" not in source:
            assert (ROOT / source).exists(), source
    for private in (".env", ".venv/bin/python", ".git/config", "tests/conftest.py",
                    "results/core/x", "bench/results.json", "models/other.tar.gz",
                    "bot/__pycache__/x.pyc", ".venv-tools/bin/python"):  # fmt: skip
        assert not in_context(private), private


def test_every_module_the_servers_load_is_in_the_image() -> None:
    copied = {s.rstrip("/").removesuffix(".py") for s in copy_sources()}
    modules = list(yaml.safe_load((ROOT / "credentials.yml").read_text()))
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    modules += [v["type"] for v in endpoints.values() if isinstance(v, dict) and "type" in v]
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    modules += [c["name"] for c in config["pipeline"] + config["policies"] if "." in c["name"]]
    assert modules
    for module in modules:
        package = module.split(".")[0]
        assert package in copied, module
    # the image's commands, and the launcher they are built by
    assert {"deploy/container", "deploy/launcher", "deploy/__init__"} <= copied
    assert "actions" in copied  # the action server's package


def test_the_ports_the_commands_use_are_exposed() -> None:
    (expose,) = of("EXPOSE")
    assert {str(container.RASA_PORT), str(container.ACTION_PORT), "9102"} == set(
        expose.args.split()
    )


def test_the_rasa_command_serves_the_baked_model_on_every_interface_with_cors() -> None:
    env = {"RELAIS_MODEL": "/app/models/relais-x.tar.gz",
           "WEBCHAT_ALLOWED_ORIGINS": "https://a.example.org, https://b.example.org"}  # fmt: skip
    command = container.rasa_command(env)
    assert command[1:4] == ["-m", "rasa", "run"]
    assert "--enable-api" not in command  # Rasa's HTTP API stays off
    assert command[command.index("--model") + 1] == "/app/models/relais-x.tar.gz"
    assert command[command.index("--interface") + 1] == "0.0.0.0"
    assert command[command.index("--cors") + 1 :] == ["https://a.example.org",
                                                      "https://b.example.org"]  # fmt: skip
    assert container.actions_command({})[1:] == [
        "-m", "rasa_sdk", "--actions", "actions", "--port", str(container.ACTION_PORT)
    ]  # fmt: skip


def test_an_unknown_command_is_refused() -> None:
    assert container.main(["shell"]) == 2


def test_the_healthcheck_fails_when_nothing_answers_and_passes_on_a_real_action_server() -> None:
    nothing = {"HEALTHCHECK_RASA_PORT": str(free_port()),
               "HEALTHCHECK_ACTION_PORT": str(free_port())}  # fmt: skip
    assert container.healthcheck(nothing, timeout=1) == 1
    with running_action_server() as actions:
        env = {"HEALTHCHECK_RASA_PORT": str(free_port()),
               "HEALTHCHECK_ACTION_PORT": str(actions.port)}  # fmt: skip
        assert container.healthcheck(env, timeout=2) == 0
