"""Who writes: the roles the bot tells apart (see `docs/labels.md`), listed once.

The model's role intents, the metrics' `role` label and the content's kits all read them here.
"""

from __future__ import annotations

from typing import Final

__all__ = ["EMERGENCY", "KIT_ROLES", "ROLES"]

ROLES: Final = ("victim", "witness", "parent", "author")
# The roles with a survival kit of steps in `data/content/` (the author gets a guidance entry).
KIT_ROLES: Final = ("victim", "witness", "parent")
# Not a role: someone in danger right now, whatever their role (the emergency intent).
EMERGENCY: Final = "emergency"
