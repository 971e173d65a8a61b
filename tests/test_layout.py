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


# Where code lives (not tests, not the bench's sample messages): a number of the directory in a
# string there is a fact copied out of `data/helplines.yml`.
SOURCE_FOLDERS: Final = ("actions", "bot", "channels", "deploy", "extensions", "rasa_sdk_plugins")
JS_COMMENT: Final = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.S)
JS_STRING: Final = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`", re.S)


def directory_numbers() -> set[str]:
    """Every phone or SMS number of the directory, as digits (`0800235236`, `3018`, `112`)."""
    from bot.directory import Directory

    numbers = set()
    for line in Directory.from_file().lines.values():
        for contact in line.contacts:
            if contact.kind in ("phone", "sms") and contact.value:
                numbers.add(re.sub(r"\D", "", contact.value))
    return numbers


def python_strings(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of each string constant of a module, docstrings left out (they explain)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


def js_strings(path: Path) -> Iterator[tuple[int, str]]:
    text = JS_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), path.read_text(encoding="utf-8"))
    for match in JS_STRING.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, match.group()


def numbers_in(text: str, numbers: set[str]) -> set[str]:
    """The directory numbers written in a text, spaced or not ("0 800 235 236", "3018")."""
    found = set()
    for run in re.findall(r"(?<![\w.])\d[\d  .]*\d(?![\w.])|(?<![\w.])\d(?![\w.])", text):
        digits = re.sub(r"\D", "", run)
        if digits in numbers and len(digits) >= 3:
            found.add(digits)
    return found


def test_no_number_of_the_directory_is_written_in_python_or_js_source() -> None:
    numbers = directory_numbers()
    assert {"3018", "119", "3114", "112", "114"} <= numbers  # the check means something
    copied = []
    for folder in SOURCE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            strings = {".py": python_strings, ".js": js_strings}.get(path.suffix)
            if strings is None or "node_modules" in path.parts:
                continue
            for line, text in strings(path):
                copied += [
                    f"{path.relative_to(ROOT)}:{line}: {n}" for n in numbers_in(text, numbers)
                ]
    assert copied == [], "numbers belong in data/helplines.yml:\n" + "\n".join(copied)


def test_the_number_check_sees_a_number_in_a_string_and_not_in_a_docstring(
    tmp_path: Path,
) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""Calls the 3018."""\nLINE = "3018"\nTEXT = f"appelle le 0 800 235 236"\n')
    found = {
        n for _, text in python_strings(module) for n in numbers_in(text, {"3018", "0800235236"})
    }
    assert found == {"3018", "0800235236"}
    script = tmp_path / "w.js"
    script.write_text("// the 3114 in a comment\nconst a = 'Appelle le 3114';\n")
    assert [numbers_in(t, {"3114"}) for _, t in js_strings(script)] == [{"3114"}]
