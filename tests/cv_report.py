"""Prints the cross-validation intent report of `make eval` as a table (no message text)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.triage import ROLES as ROLE_INTENTS  # the roles and the emergency


def main(path: str) -> int:
    report = json.loads(Path(path).read_text(encoding="utf-8"))
    lines = [f"{'intent':<18} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}"]
    for intent, m in sorted(report.items()):
        if not isinstance(m, dict) or "support" not in m or " avg" in intent:
            continue
        lines.append(
            f"{intent:<18} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1-score']:>6.3f}"
            f" {m['support']:>5}"
        )
    macro = report.get("macro avg", {}).get("f1-score", 0.0)
    lines.append(f"macro-F1 over intents {macro:.3f} (5-fold cross-validation)")
    roles = [role for role in ROLE_INTENTS if role in report]
    role_macro = sum(report[role]["f1-score"] for role in roles) / len(roles) if roles else 0.0
    lines.append(f"macro-F1 over the role intents ({', '.join(roles)}) {role_macro:.3f}")
    lines.append("most confused (expected -> predicted: count)")
    for role in roles:
        confused = sorted(report[role].get("confused_with", {}).items(), key=lambda kv: -kv[1])
        shown = ", ".join(f"{name} {count}" for name, count in confused[:4])
        lines.append(f"  {role:<10} -> {shown or 'none'}")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    Path(path).with_name("cv_table.txt").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
