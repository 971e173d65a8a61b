"""The Kubernetes manifests (deploy/k8s), rendered and checked offline; no cluster runs here.

Each overlay is rendered by tests/kustomize_subset.py (and compared with `kubectl kustomize`
where kubectl is installed), validated against the Kubernetes API schemas by
`kubernetes-validate --strict` (in .venv-tools, see requirements-tools.lock), then checked for
the rules of issue 15: probes on the health routes, resources sized from the measured RSS, the
autoscaler and the disruption budget, an Ingress exposing only the webhooks and the widget,
NetworkPolicies (who may reach whom, evaluated here), Secrets referenced and never committed,
Redis with an append-only file.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.health import CHECK_TIMEOUT_SECONDS
from channels.widget_assets import ASSETS
from deploy.container import ACTION_PORT, RASA_PORT
from tests.kustomize_subset import render

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("demo", "production")
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")  # the oldest and newest the checks are run against
VALIDATE = ROOT / ".venv-tools" / "bin" / "kubernetes-validate"
WEBHOOKS = {"/webhooks/webchat/webhook", "/webhooks/telegram/webhook", "/webhooks/sms/webhook"}
WIDGET = {"/webhooks/webchat/widget.js", "/webhooks/webchat/frame", "/webhooks/webchat/frame.js",
          "/webhooks/webchat/frame.css", "/webhooks/webchat/page.css",
          "/webhooks/webchat/neutral"}  # fmt: skip
SECRET_NAMES = re.compile(r"TOKEN|SECRET|PASSWORD|PSEUDONYM_KEY|REDIS_URL|AUTH", re.IGNORECASE)

Resource = dict[str, Any]


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[Resource]]:
    return request.param, render(K8S / "overlays" / request.param)


def one(resources: list[Resource], kind: str, name: str) -> Resource:
    found = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def pod_spec(resources: list[Resource], kind: str, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = one(resources, kind, name)["spec"]["template"]["spec"]
    return spec


def container(resources: list[Resource], kind: str, name: str) -> dict[str, Any]:
    (only,) = pod_spec(resources, kind, name)["containers"]
    return dict(only)


def workloads(resources: list[Resource]) -> Iterator[Resource]:
    return (r for r in resources if r["kind"] in ("Deployment", "StatefulSet"))


def env(c: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in c.get("env", [])}


# ---- rendering and schemas


def test_kubectl_kustomize_renders_the_same(overlay: tuple[str, list[Resource]]) -> None:
    name, resources = overlay
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the overlays are rendered by the subset only")
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / name)],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    theirs = {(r["kind"], r["metadata"]["name"]): r for r in yaml.safe_load_all(out) if r}
    mine = {(r["kind"], r["metadata"]["name"]): r for r in resources}
    assert mine == theirs


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_resource_validates_strictly_against_the_kubernetes_schemas(
    overlay: tuple[str, list[Resource]], version: str, tmp_path: Path
) -> None:
    if not VALIDATE.exists():
        pytest.fail("kubernetes-validate is missing: run `make tools` (scripts/setup-tools)")
    name, resources = overlay
    rendered = tmp_path / f"{name}.yaml"
    rendered.write_text(yaml.safe_dump_all(resources))
    check = subprocess.run(
        [str(VALIDATE), "--strict", "--quiet", "-k", version, str(rendered)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ERROR" not in check.stdout + check.stderr


def test_the_overlays_hold_every_part(overlay: tuple[str, list[Resource]]) -> None:
    _, resources = overlay
    kinds = {(r["kind"], r["metadata"]["name"]) for r in resources}
    assert {
        ("Namespace", "relais"), ("ConfigMap", "relais-config"),
        ("Deployment", "relais-rasa"), ("Deployment", "relais-actions"),
        ("Service", "relais-rasa"), ("Service", "relais-rasa-failsafe"),
        ("Service", "relais-actions"), ("Service", "relais-redis"),
        ("StatefulSet", "relais-redis"), ("HorizontalPodAutoscaler", "relais-rasa"),
        ("PodDisruptionBudget", "relais-rasa"), ("PodDisruptionBudget", "relais-actions"),
        ("Ingress", "relais"), ("NetworkPolicy", "relais-default-deny"),
    } <= kinds  # fmt: skip
    assert all(
        r["metadata"].get("namespace") == "relais" for r in resources if r["kind"] != "Namespace"
    )


# ---- one image, the health routes as probes


def test_rasa_and_actions_run_the_same_image_tagged_with_a_model_hash(
    overlay: tuple[str, list[Resource]],
) -> None:
    _, resources = overlay
    rasa = container(resources, "Deployment", "relais-rasa")
    actions = container(resources, "Deployment", "relais-actions")
    assert rasa["image"] == actions["image"]
    assert re.fullmatch(r"[\w./-]+/relais:[0-9a-f]{16}", rasa["image"]), rasa["image"]
    assert (rasa["args"], actions["args"]) == (["rasa"], ["actions"])
    ports = {p["name"]: p["containerPort"] for p in rasa["ports"]}
    assert ports["http"] == RASA_PORT
    assert actions["ports"] == [{"name": "http", "containerPort": ACTION_PORT}]


def test_rasa_probes_the_health_routes_within_the_checks_time(
    overlay: tuple[str, list[Resource]],
) -> None:
    _, resources = overlay
    rasa = container(resources, "Deployment", "relais-rasa")
    assert rasa["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert rasa["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert rasa["startupProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    # the readiness checks run at once, each bounded: the probe's timeout leaves room for them
    assert rasa["readinessProbe"]["timeoutSeconds"] > CHECK_TIMEOUT_SECONDS
    start = rasa["startupProbe"]
    assert start["periodSeconds"] * start["failureThreshold"] >= 180  # the model loads first
    for kind, name in (("Deployment", "relais-actions"), ("StatefulSet", "relais-redis")):
        probed = container(resources, kind, name)
        assert "readinessProbe" in probed and "livenessProbe" in probed, name
    actions = container(resources, "Deployment", "relais-actions")
    assert actions["readinessProbe"]["httpGet"]["path"] == "/health"


def measured_replica_rss_bytes() -> float:
    """The replica RSS `make bench` measured, as the README reports it."""
    found = re.search(r"a Rasa replica (\d+(?:\.\d+)?) GB", (ROOT / "README.md").read_text())
    assert found, "the README no longer says the measured replica RSS"
    return float(found.group(1)) * 1e9


def quantity(value: str) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9, "m": 1e-3}
    for suffix, factor in units.items():
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value)


def test_resources_are_set_and_rasa_memory_is_sized_from_the_measured_rss(
    overlay: tuple[str, list[Resource]],
) -> None:
    _, resources = overlay
    for workload in workloads(resources):
        for c in workload["spec"]["template"]["spec"]["containers"]:
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), c["name"]
            assert "memory" in c["resources"]["limits"], c["name"]
    rasa = container(resources, "Deployment", "relais-rasa")["resources"]
    rss = measured_replica_rss_bytes()
    request, limit = quantity(rasa["requests"]["memory"]), quantity(rasa["limits"]["memory"])
    assert rss <= request <= 1.5 * rss  # room for the measured RSS, not a guess twice as big
    assert limit >= 1.25 * request  # the model load peaks above the steady RSS
    assert quantity(rasa["requests"]["cpu"]) >= 1  # a turn takes ~25 ms of a core


def test_the_autoscaler_and_disruption_budget_keep_replicas_serving(
    overlay: tuple[str, list[Resource]],
) -> None:
    name, resources = overlay
    deployment = one(resources, "Deployment", "relais-rasa")
    assert "replicas" not in deployment["spec"]  # owned by the autoscaler
    strategy = deployment["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0 and strategy["maxSurge"] >= 1
    hpa = one(resources, "HorizontalPodAutoscaler", "relais-rasa")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": "relais-rasa"}  # fmt: skip
    assert hpa["minReplicas"] >= (3 if name == "production" else 1)
    assert hpa["maxReplicas"] > hpa["minReplicas"]
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    for pdb_name in ("relais-rasa", "relais-actions"):
        pdb = one(resources, "PodDisruptionBudget", pdb_name)["spec"]
        assert pdb["maxUnavailable"] == 1
    pdb = one(resources, "PodDisruptionBudget", "relais-rasa")["spec"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items()


# ---- exposure


def test_the_ingress_exposes_only_the_webhooks_and_the_widget(
    overlay: tuple[str, list[Resource]],
) -> None:
    name, resources = overlay
    ingress = one(resources, "Ingress", "relais")
    (rule,) = ingress["spec"]["rules"]
    paths = rule["http"]["paths"]
    exposed = {p["path"] for p in paths}
    demo = {"/webhooks/webchat/demo"} if name == "demo" else set()
    assert exposed == WEBHOOKS | WIDGET | demo
    assert all(p["pathType"] == "Exact" for p in paths)
    assert all(p["backend"]["service"] == {"name": "relais-rasa", "port": {"name": "http"}}
               for p in paths)  # fmt: skip
    static = {f"/webhooks/webchat/{route}" for route in (*ASSETS, "frame")}
    assert (WIDGET | demo) <= static  # every public widget path is a route the connector serves
    assert "defaultBackend" not in ingress["spec"]
    assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"]]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/enable-access-log"] == "false"


def test_with_no_ready_replica_the_ingress_falls_back_to_the_ones_answering_the_failsafe(
    overlay: tuple[str, list[Resource]],
) -> None:
    _, resources = overlay
    annotations = one(resources, "Ingress", "relais")["metadata"]["annotations"]
    fallback = one(resources, "Service", annotations["nginx.ingress.kubernetes.io/default-backend"])
    ready_only = one(resources, "Service", "relais-rasa")
    assert fallback["spec"]["publishNotReadyAddresses"] is True
    assert "publishNotReadyAddresses" not in ready_only["spec"]
    assert fallback["spec"]["selector"] == ready_only["spec"]["selector"]
    assert fallback["spec"]["ports"] == ready_only["spec"]["ports"]


Peer = tuple[str, dict[str, str]]  # (namespace, pod labels); labels {} with "internet"


def labels_of(resources: list[Resource], component: str) -> dict[str, str]:
    deployments = [r for r in workloads(resources)
                   if r["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component")
                   == component]  # fmt: skip
    (workload,) = deployments
    return dict(workload["spec"]["template"]["metadata"]["labels"])


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, selector  # matchExpressions: not evaluated here
    return selector.get("matchLabels", {}).items() <= labels.items()


def _peer_matches(peer: dict[str, Any], policy_ns: str, source: Peer) -> bool:
    namespace, labels = source
    if "ipBlock" in peer:
        return namespace == "internet"
    if namespace == "internet":
        return False
    if "namespaceSelector" in peer:
        ns_labels = {"kubernetes.io/metadata.name": namespace}
        if not _selects(peer["namespaceSelector"], ns_labels):
            return False
    elif namespace != policy_ns:
        return False
    return "podSelector" not in peer or _selects(peer["podSelector"], labels)


def _allowed_by(
    policies: list[Resource], direction: str, pod: Peer, other: Peer, port: int
) -> bool:
    kind = "Ingress" if direction == "ingress" else "Egress"
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == pod[0]
        and kind in p["spec"]["policyTypes"]
        and _selects(p["spec"]["podSelector"], pod[1])
    ]
    if not selecting:
        return True  # no policy isolates this pod in this direction
    key = "from" if direction == "ingress" else "to"
    for policy in selecting:
        for rule in policy["spec"].get(direction, []):
            ports = [p["port"] for p in rule.get("ports", [])]
            peers = rule.get(key, [])
            if (not ports or port in ports) and (
                not peers or any(_peer_matches(x, pod[0], other) for x in peers)
            ):
                return True
    return False


def reachable(resources: list[Resource], source: Peer, target: Peer, port: int) -> bool:
    policies = [r for r in resources if r["kind"] == "NetworkPolicy"]
    inbound = _allowed_by(policies, "ingress", target, source, port)
    outbound = source[0] == "internet" or _allowed_by(policies, "egress", source, target, port)
    return inbound and outbound


def test_network_policies_let_only_the_ingress_reach_rasa_and_only_rasa_reach_the_rest(
    overlay: tuple[str, list[Resource]],
) -> None:
    _, resources = overlay
    peers: dict[str, Peer] = {
        "rasa": ("relais", labels_of(resources, "rasa")),
        "actions": ("relais", labels_of(resources, "actions")),
        "redis": ("relais", labels_of(resources, "redis")),
        "ingress controller": ("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}),
        "prometheus": ("monitoring", {"app.kubernetes.io/name": "prometheus"}),
        "a pod of another namespace": ("default", {"app": "anything"}),
        "the internet": ("internet", {}),
    }
    allowed = {
        ("ingress controller", "rasa", RASA_PORT), ("rasa", "redis", 6379),
        ("rasa", "actions", ACTION_PORT), ("prometheus", "rasa", 9102),
    }  # fmt: skip
    for source in peers:
        for target in ("rasa", "actions", "redis"):
            for port in (RASA_PORT, ACTION_PORT, 6379, 9102):
                expected = (source, target, port) in allowed
                found = reachable(resources, peers[source], peers[target], port)
                assert found == expected, (source, target, port)
    # outbound: Rasa reaches the Telegram Bot API over HTTPS; the others reach nothing
    policies = [r for r in resources if r["kind"] == "NetworkPolicy"]
    internet = peers["the internet"]
    assert _allowed_by(policies, "egress", peers["rasa"], internet, 443)
    assert not _allowed_by(policies, "egress", peers["actions"], internet, 443)
    assert not _allowed_by(policies, "egress", peers["redis"], internet, 443)


def test_the_metrics_port_is_the_same_everywhere(overlay: tuple[str, list[Resource]]) -> None:
    _, resources = overlay
    config = one(resources, "ConfigMap", "relais-config")["data"]
    ports = {p["name"]: p["containerPort"]
             for p in container(resources, "Deployment", "relais-rasa")["ports"]}  # fmt: skip
    assert int(config["METRICS_PORT"]) == ports["metrics"] == 9102
    assert config["METRICS_ADDR"] == "0.0.0.0"  # Prometheus scrapes from another pod
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    keep = [r for r in scrape["scrape_configs"][0]["relabel_configs"] if r.get("action") == "keep"]
    assert {r["regex"] for r in keep} == {"rasa", "metrics"}
    action_url = config["ACTION_ENDPOINT_URL"]
    service = one(resources, "Service", "relais-actions")["spec"]["ports"][0]["port"]
    assert action_url == f"http://relais-actions:{service}/webhook"


# ---- secrets, security, Redis


def readme_secrets() -> dict[str, set[str]]:
    """The Secrets (and their keys) the README tells you to create with kubectl."""
    text = (ROOT / "README.md").read_text().replace("\\\n", " ")
    created: dict[str, set[str]] = {}
    for line in text.splitlines():
        if "kubectl" not in line or "create secret" not in line:
            continue
        words = shlex.split(line.split("#")[0])
        kind = words[words.index("secret") + 1]
        name = words[words.index("secret") + 2]
        keys = {w.split("=", 2)[1] for w in words if w.startswith("--from-literal=")}
        created[name] = keys if kind == "generic" else {"tls.crt", "tls.key"}
    return created


def secret_refs(resources: list[Resource]) -> dict[str, set[str]]:
    refs: dict[str, set[str]] = {}
    for workload in workloads(resources):
        for c in workload["spec"]["template"]["spec"]["containers"]:
            for item in c.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.setdefault(ref["name"], set()).add(ref["key"])
            assert not any("secretRef" in source for source in c.get("envFrom", []))
    for ingress in (r for r in resources if r["kind"] == "Ingress"):
        for tls in ingress["spec"]["tls"]:
            refs.setdefault(tls["secretName"], set()).update({"tls.crt", "tls.key"})
    return refs


def test_secrets_are_referenced_never_committed_and_the_readme_creates_each(
    overlay: tuple[str, list[Resource]],
) -> None:
    name, resources = overlay
    assert not [r for r in resources if r["kind"] == "Secret"]
    for path in K8S.rglob("*.yaml"):
        assert "kind: Secret" not in path.read_text(), path
    refs = secret_refs(resources)
    created = readme_secrets()
    for secret, keys in refs.items():
        assert keys <= created.get(secret, set()), (secret, keys - created.get(secret, set()))
    if name == "production":
        assert refs["relais-secrets"] == {"PSEUDONYM_KEY", "TELEGRAM_BOT_TOKEN",
                                          "TELEGRAM_SECRET_TOKEN", "TWILIO_AUTH_TOKEN",
                                          "REDIS_URL"}  # fmt: skip
        assert refs["relais-redis"] == {"password"}
    else:
        assert set(refs) == {"relais-tls"}  # the demo needs no secret of its own
    # nothing secret as a plain value or in the ConfigMap
    config = one(resources, "ConfigMap", "relais-config")["data"]
    for key, value in config.items():
        if SECRET_NAMES.search(key):
            assert key == "REDIS_URL" and name == "demo" and "@" not in value, key
    for workload in workloads(resources):
        for c in workload["spec"]["template"]["spec"]["containers"]:
            for item in c.get("env", []):
                if SECRET_NAMES.search(item["name"]):
                    assert "value" not in item, item["name"]


def test_every_setting_in_the_config_map_is_a_documented_one(
    overlay: tuple[str, list[Resource]],
) -> None:
    _, resources = overlay
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(),
                                re.MULTILINE))  # fmt: skip
    documented |= set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", (ROOT / "README.md").read_text(),
                                 re.MULTILINE))  # fmt: skip
    documented |= {"TF_INTRA_OP_PARALLELISM_THREADS"}  # TensorFlow's own (README: make bench)
    config = one(resources, "ConfigMap", "relais-config")["data"]
    assert set(config) - documented == set()


def test_every_pod_meets_the_restricted_pod_security_standard(
    overlay: tuple[str, list[Resource]],
) -> None:
    _, resources = overlay
    namespace = one(resources, "Namespace", "relais")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for workload in workloads(resources):
        spec = workload["spec"]["template"]["spec"]
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for c in spec["containers"]:
            context = c["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["readOnlyRootFilesystem"] is True
            assert context["capabilities"] == {"drop": ["ALL"]}
    rasa = pod_spec(resources, "Deployment", "relais-rasa")
    assert rasa["securityContext"]["runAsUser"] == 10001  # the image's USER
    assert {m["mountPath"] for m in rasa["containers"][0]["volumeMounts"]} == {"/tmp"}


def test_every_replica_logs_its_pod_name(overlay: tuple[str, list[Resource]]) -> None:
    _, resources = overlay
    for name in ("relais-rasa", "relais-actions"):
        replica = env(container(resources, "Deployment", name))["REPLICA_NAME"]
        assert replica["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}


def test_the_action_server_listens_where_the_replicas_reach_it(
    overlay: tuple[str, list[Resource]],
) -> None:
    """It binds loopback by default (`rasa_sdk_plugins`): in its own pod that would refuse every
    Rasa replica, and every turn would end in the fail-safe text."""
    _, resources = overlay
    assert env(container(resources, "Deployment", "relais-actions"))["SANIC_HOST"] == {
        "name": "SANIC_HOST",
        "value": "0.0.0.0",
    }


def test_redis_keeps_an_append_only_file_on_a_volume_and_rasa_uses_it(
    overlay: tuple[str, list[Resource]],
) -> None:
    name, resources = overlay
    conf = one(resources, "ConfigMap", "relais-redis")["data"]["redis.conf"].splitlines()
    assert {"appendonly yes", "appendfsync everysec", "maxmemory-policy noeviction"} <= set(conf)
    redis = one(resources, "StatefulSet", "relais-redis")
    assert redis["spec"]["replicas"] == 1
    (claim,) = redis["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in redis["spec"]["template"]["spec"]["containers"][0]
              ["volumeMounts"]}  # fmt: skip
    assert mounts[claim["metadata"]["name"]] == "/data" and "dir /data" in conf
    rasa = env(container(resources, "Deployment", "relais-rasa"))
    config = one(resources, "ConfigMap", "relais-config")["data"]
    if name == "production":
        assert rasa["REDIS_URL"]["valueFrom"]["secretKeyRef"]["name"] == "relais-secrets"
        args = container(resources, "StatefulSet", "relais-redis")["args"]
        assert args[1:] == ["--requirepass", "$(REDIS_PASSWORD)"]
        assert config["RELAIS_MODE"] == "production"
    else:
        assert config["REDIS_URL"] == "redis://relais-redis:6379/0"
        assert config["RELAIS_MODE"] == "demo"
