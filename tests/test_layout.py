"""The layout holds: each folder imports only what its job allows (docs/architecture.md).

- `bot/` (domain decisions and facts) imports neither Rasa, the SDK, Sanic nor any outer folder;
- `actions/` imports `bot/` and the Rasa SDK, never Rasa itself, `extensions/`, `channels/` or
  `deploy/`;
- `channels/` never imports the actions, the launcher or the bench.

Read with `ast` from every module of the project: imports at any place in a file (inside a
function too), relative imports resolved, and `import_module("...")` with a literal name.

And a helpline number has one home, `data/helplines.yml` (replies name it from `domain.yml` and
`data/content/`): none is typed in a Python string that is not documentation, nor in the
widget's JavaScript outside its comments. `tests/` and `bench/` hold what people write
("j'ai appelé le 3018"), so they are not read.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Final

import pytest

from bot.directory import Directory
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


# ------------------------------------------------------------------ helpline numbers, one home

NUMBERS_READ_ELSEWHERE: Final = frozenset({"tests", "bench"})  # examples of what people write
STATIC_DIR: Final = Path("channels", "static")


def directory_numbers(directory: Directory) -> set[str]:
    """The phone and SMS numbers of the directory (as dialled and as written), and the lines
    named by a number (the 3020, merged into the 3018, has no contact left)."""
    numbers = {line.name for line in directory.lines.values() if line.name.isdigit()}
    for line in directory.lines.values():
        for contact in line.contacts:
            if contact.kind in ("phone", "sms"):
                numbers |= {text for text in (contact.value, contact.label) if text}
    return numbers


def number_pattern(numbers: Iterable[str]) -> re.Pattern[str]:
    """Any of `numbers` as a whole token: a long one also with spaces or dots between its digits
    ("30 18", "0 800 235 236"); not inside a decimal, a time or a date ("17.6", "18:00",
    "2026-11-18"), a word or a colour."""

    def spelled(number: str) -> str:
        digits = [digit for digit in number if digit.isdigit()]
        return (r"[ .\u00a0]?" if len(digits) >= 4 else "").join(digits)

    alternatives = sorted({spelled(number) for number in numbers}, key=len, reverse=True)
    return re.compile(rf"(?<![\w#])(?<!\d[.,:-])(?:{'|'.join(alternatives)})(?!\w)(?![.,:-]\d)")


def python_strings(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal that is a value: a string alone as a statement
    (a docstring, an attribute's doc) is documentation and is left out."""
    tree = ast.parse(source)
    documentation = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in documentation
        ):
            yield node.lineno, node.value


_REGEX_AFTER: Final = frozenset("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORD: Final = re.compile(r"(?:^|[^\w$])(?:return|typeof|case|in|of|void|throw)$")


def _literal_end(source: str, start: int) -> int:
    """Where the string, template or regex literal opening at `start` ends (escapes and a
    regex's character classes read past)."""
    quote, index, in_class = source[start], start + 1, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "\n" and quote != "`":
            return index
        if quote == "/" and char in "[]":
            in_class = char == "["
        elif char == quote and not in_class:
            return index + 1
        index += 1
    return len(source)


def _regex_may_start(code: str) -> bool:
    """A `/` opens a regex (not a division) after an operator, a bracket or a keyword."""
    before = code.rstrip()
    return not before or before[-1] in _REGEX_AFTER or bool(_REGEX_AFTER_WORD.search(before))


def js_without_comments(source: str) -> str:
    """The JavaScript with each comment blanked out, newlines kept (lines keep their numbers);
    `//` inside a string, a template or a regex is no comment."""
    out: list[str] = []
    index = 0
    while index < len(source):
        pair, char = source[index : index + 2], source[index]
        if pair in ("//", "/*"):
            end = source.find("\n" if pair == "//" else "*/", index + 2)
            end = len(source) if end < 0 else end + (0 if pair == "//" else 2)
            out.append(re.sub(r"[^\n]", " ", source[index:end]))
        elif char in "'\"`" or (char == "/" and _regex_may_start("".join(out[-40:]))):
            end = _literal_end(source, index)
            out.append(source[index:end])
        else:
            end = index + 1
            out.append(char)
        index = end
    return "".join(out)


def python_numbers(pattern: re.Pattern[str], root: Path = ROOT) -> list[str]:
    found = []
    for path in project_files(root):
        if path.parts[0] in NUMBERS_READ_ELSEWHERE:
            continue
        for line, text in python_strings((root / path).read_text(encoding="utf-8")):
            found += [f"{path}:{line}: {match!r}" for match in pattern.findall(text)]
    return found


def js_numbers(pattern: re.Pattern[str], root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / STATIC_DIR).rglob("*.js")):
        code = js_without_comments(path.read_text(encoding="utf-8"))
        for line, text in enumerate(code.splitlines(), start=1):
            found += [f"{path.relative_to(root)}:{line}: {m!r}" for m in pattern.findall(text)]
    return found


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("appelle le 3018", ["3018"]),
        ("tel:3018", ["3018"]),
        ("sms:114, ou le 17.", ["114", "17"]),
        ("le 30 18 ou le 0 800 235 236", ["30 18", "0 800 235 236"]),
        ("M5 17.6 6.4 19l5.6-5.6", []),
        ("ouvert de 9h à 18:00 le 2026-11-18", []),
        ("30180 #112233 v1.15 a17", []),
    ],
)
def test_the_number_check_finds_a_number_as_people_read_it(text: str, named: list[str]) -> None:
    pattern = number_pattern(["3018", "114", "17", "18", "15", "112", "0800235236"])
    assert pattern.findall(text) == named


def test_the_number_check_reads_values_not_documentation() -> None:
    source = (
        '"""The 3018 is named in docs."""\n'
        "def f():\n"
        '    """Or the 112."""\n'
        '    return f"appelle le {x} ou le 3114"\n'
    )
    texts = [text for _, text in python_strings(source)]
    assert any("3114" in text for text in texts)
    assert not any("3018" in text or "112" in text for text in texts)


def test_js_comments_are_blanked_but_strings_templates_and_regexes_kept() -> None:
    source = (
        "const url = 'http://x'; // the 3018\n"
        "/* the 112\n   and the 114 */ const re = /\\/\\/[/*]/;\n"
        "return /x/.test(`call ${n} // 3114`) / 2; // 17\n"
    )
    code = js_without_comments(source)
    assert code.count("\n") == source.count("\n")
    assert "'http://x'" in code and "/\\/\\/[/*]/" in code and "// 3114`" in code
    assert not any(comment in code for comment in ("the 3018", "the 112", "the 114", "// 17"))


def test_no_helpline_number_is_typed_in_python(directory: Directory) -> None:
    found = python_numbers(number_pattern(directory_numbers(directory)))
    assert found == [], (
        "a helpline number typed in Python, a second home for it: read it from the directory "
        f"(bot.directory) or name it in domain.yml / data/content/: {'; '.join(found)}"
    )


def test_no_helpline_number_is_typed_in_the_widget_js(directory: Directory) -> None:
    found = js_numbers(number_pattern(directory_numbers(directory)))
    assert found == [], (
        "a helpline number typed in the widget's JavaScript: the frame gets its numbers from "
        f"frame_config (channels/widget_assets.py): {'; '.join(found)}"
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
