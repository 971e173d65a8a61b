"""Content hash of everything that goes into a trained model (`python -m bot.modelhash`).

`make train` names the model after this hash and trains only when no model has it yet.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

__all__ = ["model_hash", "model_inputs"]

ROOT = Path(__file__).resolve().parent.parent
INPUT_GLOBS = (
    "config.yml",
    "domain.yml",
    "data/nlu/**/*.yml",
    "data/rules/**/*.yml",
    "data/stories/**/*.yml",
    "data/safety/**/*.yml",
    "data/safety/**/*.tsv",
    "extensions/__init__.py",
    "extensions/safety_net.py",  # the extensions inside the model; the stores are not
    "extensions/harm_signals.py",
    "extensions/danger_model.py",
    "extensions/stored_texts.py",
    "extensions/speaker_features.py",
    "extensions/spacy_lean.py",
    "bot/safety.py",
    "bot/danger_model.py",
    "bot/harms.py",
    "bot/speaker.py",
    "bot/normalize.py",
)


def model_inputs(root: Path = ROOT) -> list[Path]:
    found: set[Path] = set()
    for pattern in INPUT_GLOBS:
        found.update(path for path in root.glob(pattern) if path.is_file())
    return sorted(found)


def model_hash(paths: Iterable[Path] | None = None, root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for path in paths if paths is not None else model_inputs(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def main() -> int:
    sys.stdout.write(model_hash() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
