"""The layout holds: each folder imports only what its job allows (docs/architecture.md).

- `bot/` (domain decisions and facts) imports neither Rasa, the SDK, Sanic nor any outer folder;
- `actions/` imports `bot/` and the Rasa SDK, never Rasa itself, `extensions/`, `channels/` or
  `deploy/`;
- `channels/` never imports the actions, the launcher or the bench.

Read with `ast` from every module of the project: imports at any place in a file (inside a
function too), relative imports resolved, and `import_module("...")` with a literal name.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import pytest

from tests.conftest import ROOT

# Every top-level folder that holds Python, and what the layers may not import.
FOLDERS: Final = frozenset(
    {"actions", "bench", "bot", "channels", "deploy", "extensions", "rasa_sdk_plugins", "tests"}
)
FORBIDDEN: Final[Mapping[str, frozenset[str]]] = {
    "bot": frozenset(
        {
            "rasa",
            "rasa_sdk",
            "sanic",
            "extensions",
            "actions",
            "channels",
            "deploy",
            "bench",
            "tests",
            "rasa_sdk_plugins",
        }
    ),
    "actions": frozenset({"extensions", "channels", "deploy", "rasa"}),
    "channels": frozenset({"actions", "deploy", "bench"}),
}
# The one published entry point that crosses a layer: `python -m bot.triage` is the evaluation
# command the design names (../shared/design/ARCHITECTURE.md), so `bot/triage.py` hands its
# `__main__` over to the command in `extensions/`; nothing else of `bot/` loads Rasa.
PUBLISHED_COMMANDS: Final = frozenset({("bot/triage.py", "extensions.triage_cli")})
SKIPPED_DIRS: Final = frozenset({"node_modules", "__pycache__", "models", "results"})


def project_files(root: Path = ROOT) -> list[Path]:
    """Every `.py` file of the project, relative to `root`: no hidden folder (`.venv*`, `.git`,
    caches), no `node_modules`."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        found += [Path(folder, name).relative_to(root) for name in files if name.endswith(".py")]
    return sorted(found)


def module_of(path: Path) -> str:
    """`bot/triage.py` -> `bot.triage`; `bot/__init__.py` -> `bot`."""
    parts = path.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(path: Path) -> str:
    module = module_of(path)
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _absolute(node: ast.ImportFrom, package: str) -> str:
    name = "." * node.level + (node.module or "")
    if not node.level:
        return name
    try:
        return importlib.util.resolve_name(name, package)
    except ImportError:  # beyond the top-level package: no folder of ours
        return name


def _by_name(node: ast.Call) -> str | None:
    """The literal module name of `import_module("x")`, `importlib.import_module("x")` or
    `__import__("x")`."""
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if called not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def imports_in(source: str, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import anywhere in `source`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, _absolute(node, package)
        elif isinstance(node, ast.Call) and (name := _by_name(node)):
            yield node.lineno, name


def forbidden_imports(layer: str, root: Path = ROOT) -> list[str]:
    """`file:line imports module` for each import of `layer`'s modules that it must not make."""
    wrong = []
    for path in project_files(root):
        if path.parts[0] != layer:
            continue
        source = (root / path).read_text(encoding="utf-8")
        for line, module in imports_in(source, package_of(path)):
            if (path.as_posix(), module) in PUBLISHED_COMMANDS:
                continue
            if module.split(".")[0] in FORBIDDEN[layer]:
                wrong.append(f"{path}:{line} imports {module}")
    return wrong


def test_the_check_sees_imports_inside_functions_relative_ones_and_by_name() -> None:
    source = (
        "import json\n"
        "def main():\n"
        "    from extensions.parser import load_latest_parser\n"
        "from .directory import Directory\n"
        "importlib.import_module('rasa.core.agent')\n"
    )
    assert sorted(imports_in(source, "bot")) == [
        (1, "json"),
        (3, "extensions.parser"),
        (4, "bot.directory"),
        (5, "rasa.core.agent"),
    ]


def test_every_module_is_in_a_folder_the_architecture_describes() -> None:
    files = project_files()
    assert len(files) > 50
    unknown = [str(path) for path in files if path.parts[0] not in FOLDERS]
    assert unknown == [], (
        f"Python outside the known folders: {unknown}; describe the folder in "
        "docs/architecture.md and add it to FOLDERS (and FORBIDDEN) in tests/test_layout.py"
    )


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_its_job_forbids(layer: str) -> None:
    assert any(path.parts[0] == layer for path in project_files()), f"no module in {layer}/"
    wrong = forbidden_imports(layer)
    assert wrong == [], (
        f"{layer}/ must not import {', '.join(sorted(FORBIDDEN[layer]))} "
        f"(docs/architecture.md, 'Dependency direction'): {'; '.join(wrong)}"
    )


# ------------------------------------------------------------------ the map of the repository

ARCHITECTURE_PAGE: Final = Path("docs", "architecture.md")
TOP_LEVEL: Final = FOLDERS | {"data", "docs", "scripts", "models"}
_ROOT_FILE: Final = re.compile(r"^(?:[\w-]+\.(?:yml|yaml|toml|md|lock)|Makefile|Containerfile)$")


def paths_named(page: str) -> set[str]:
    """The repository paths written in backticks: under a top-level folder of the project
    (`bot/directory.py`, `tests/data/*.tsv`, `channels/<channel>.py`) or a file at its root."""
    named = set()
    for token in re.findall(r"`([^`\s]+)`", page):
        if (token.split("/")[0] in TOP_LEVEL and "/" in token) or _ROOT_FILE.match(token):
            named.add(token)
    return named


def test_every_path_the_architecture_page_names_exists() -> None:
    named = paths_named((ROOT / ARCHITECTURE_PAGE).read_text(encoding="utf-8"))
    assert len(named) > 50
    missing = [path for path in sorted(named) if not list(ROOT.glob(re.sub(r"<[^>]*>", "*", path)))]
    assert missing == [], f"{ARCHITECTURE_PAGE} names paths that do not exist: {missing}"
