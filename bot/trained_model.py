"""Which trained model is served: the newest archive in `models/` (`python -m bot.trained_model`).

`make train` names each model after the hash of its inputs (`bot.modelhash`) and touches the one
that is up to date, so the newest archive is the one to serve. Everything that loads or serves a
model (`make run`, `make chat`, `make scale`, `make test`, the triage CLI, the tests, the bench)
finds it here.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["MODELS_DIR", "NoModelError", "find_newest_model", "model_archives", "newest_model"]

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


class NoModelError(RuntimeError):
    """No trained model in the folder; the message says what to run."""


def model_archives(models_dir: Path = MODELS_DIR) -> list[Path]:
    """Every model archive in `models_dir`, oldest first (by modification time)."""
    return sorted(models_dir.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)


def find_newest_model(models_dir: Path = MODELS_DIR) -> Path | None:
    archives = model_archives(models_dir)
    return archives[-1] if archives else None


def newest_model(models_dir: Path = MODELS_DIR) -> Path:
    found = find_newest_model(models_dir)
    if found is None:
        raise NoModelError(f"no trained model in {models_dir}: run `make train`")
    return found


def main() -> int:
    try:
        sys.stdout.write(f"{newest_model()}\n")
    except NoModelError as error:
        sys.stderr.write(f"bot.trained_model: {error}\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
