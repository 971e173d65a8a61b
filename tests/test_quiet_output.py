"""`make` prints what a person needs: scripts/quiet drops library warnings and mirror notes, and
lets everything else through, errors and tracebacks first of all."""

from __future__ import annotations

import subprocess

from tests.conftest import ROOT

ESC = "\033"
NOISE = (
    "/x/.venv/lib/python3.10/site-packages/pkg_resources/__init__.py:3117: DeprecationWarning: "
    "Deprecated call to `pkg_resources.declare_namespace('ruamel')`.\n"
    "Implementing implicit namespace packages (as specified in PEP 420) is preferred.\n"
    "  declare_namespace(pkg)\n"
    f"{ESC}[93m/x/.venv/lib/python3.10/site-packages/rasa/shared/utils/io.py:100: UserWarning: "
    "The utterance 'utter_handoff' is not used in any story or rule.\n"
    f"{ESC}[0m{ESC}[93m/x/.venv/lib/python3.10/site-packages/rasa/shared/utils/io.py:100: "
    "UserWarning: The utterance 'utter_ask_role' is not used in any story or rule.\n"
    f"{ESC}[0m\n"
    "WARNING: Location 'file:///opt/pypi/simple/rasa/' is ignored: it is neither a file nor a "
    "directory.\n"
    "debconf: delaying package configuration, since apt-utils is not installed\n"
)
KEPT = (
    "train: inputs changed, training models/relais-0123.tar.gz\n"
    "Traceback (most recent call last):\n"
    '  File "/x/bot/safety.py", line 3, in <module>\n'
    "yaml.scanner.ScannerError: mapping values are not allowed here\n"
    "ERROR: Could not find a version that satisfies the requirement rasa==9\n"
    "/work/bot/flow.py:12: UserWarning: a warning of our own code\n"
    "train: done in 49 s, 50M\n"
)


def quiet(text: str) -> str:
    done = subprocess.run(
        [str(ROOT / "scripts" / "quiet")], input=text, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_library_warnings_and_mirror_notes_are_dropped_and_the_rest_is_kept() -> None:
    assert quiet(NOISE + KEPT) == KEPT


def test_a_failing_command_keeps_its_exit_status_through_the_filter() -> None:
    script = f'set -o pipefail; (echo "ERROR: broken"; exit 3) 2>&1 | {ROOT}/scripts/quiet'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 3
    assert done.stdout == "ERROR: broken\n"
