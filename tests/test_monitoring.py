"""What the on-call person sees: the alert rules (checked and unit-tested by promtool), the scrape
config, and the Grafana dashboard, each against the metrics the bot really exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.directory import Directory
from bot.metrics import Metrics

ROOT = Path(__file__).resolve().parent.parent
PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "relais.json"
METRIC = re.compile(r"\b(relais_[a-z_]+|relais:[a-z0-9_:]+)")
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is missing: run `make system-deps` (Debian package prometheus)")
    return subprocess.run(
        [binary, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def exported() -> set[str]:
    """Every series name the bot's registry exports (a gauge once it has a value)."""
    fresh = Metrics(Directory.from_file().lines)
    fresh.record_readiness({"model": True})
    return {sample.name for family in fresh.registry.collect() for sample in family.samples}


def rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_exprs() -> list[tuple[str, str]]:
    board = json.loads(DASHBOARD.read_text())
    found = []
    for panel in board["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            found.append((panel["title"], expr))
    return found


def test_promtool_checks_the_rules() -> None:
    check = promtool("check", "rules", "alerts.yml")
    assert check.returncode == 0, check.stdout + check.stderr


def test_promtool_unit_tests_of_the_alerts_pass() -> None:
    """Each alert fires on a made-up outage and stays quiet on a normal day or a quiet night."""
    check = promtool("test", "rules", "alerts.test.yml")
    assert check.returncode == 0, check.stdout + check.stderr
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS / "alerts.test.yml").read_text()))
    assert tested == {rule["alert"] for rule in rules() if "alert" in rule}


def test_the_alerts_cover_what_the_on_call_person_must_know() -> None:
    alerts = {rule["alert"]: rule for rule in rules() if "alert" in rule}
    assert 'kind="failsafe"' in alerts["RelaisFailsafeReplies"]["expr"]
    assert "hour()" in alerts["RelaisNoTurns"]["expr"]
    assert "histogram_quantile(0.99" in alerts["RelaisSlowTurns"]["expr"]
    assert "> 1" in alerts["RelaisSlowTurns"]["expr"]
    assert "relais_ready_check" in alerts["RelaisReplicaNotReady"]["expr"]
    assert all(rule["labels"]["severity"] in ("page", "ticket") for rule in alerts.values())


def test_rules_and_dashboard_use_only_series_the_bot_exports() -> None:
    recorded = {rule["record"] for rule in rules() if "record" in rule}
    known = exported() | recorded
    used = {name for rule in rules() for name in METRIC.findall(rule["expr"])}
    used |= {name for _, expr in dashboard_exprs() for name in METRIC.findall(expr)}
    assert used - known == set()
    assert {"relais_turn_seconds_bucket", "relais_ready_check"} <= used


def test_the_scrape_config_is_valid_and_gives_the_job_and_pod_labels(tmp_path: Path) -> None:
    """Debian's promtool is built without Kubernetes discovery: the same config is checked with
    that one block swapped for a static target; everything else (relabelling, rules) as is."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "relais-rasa"  # the alerts' up{job="relais-rasa"}
    assert job["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["relais"]}}]
    assert {r.get("target_label") for r in job["relabel_configs"]} >= {"pod"}
    job.pop("kubernetes_sd_configs")
    job["static_configs"] = [{"targets": ["127.0.0.1:9102"]}]
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    check = promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    """promtool parses each panel's query, written as a recording rule."""
    records = [
        {"record": f"dashboard:query_{i}", "expr": expr}
        for i, (_, expr) in enumerate(dashboard_exprs())
    ]
    (tmp_path / "dashboard.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]})
    )
    check = promtool("check", "rules", "dashboard.yml", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_dashboard_shows_what_the_issue_asks_per_replica() -> None:
    board = json.loads(DASHBOARD.read_text())
    by_title = dict(dashboard_exprs())
    titles = " | ".join(by_title).lower()
    for word in ("turns", "roles", "emergencies", "hand-offs", "fail-safe", "p50", "p99"):
        assert word in titles, word
    latency = [e for t, e in dashboard_exprs() if "per replica" in t and "latency" in t.lower()]
    assert any("histogram_quantile(0.5, sum by (pod, le)" in e for e in latency)
    assert any("histogram_quantile(0.99, sum by (pod, le)" in e for e in latency)
    assert board["templating"]["list"][0]["type"] == "datasource"
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
